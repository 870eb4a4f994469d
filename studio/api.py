"""POST /api/jobs/<id>/mix/: the mix download for scripts (token or session, as all the API)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.views import APIView

from audio.http.errors import error_responses
from audio.mixdown import MAX_GAIN, MixRejected
from jobs.api.views import Conflict
from studio import mixing


class MixBusy(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "busy"
    wait = mixing.BUSY_RETRY_SECONDS


class JobMixView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["jobs"],
        summary="The completed job's stems mixed with your gains, as a 16-bit WAV",
        description=f"Body: stem -> gain from 0 to {MAX_GAIN:g} (a stem left out keeps 1), bare or under "
        '"gains": `{"vocals": 0, "drums": 1.5}`. If the sum would clip, the whole mix is turned down just '
        "enough: `X-Mix-Gain-Reduction-dB` and `X-Mix-Peak-dBFS` say by how much.",
        request=inline_serializer("MixGains", {"gains": serializers.DictField(child=serializers.FloatField())}),
        responses={
            (200, "audio/wav"): OpenApiResponse(OpenApiTypes.BINARY, description="The mix, as an attachment."),
            **error_responses(400, 403, 404, 409, 503),
        },
    )
    def post(self, request: Request, job_id) -> HttpResponse:
        try:
            job, rendering = mixing.mix_start(user=request.user, job_id=job_id, requested=request.data)
            return mixing.mix_response(job, rendering.result())
        except mixing.MixNotReady as exc:
            raise Conflict(exc.message) from exc
        except MixRejected as exc:
            raise ValidationError(exc.message) from exc
        except mixing.MixBusy as exc:
            raise MixBusy(exc.message) from exc
