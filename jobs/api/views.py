"""API views of jobs: validate, call one service, answer the job's payload."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audio.http.errors import error_responses
from audio.http.pagination import LimitOffset
from audio.http.throttling import JOB_CREATE, throttled
from audio.selectors import track_get
from jobs import selectors, services
from jobs.api import serializers as shapes
from jobs.dispatch import JobQueueUnavailable
from jobs.models import JobStatus, ProcessingJob
from jobs.payloads import job_payload
from preferences.services import separation_options


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class QueueUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "queue_unavailable"
    wait = 30  # seconds, sent as Retry-After


class JobListView(GenericAPIView):
    parser_classes = [JSONParser]
    pagination_class = LimitOffset
    serializer_class = shapes.JobSerializer

    @extend_schema(
        tags=["jobs"],
        summary="Your jobs, newest first, in pages",
        parameters=[shapes.JobFilterSerializer],
        responses={200: shapes.JobSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        query = shapes.JobFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        jobs = ProcessingJob.objects.filter(user=request.user).prefetch_related("stems")
        if "track" in query.validated_data:
            jobs = jobs.filter(track_id=query.validated_data["track"])
        return self.get_paginated_response([job_payload(job) for job in self.paginate_queryset(jobs)])

    @extend_schema(
        tags=["jobs"],
        summary="Start a separation",
        description="Fields left out come from your settings (GET /api/settings/); the engine's options come "
        "from there too. An identical job already queued is answered (201) instead of a new one; "
        "one running or completed is answered with 200 (its result is reused). Beyond "
        "MAX_ACTIVE_JOBS_PER_USER jobs queued or running, a new job waits its turn (status `waiting`).",
        request=shapes.JobCreateSerializer,
        responses={
            201: OpenApiResponse(shapes.JobSerializer, description="Queued, or waiting its turn."),
            200: OpenApiResponse(shapes.JobSerializer, description="The same job, running or completed."),
            **error_responses(400, 403, 404, 409, 429, 503),
        },
    )
    @method_decorator(throttled(JOB_CREATE))
    def post(self, request: Request) -> Response:
        form = shapes.JobCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        spec = dict(form.validated_data)
        track = track_get(owner=request.user, track_id=spec.pop("track"))
        options = separation_options(user=request.user, engine=spec["engine"])
        try:
            job = services.job_create(user=request.user, track=track, options=options, **spec)
        except services.JobLimitReached as exc:
            raise Conflict(exc.message) from exc
        except services.JobRejected as exc:
            raise ValidationError({exc.field: exc.message}) from exc
        except JobQueueUnavailable as exc:
            raise QueueUnavailable(exc.message) from exc
        return Response(job_payload(job), status=201 if job.status in (JobStatus.WAITING, JobStatus.QUEUED) else 200)


class JobBatchView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["jobs"],
        summary="Separate several tracks alike",
        description="Give `tracks` (ids) or `all_matching` (a library search); the other fields are as for "
        f"POST /api/jobs/, from your settings when left out. At most {services.BATCH_MAX_TRACKS} tracks. Jobs "
        "beyond your MAX_ACTIVE_JOBS_PER_USER wait their turn (status `waiting`) and start as others end.",
        request=shapes.JobBatchSerializer,
        responses={
            201: shapes.JobBatchAnswerSerializer,
            **error_responses(400, 403, 404, 429, 503),
        },
    )
    @method_decorator(throttled(JOB_CREATE))
    def post(self, request: Request) -> Response:
        form = shapes.JobBatchSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        spec = dict(form.validated_data)
        ids, search = spec.pop("tracks"), spec.pop("all_matching")
        try:
            tracks = selectors.batch_tracks(user=request.user, ids=ids, search=search, most=services.BATCH_MAX_TRACKS)
        except selectors.BatchUnfit as exc:
            raise ValidationError({"all_matching": exc.message}) from exc
        options = separation_options(user=request.user, engine=spec["engine"])
        try:
            jobs, refused = services.jobs_create_batch(user=request.user, tracks=tracks, options=options, **spec)
        except services.JobRejected as exc:
            raise ValidationError({exc.field: exc.message}) from exc
        except JobQueueUnavailable as exc:
            raise QueueUnavailable(exc.message) from exc
        return Response({"jobs": [job_payload(job) for job in jobs], "refused": refused}, status=201)


class JobDetailView(APIView):
    @extend_schema(
        tags=["jobs"],
        summary="One of your jobs: status, progress, timings, result and stems",
        responses={200: shapes.JobSerializer, **error_responses(404)},
    )
    def get(self, request: Request, job_id) -> Response:
        return Response(job_payload(selectors.job_get(user=request.user, job_id=job_id)))

    @extend_schema(
        tags=["jobs"],
        summary="Delete a separation with its stems and files",
        description="A queued or running job stops. The track and its other separations stay.",
        responses={204: None, **error_responses(403, 404)},
    )
    def delete(self, request: Request, job_id) -> Response:
        services.job_delete(job=selectors.job_get(user=request.user, job_id=job_id))
        return Response(status=204)


class JobCancelView(APIView):
    @extend_schema(
        tags=["jobs"],
        summary="Cancel a queued or running job",
        request=None,
        responses={200: shapes.JobCancelSerializer, **error_responses(403, 404)},
    )
    def post(self, request: Request, job_id) -> Response:
        job = selectors.job_get(user=request.user, job_id=job_id)
        cancelled = services.job_cancel(job=job)
        return Response({"cancelled": cancelled, "job": job_payload(job)})
