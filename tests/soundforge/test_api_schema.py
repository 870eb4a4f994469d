"""The OpenAPI document describes the whole API, and the API keeps to it (schemathesis)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import token_header

MAX_EXAMPLES = 30  # per operation: 23 operations, 690 requests, about 13 s here
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_schema_lists_every_endpoint_with_its_answers(api):
    schema = api.get("/api/schema/").json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/auth/token/",
        "/api/auth/token/rotate/",
        "/api/models/",
        "/api/tracks/",
        "/api/tracks/{track_id}/",
        "/api/tracks/{track_id}/cover/",
        "/api/jobs/",
        "/api/jobs/batch/",
        "/api/jobs/{job_id}/",
        "/api/jobs/{job_id}/cancel/",
        "/api/jobs/{job_id}/mix/",
        "/api/settings/",
        "/api/{engine}/quota",
        "/api/{engine}/cancel",
        "/api/{engine}/cancel-all",
    }
    engine = schema["paths"]["/api/{engine}/quota"]["get"]["parameters"][0]
    assert "lalalai" in engine["schema"]["enum"]
    assert set(schema["paths"]["/api/tracks/"]["post"]["responses"]) == {
        "200",
        "201",
        "400",
        "401",
        "403",
        "413",
        "429",
        "503",
    }
    stem = schema["components"]["schemas"]["Stem"]["properties"]
    assert {"file_url", "export_url"} <= set(stem)
    assert "zip_url" in schema["components"]["schemas"]["Job"]["properties"]
    assert set(schema["components"]["schemas"]["Quota"]["properties"]) == {
        "quota_minutes",
        "used_minutes",
        "remaining_minutes",
        "job_cost_minutes",
    }
    assert "lalalai_key" not in schema["components"]["schemas"]["Settings"]["properties"]
    assert "Token" in str(schema["components"]["securitySchemes"])


@pytest.fixture
def api_schema(user, make_track, fake_lalalai):
    """The live schema, loaded through the app as ``user``; its requests go to the WSGI app in-process
    (and lalal.ai calls, e.g. after a generated key was saved, to the fake lalal.ai)."""
    make_track(user, seconds=1.0)
    # As Django's test client does: the test's transaction must survive each request's end.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/schema/", get_wsgi_application(), headers={"Authorization": token_header(user)}
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_api_answers_as_its_schema_says(api_schema, user):
    """Every operation, MAX_EXAMPLES generated requests each: no 5xx, nothing the schema does not declare."""
    calls = []
    for found in api_schema.get_all_operations():
        operation = found.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            calls.append(case.operation.label)
            # A generated call may rotate or revoke the token: each call gets the current one.
            case.call_and_validate(headers={"Authorization": token_header(user)}, checks=CHECKS)

        check()
    assert len(set(calls)) == 23 and len(calls) >= 10 * MAX_EXAMPLES, (len(set(calls)), len(calls))
