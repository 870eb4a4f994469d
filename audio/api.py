"""The JSON API of the engines: which there are, their models and the stems each produces."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audio.engines.base import OUTPUT_FORMATS, STEMS_MODES
from audio.engines.registry import ENGINE_NAMES, all_engines
from audio.http.errors import error_responses


class ModelSerializer(serializers.Serializer):
    name = serializers.CharField()
    stems = serializers.ListField(child=serializers.CharField(), help_text="The stems of an `all` run.")


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
        summary="Engines, their models and the stems each produces",
        responses={200: CatalogSerializer, **error_responses()},
    )
    def get(self, request: Request) -> Response:
        engines = [
            {
                "name": engine.name,
                "label": engine.label,
                "models": [{"name": model, "stems": stems} for model, stems in engine.models().items()],
            }
            for engine in all_engines()
        ]
        return Response({"engines": engines, "stems_modes": list(STEMS_MODES), "output_formats": list(OUTPUT_FORMATS)})
