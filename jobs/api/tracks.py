"""The JSON API of the track library: list (searched, sorted, filtered, in pages), upload,
one track, edit it (title, artist, album, tempo, key, cover), delete.

Uploads go through the same handler and service as the library page: streamed
to disk, refused over MAX_UPLOAD_MB or the user's storage (413) or when the
bytes are not audio (400).
Deleting a track takes its jobs and every file of them along.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audio import selectors
from audio.covers import COVER_MAX_BYTES, CoverRejected, cover_too_large_message
from audio.decoding import AudioRejected
from audio.http.errors import error_responses
from audio.http.pagination import LimitOffset
from audio.http.throttling import UPLOAD, throttled
from audio.keys import camelot, normalise_key
from audio.models import Track
from audio.selectors import DEFAULT_ORDERING, MAX_QUERY, TRACK_ORDERINGS, UnknownOrdering
from audio.services import NoRoom, TrackInvalid, track_cover_set, track_set_tempo_key, track_update
from audio.storage import StorageFailed
from jobs import storage
from jobs.selectors import library_tracks
from jobs.stems import track_delete


class StorageUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "storage_unavailable"
    wait = 30  # seconds, sent as Retry-After


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The file is too large."
    default_code = "too_large"


class TrackSerializer(serializers.ModelSerializer):
    cover_url = serializers.SerializerMethodField(
        help_text="Cover art, or a generated placeholder (SVG); the URL changes when the cover does."
    )
    original_url = serializers.SerializerMethodField(help_text="The uploaded file (HTTP Range supported).")
    stems_zip_url = serializers.SerializerMethodField(
        help_text="All stems of the newest completed separation (full runs before previews) as a ZIP "
        "(404 until one exists); each job has its own `zip_url`."
    )
    separations_url = serializers.SerializerMethodField(help_text="GET: this track's jobs.")
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
            "separations_url",
            "bpm",
            "key",
            "key_camelot",
            "analysed_at",
        ]
        extra_kwargs = {"analysed_at": {"help_text": "When tempo and key were measured or set; null while pending."}}

    def get_cover_url(self, track: Track) -> str:
        return f"{reverse('track-cover', args=[track.id])}?v={track.cover_version}"

    def get_separations_url(self, track: Track) -> str:
        return f"{reverse('api-jobs')}?track={track.id}"

    def get_original_url(self, track: Track) -> str:
        return reverse("track-original", args=[track.id])

    def get_stems_zip_url(self, track: Track) -> str:
        return reverse("stems-zip", args=[track.id])

    def get_key(self, track: Track) -> str | None:
        return track.key or None

    def get_key_camelot(self, track: Track) -> str | None:
        return camelot(track.key) or None


class TrackUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="One audio file: wav, mp3, flac, ogg, m4a/aac or aiff.")


class TrackQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_QUERY,
        help_text="Words in the title, artist, album or file name.",
    )
    ordering = serializers.CharField(
        required=False,
        default=DEFAULT_ORDERING,
        max_length=40,
        help_text=f"One of {', '.join(TRACK_ORDERINGS)}; a leading - reverses it. Default: {DEFAULT_ORDERING}.",
    )
    separated = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only tracks with a completed separation; false: only those without.",
    )


class TrackEditSerializer(serializers.Serializer):
    """The fields a PATCH may change; each left out stays as it is."""

    title = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    artist = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    album = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
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


class CoverUploadSerializer(serializers.Serializer):
    cover = serializers.FileField(
        help_text=f"A JPEG, PNG, BMP or WebP picture of at most {COVER_MAX_BYTES // 1024} KB."
    )


def tracks_found(*, user, params) -> QuerySet[Track]:
    """The user's tracks as the query parameters ask (TrackQuerySerializer); 400 on bad ones."""
    query = TrackQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    wanted = query.validated_data
    try:
        return library_tracks(
            user=user, query=wanted.get("q", ""), ordering=wanted["ordering"], separated=wanted["separated"]
        )
    except UnknownOrdering as exc:
        raise ValidationError({"ordering": exc.message}) from exc


class TrackListView(ListAPIView):
    parser_classes = [MultiPartParser]
    pagination_class = LimitOffset
    serializer_class = TrackSerializer

    def get_queryset(self) -> QuerySet[Track]:
        return tracks_found(user=self.request.user, params=self.request.query_params)

    @extend_schema(
        tags=["tracks"],
        summary="Your tracks: searched, sorted and filtered, in pages",
        parameters=[TrackQuerySerializer],
        responses={200: TrackSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["tracks"],
        summary="Upload a track",
        description="The same file uploaded again answers 200 with the track already in your library.",
        request=TrackUploadSerializer,
        responses={
            201: TrackSerializer,
            200: OpenApiResponse(TrackSerializer, description="Already in your library."),
            **error_responses(400, 403, 413, 429, 503),
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
        except StorageFailed as exc:
            raise StorageUnavailable(exc.message) from exc
        return Response(TrackSerializer(track).data, status=201 if created else 200)


class TrackDetailView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["tracks"], summary="One of your tracks", responses={200: TrackSerializer, **error_responses(404)}
    )
    def get(self, request: Request, track_id) -> Response:
        return Response(TrackSerializer(selectors.track_get(owner=request.user, track_id=track_id)).data)

    @extend_schema(
        tags=["tracks"],
        summary="Change a track's title, artist, album, tempo or key",
        description="Fields left out stay as they are. Download names follow the new title and artist; "
        "the background analysis never overwrites a tempo or key set by hand.",
        request=TrackEditSerializer,
        responses={200: TrackSerializer, **error_responses(400, 403, 404)},
    )
    def patch(self, request: Request, track_id) -> Response:
        track = selectors.track_get(owner=request.user, track_id=track_id)
        form = TrackEditSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        fields = dict(form.validated_data)
        tempo_key = {name: fields.pop(name) for name in ("bpm", "key") if name in fields}
        try:
            if fields:
                track_update(track=track, values=fields)
        except TrackInvalid as exc:
            raise ValidationError(exc.errors) from exc
        if tempo_key:
            track = track_set_tempo_key(
                track=track, bpm=tempo_key.get("bpm", track.bpm), key=tempo_key.get("key", track.key) or ""
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


class TrackCoverView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=["tracks"],
        summary="Give a track a cover picture",
        description="The picture is checked by decoding it; the track's `cover_url` changes with it.",
        request=CoverUploadSerializer,
        responses={200: TrackSerializer, **error_responses(400, 403, 404, 413)},
    )
    def put(self, request: Request, track_id) -> Response:
        track = selectors.track_get(owner=request.user, track_id=track_id)
        form = CoverUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["cover"]
        if upload.size > COVER_MAX_BYTES:
            raise ValidationError({"cover": cover_too_large_message()})
        try:
            track_cover_set(track=track, data=upload.read())
        except CoverRejected as exc:
            raise ValidationError({"cover": exc.message}) from exc
        return Response(TrackSerializer(track).data)

    @extend_schema(
        tags=["tracks"],
        summary="Remove a track's cover picture (a generated one is shown)",
        request=None,
        responses={200: TrackSerializer, **error_responses(403, 404)},
    )
    def delete(self, request: Request, track_id) -> Response:
        track = selectors.track_get(owner=request.user, track_id=track_id)
        return Response(TrackSerializer(track_cover_set(track=track, data=None)).data)
