"""API views of a user's account at an engine billed by the minute (``/api/<engine>/...``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audio.engines.base import EngineAuthError, EngineError, EngineRejectedInput
from audio.engines.registry import ENGINE_NAMES
from audio.http.errors import error_responses
from audio.selectors import track_get
from jobs import accounts, selectors
from jobs.api import serializers as shapes
from jobs.api.views import Conflict

ENGINE = OpenApiParameter(
    "engine", str, OpenApiParameter.PATH, enum=ENGINE_NAMES, description="An engine billed by the minute (others: 404)."
)


class ServiceUnavailable(APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "service_unavailable"


class QuotaView(APIView):
    @extend_schema(
        tags=["engine accounts"],
        summary="Minutes: used here, left at the service, and their sum",
        description="With `track` (and optionally `model`, `stems`, `preview`), also what that job would cost.",
        parameters=[ENGINE, shapes.QuotaQuerySerializer],
        responses={200: shapes.QuotaSerializer, **error_responses(400, 404, 502)},
    )
    def get(self, request: Request, engine: str) -> Response:
        found = accounts.account_engine(engine)
        query = shapes.QuotaQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            answer = accounts.account_quota(user=request.user, engine=found)
            if "track" in query.validated_data:
                wanted = dict(query.validated_data)
                track = track_get(owner=request.user, track_id=wanted.pop("track"))
                answer["job_cost_minutes"] = accounts.job_cost_for(
                    user=request.user, engine=found, track=track, **wanted
                )
            return Response(answer)
        except EngineAuthError as exc:
            raise ValidationError(exc.message) from exc
        except EngineRejectedInput as exc:
            raise ValidationError({"model": exc.message}) from exc
        except EngineError as exc:
            raise ServiceUnavailable(exc.message) from exc


class CancelView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["engine accounts"],
        summary="Cancel one of your jobs on the engine",
        parameters=[ENGINE],
        request=shapes.AccountCancelSerializer,
        responses={200: shapes.CancelReportSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, engine: str) -> Response:
        found = accounts.account_engine(engine)
        form = shapes.AccountCancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = selectors.job_get(user=request.user, job_id=form.validated_data["job"])
        if job.engine != found.name:
            raise Conflict(
                f"This job runs on the {job.engine} engine, not {found.name}: "
                "cancel it with POST /api/jobs/<id>/cancel/."
            )
        return Response(accounts.account_job_cancel(job=job))


class CancelAllView(APIView):
    @extend_schema(
        tags=["engine accounts"],
        summary="Cancel all your queued and running jobs on the engine",
        description="With your own key, every task of that key at the service is cancelled too.",
        parameters=[ENGINE],
        request=None,
        responses={200: shapes.CancelReportSerializer, **error_responses(403, 404)},
    )
    def post(self, request: Request, engine: str) -> Response:
        return Response(accounts.account_jobs_cancel_all(user=request.user, engine=accounts.account_engine(engine)))
