"""The JSON API of the track library: list, upload, one track, delete.

Uploads go through the same handler and service as the library page: streamed
to disk, refused over MAX_UPLOAD_MB or the user's storage (413) or when the
bytes are not audio (400).
Deleting a track takes its jobs and every file of them along.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audio import selectors
from audio.decoding import AudioRejected
from audio.http.errors import error_responses
from audio.http.throttling import UPLOAD, throttled
from audio.keys import camelot, normalise_key
from audio.models import Track
from audio.services import NoRoom, track_set_tempo_key
from jobs import storage
from jobs.stems import track_delete


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The file is too large."
    default_code = "too_large"


class TrackSerializer(serializers.ModelSerializer):
    cover_url = serializers.SerializerMethodField(help_text="Cover art, or a generated placeholder (SVG).")
    original_url = serializers.SerializerMethodField(help_text="The uploaded file (HTTP Range supported).")
    stems_zip_url = serializers.SerializerMethodField(
        help_text="All stems of the latest completed job as a ZIP (404 until one exists)."
    )
    bpm = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Tempo in beats per minute; null until measured or when unsure."
    )
    key = serializers.SerializerMethodField(
        help_text="Musical key such as “E minor”; null until measured or when unsure."
    )
    key_camelot = serializers.SerializerMethodField(
        help_text="The key's Camelot code (“9A”), for DJs; null without a key."
    )

    class Meta:
        model = Track
        fields = [
            "id",
            "title",
            "artist",
            "album",
            "original_filename",
            "extension",
            "codec",
            "size_bytes",
            "duration_seconds",
            "sample_rate",
            "channels",
            "created_at",
            "cover_url",
            "original_url",
            "stems_zip_url",
            "bpm",
            "key",
            "key_camelot",
            "analysed_at",
        ]
        extra_kwargs = {"analysed_at": {"help_text": "When tempo and key were measured or set; null while pending."}}

    def get_cover_url(self, track: Track) -> str:
        return reverse("track-cover", args=[track.id])

    def get_original_url(self, track: Track) -> str:
        return reverse("track-original", args=[track.id])

    def get_stems_zip_url(self, track: Track) -> str:
        return reverse("stems-zip", args=[track.id])

    def get_key(self, track: Track) -> str | None:
        return track.key or None

    def get_key_camelot(self, track: Track) -> str | None:
        return camelot(track.key) or None


class TrackTempoKeySerializer(serializers.Serializer):
    bpm = serializers.FloatField(
        min_value=20, max_value=300, allow_null=True, required=False, help_text="Beats per minute; null clears it."
    )
    key = serializers.CharField(
        allow_null=True, allow_blank=True, required=False, help_text="“E minor”, “F# major”…; null or “” clears it."
    )

    def validate_key(self, value: str | None) -> str:
        try:
            return normalise_key(value or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class TrackUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="One audio file: wav, mp3, flac, ogg, m4a/aac or aiff.")


class TrackListView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=["tracks"],
        summary="Your tracks, newest first unless you choose an ordering",
        parameters=[
            OpenApiParameter(
                "ordering",
                enum=list(selectors.TRACK_ORDERINGS),
                description="created_at, bpm or key (in Camelot order); a leading - reverses. "
                "Unknown tempo or key sorts last.",
            )
        ],
        responses={200: TrackSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        ordering = request.query_params.get("ordering", selectors.DEFAULT_ORDERING)
        if ordering not in selectors.TRACK_ORDERINGS:
            raise ValidationError({"ordering": f"Choose one of: {', '.join(selectors.TRACK_ORDERINGS)}."})
        return Response(TrackSerializer(selectors.track_list(owner=request.user, ordering=ordering), many=True).data)

    @extend_schema(
        tags=["tracks"],
        summary="Upload a track",
        description="The same file uploaded again answers 200 with the track already in your library.",
        request=TrackUploadSerializer,
        responses={
            201: TrackSerializer,
            200: OpenApiResponse(TrackSerializer, description="Already in your library."),
            **error_responses(400, 403, 413, 429),
        },
    )
    @method_decorator(throttled(UPLOAD))
    def post(self, request: Request) -> Response:
        uploads = request.FILES.getlist("file")
        rejections = getattr(request, "upload_rejections", [])  # left by the upload handler
        if rejections:
            raise UploadTooLarge(rejections[0][1])
        if len(uploads) != 1:
            raise ValidationError({"file": "Send exactly one audio file in the multipart field “file”."})
        try:
            track, created = storage.track_add(owner=request.user, upload=uploads[0])
        except AudioRejected as exc:
            raise ValidationError({"file": exc.message}) from exc
        except NoRoom as exc:
            raise UploadTooLarge(exc.message) from exc
        return Response(TrackSerializer(track).data, status=201 if created else 200)


class TrackDetailView(APIView):
    @extend_schema(
        tags=["tracks"], summary="One of your tracks", responses={200: TrackSerializer, **error_responses(404)}
    )
    def get(self, request: Request, track_id) -> Response:
        return Response(TrackSerializer(selectors.track_get(owner=request.user, track_id=track_id)).data)

    @extend_schema(
        tags=["tracks"],
        summary="Correct a track's tempo or key by hand",
        description="Fields left out stay as they are; the background analysis never overwrites a correction.",
        request=TrackTempoKeySerializer,
        responses={200: TrackSerializer, **error_responses(400, 403, 404)},
    )
    def patch(self, request: Request, track_id) -> Response:
        track = selectors.track_get(owner=request.user, track_id=track_id)
        given = TrackTempoKeySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        fields = given.validated_data
        track = track_set_tempo_key(
            track=track, bpm=fields.get("bpm", track.bpm), key=fields.get("key", track.key) or ""
        )
        return Response(TrackSerializer(track).data)

    @extend_schema(
        tags=["tracks"],
        summary="Delete a track with its jobs, stems and files",
        responses={204: None, **error_responses(403, 404)},
    )
    def delete(self, request: Request, track_id) -> Response:
        track_delete(track=selectors.track_get(owner=request.user, track_id=track_id))
        return Response(status=204)
