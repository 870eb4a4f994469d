"""GET /api/models/: the engines, their models, the stems each produces, and whether each
can run here for the user asking (weights installed, a licence key at hand)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audio.engines.base import MODEL_STATES, OUTPUT_FORMATS, STEMS_MODES
from audio.engines.registry import ENGINE_NAMES
from audio.http.errors import error_responses
from preferences.services import models_catalog


class ModelSerializer(serializers.Serializer):
    name = serializers.CharField()
    stems = serializers.ListField(child=serializers.CharField(), help_text="The stems of an `all` run.")
    state = serializers.ChoiceField(
        choices=MODEL_STATES,
        help_text="`ready`: it runs now; `downloads`: its weights are fetched on its first run; "
        "`missing`: it cannot run here (jobs asking for it are refused).",
    )
    note = serializers.CharField(allow_blank=True, help_text="Why it is not ready, in words; empty when ready.")
    default = serializers.BooleanField(help_text="The model a job of this engine gets when none is named.")


class EngineSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=ENGINE_NAMES)
    label = serializers.CharField()
    models = ModelSerializer(many=True)


class CatalogSerializer(serializers.Serializer):
    engines = EngineSerializer(many=True)
    stems_modes = serializers.ListField(
        child=serializers.ChoiceField(choices=STEMS_MODES), help_text="`all` stems, or `two`: vocals and instrumental."
    )
    output_formats = serializers.ListField(child=serializers.ChoiceField(choices=OUTPUT_FORMATS))


class ModelCatalogView(APIView):
    @extend_schema(
        tags=["models"],
        summary="Engines, their models, the stems each produces, and whether each can run here",
        responses={200: CatalogSerializer, **error_responses()},
    )
    def get(self, request: Request) -> Response:
        engines = models_catalog(user=request.user)
        return Response({"engines": engines, "stems_modes": list(STEMS_MODES), "output_formats": list(OUTPUT_FORMATS)})
