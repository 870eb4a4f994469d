"""API views of jobs, settings and the lalal.ai account: validate, call one service, answer."""
from __future__ import annotations

from django.forms.models import model_to_dict
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audio.engines.base import EngineAuthError, EngineError
from audio.selectors import track_get
from jobs import lalalai_account, selectors, services
from jobs.api import serializers as shapes
from jobs.models import ProcessingJob, UserSettings
from jobs.payloads import job_payload
from jobs.user_settings import (
    EDITABLE,
    LALALAI,
    SettingsInvalid,
    lalalai_key_mask,
    separation_options,
    settings_get,
    settings_update,
)
from soundforge.api import error_responses


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class LalalaiUnavailable(APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "lalalai_unavailable"


class JobListView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["jobs"], summary="Your jobs, newest first",
        parameters=[shapes.JobFilterSerializer],
        responses={200: shapes.JobSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        query = shapes.JobFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        jobs = ProcessingJob.objects.filter(user=request.user).prefetch_related("stems")
        if "track" in query.validated_data:
            jobs = jobs.filter(track_id=query.validated_data["track"])
        return Response([job_payload(job) for job in jobs])

    @extend_schema(
        tags=["jobs"], summary="Start a separation",
        description="Fields left out come from your settings (GET /api/settings/); lalal.ai jobs take their "
                    "options from there too. An identical job already queued is answered (201) instead of a "
                    "new one; one running or completed is answered with 200 (its result is reused).",
        request=shapes.JobCreateSerializer,
        responses={201: OpenApiResponse(shapes.JobSerializer, description="Queued."),
                   200: OpenApiResponse(shapes.JobSerializer, description="The same job, running or completed."),
                   **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        form = shapes.JobCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        spec = dict(form.validated_data)
        track = track_get(owner=request.user, track_id=spec.pop("track"))
        options = separation_options(user=request.user, engine=spec["engine"])
        try:
            job = services.job_create(user=request.user, track=track, options=options, **spec)
        except services.JobRejected as exc:
            raise Conflict(exc.message) from exc
        return Response(job_payload(job), status=201 if job.status == "queued" else 200)


class JobDetailView(APIView):
    @extend_schema(tags=["jobs"], summary="One of your jobs: status, progress, timings, result and stems",
                   responses={200: shapes.JobSerializer, **error_responses(404)})
    def get(self, request: Request, job_id) -> Response:
        return Response(job_payload(selectors.job_get(user=request.user, job_id=job_id)))


class JobCancelView(APIView):
    @extend_schema(tags=["jobs"], summary="Cancel a queued or running job", request=None,
                   responses={200: shapes.JobCancelSerializer, **error_responses(403, 404)})
    def post(self, request: Request, job_id) -> Response:
        job = selectors.job_get(user=request.user, job_id=job_id)
        cancelled = services.job_cancel(job=job)
        job.refresh_from_db()
        return Response({"cancelled": cancelled, "job": job_payload(job)})


def _settings_data(row: UserSettings) -> dict:
    return {**model_to_dict(row, fields=EDITABLE), "lalalai_key_set": row.has_lalalai_key,
            "lalalai_key_masked": lalalai_key_mask(row=row)}


class SettingsView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(tags=["settings"], summary="Your settings (the lalal.ai key only masked)",
                   responses={200: shapes.SettingsSerializer, **error_responses()})
    def get(self, request: Request) -> Response:
        return Response(shapes.SettingsSerializer(_settings_data(settings_get(user=request.user))).data)

    @extend_schema(tags=["settings"], summary="Change your settings; fields left out keep their value",
                   request=shapes.SettingsSerializer,
                   responses={200: shapes.SettingsSerializer, **error_responses(400, 403)})
    def put(self, request: Request) -> Response:
        form = shapes.SettingsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            row = settings_update(user=request.user, values=dict(form.validated_data))
        except SettingsInvalid as exc:
            raise ValidationError(exc.errors) from exc
        return Response(shapes.SettingsSerializer(_settings_data(row)).data)


class LalalaiQuotaView(APIView):
    @extend_schema(tags=["lalal.ai"], summary="lalal.ai minutes: used here, left at lalal.ai, and their sum",
                   responses={200: shapes.QuotaSerializer, **error_responses(400, 502)})
    def get(self, request: Request) -> Response:
        try:
            return Response(lalalai_account.lalalai_quota(user=request.user))
        except EngineAuthError as exc:
            raise ValidationError(exc.message) from exc
        except EngineError as exc:
            raise LalalaiUnavailable(exc.message) from exc


class LalalaiCancelView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(tags=["lalal.ai"], summary="Cancel one of your lalal.ai jobs",
                   request=shapes.LalalaiCancelSerializer,
                   responses={200: shapes.CancelReportSerializer, **error_responses(400, 403, 404, 409)})
    def post(self, request: Request) -> Response:
        form = shapes.LalalaiCancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = selectors.job_get(user=request.user, job_id=form.validated_data["job"])
        if job.engine != LALALAI:
            raise Conflict(f"This job runs on the {job.engine} engine, not lalal.ai: "
                           "cancel it with POST /api/jobs/<id>/cancel/.")
        return Response(lalalai_account.lalalai_job_cancel(job=job))


class LalalaiCancelAllView(APIView):
    @extend_schema(tags=["lalal.ai"], summary="Cancel all your queued and running lalal.ai jobs",
                   description="With your own lalal.ai key, every task of that key at lalal.ai is cancelled too.",
                   request=None, responses={200: shapes.CancelReportSerializer, **error_responses(403)})
    def post(self, request: Request) -> Response:
        return Response(lalalai_account.lalalai_jobs_cancel_all(user=request.user))
