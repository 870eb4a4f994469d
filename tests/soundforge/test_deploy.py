"""Deploy settings: DEBUG off unless asked for, and Django's deployment check clean with
the environment docker-compose.yml gives the app."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import yaml

from tests.launched_app import BASE_DIR

SECRET = "compose-test-" + "9f8e7d6c5b4a3210" * 4


def compose_environment(service: str) -> dict[str, str]:
    """The service's environment as compose would give it, with SECRET_KEY set and defaults elsewhere."""
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    given = {"SECRET_KEY": SECRET}

    def expand(value: object) -> str:
        def one(found: re.Match) -> str:
            name, default = found.group(1), found.group(3) or ""
            return given.get(name, "" if found.group(2) == ":?" else default)

        return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, str(value))

    return {name: expand(value) for name, value in compose["services"][service]["environment"].items()}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env={**base, **env}, capture_output=True, text=True
    )


def test_check_deploy_is_clean_with_the_compose_environment():
    env = compose_environment("web")
    assert env["DEBUG"] == "0" and env["SECRET_KEY"] == SECRET
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_them():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={"SECRET_KEY": SECRET})
    assert result.returncode != 0
    for warning in ("W004", "W008", "W012", "W016"):  # HSTS, SSL redirect, secure cookies
        assert warning in result.stderr


def test_debug_is_off_unless_asked_for_and_then_a_secret_key_is_required():
    off = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", env={"SECRET_KEY": SECRET})
    assert off.stdout.strip().splitlines()[-1] == "False"
    refused = manage("check", env={})
    assert refused.returncode != 0 and "SECRET_KEY must be set when DEBUG is off" in refused.stderr


def test_the_web_service_runs_the_same_server_entry_as_make_run():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    assert "python -m soundforge.web" in compose["services"]["web"]["command"]
    assert "ports" not in compose["services"]["web"], "only the TLS proxy is published"
    assert compose_environment("web")["HOST"] == "0.0.0.0"


def test_compose_keeps_files_in_its_bucket_and_workers_scale():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    env = compose_environment("worker")
    assert env["STORAGE"] == "s3" and env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert "create_bucket" in services["web"]["command"]
    for name in ("web", "worker", "analysis"):
        assert "volumes" not in services[name], f"{name} needs no disk of its own or another's"
    assert not {"container_name", "ports"} & set(services["worker"]), "`--scale worker=N` needs neither"
    assert "-Q separation,cloud,tasks" in services["worker"]["command"]
    assert set(compose["volumes"]) == {"minio", "redis", "postgres", "caddy"}
