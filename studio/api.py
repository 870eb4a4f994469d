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
from audio.practice import OUTPUT_FORMATS, SEMITONE_RANGE, SPEED_RANGE
from jobs.api.views import Conflict
from studio import mixing


class MixBusy(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "busy"
    wait = mixing.BUSY_RETRY_SECONDS


class YourMixUnderWay(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "mix_under_way"
    wait = mixing.BUSY_RETRY_SECONDS


class JobMixView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["jobs"],
        summary="The completed job's stems mixed with your gains, at a practice speed and pitch, as WAV, FLAC or MP3",
        description=f"Body: stem -> gain from 0 to {MAX_GAIN:g} (a stem left out keeps 1), bare or under "
        '"gains": `{"vocals": 0, "drums": 1.5}`; beside them, optionally, `speed` (a factor from '
        f"{SPEED_RANGE[0]:g} to {SPEED_RANGE[1]:g}, pitch kept), `semitones` ({SEMITONE_RANGE[0]:g} to "
        f"{SEMITONE_RANGE[1]:+g}, speed kept) and `format` ({', '.join(OUTPUT_FORMATS)}; 16-bit, MP3 for mp3), "
        '`{"vocals": 0, "speed": 0.75, "semitones": -2, "format": "mp3"}`. Speed and pitch are changed with '
        "Rubber Band. If the result would clip, the whole of it is turned down just enough: "
        "`X-Mix-Gain-Reduction-dB` and `X-Mix-Peak-dBFS` say by how much. The file is made as it is sent "
        "(a WAV with its Content-Length, FLAC and MP3 without): at once when the stems' own peaks show the mix "
        "cannot clip (`X-Mix-Peak-dBFS` is then an upper bound), else after one read of the stems for the peak; "
        "a change of speed or pitch is rendered whole first. One mix per user at a time (429 meanwhile).",
        request=inline_serializer(
            "MixRequest",
            {
                "gains": serializers.DictField(child=serializers.FloatField(), required=False),
                "speed": serializers.FloatField(
                    min_value=SPEED_RANGE[0], max_value=SPEED_RANGE[1], required=False, default=1.0
                ),
                "semitones": serializers.FloatField(
                    min_value=SEMITONE_RANGE[0], max_value=SEMITONE_RANGE[1], required=False, default=0.0
                ),
                "format": serializers.ChoiceField(choices=list(OUTPUT_FORMATS), required=False, default="wav"),
            },
        ),
        responses={
            **{
                (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The mix, as an attachment.")
                for _, _, content_type in OUTPUT_FORMATS.values()
            },
            **error_responses(400, 403, 404, 409, 429, 503),
        },
    )
    def post(self, request: Request, job_id) -> HttpResponse:
        try:
            job, practice, rendering = mixing.mix_start(user=request.user, job_id=job_id, requested=request.data)
            return mixing.mix_response(job, rendering.future.result(), practice)
        except mixing.MixNotReady as exc:
            raise Conflict(exc.message) from exc
        except MixRejected as exc:
            raise ValidationError(exc.message) from exc
        except mixing.MixBusy as exc:
            raise (YourMixUnderWay if exc.own else MixBusy)(exc.message) from exc
