"""Production settings read from the environment: the log format, the beat heartbeat, the
proxy in front. Each case starts a fresh interpreter, as a process of the stack would."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import PASSWORD

PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "x" * 60, "DJANGO_SETTINGS_MODULE": "programme.settings"}


def run_with(environment: dict[str, str], code: str) -> subprocess.CompletedProcess:
    keep = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LOG_"))}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=settings.BASE_DIR,
        env={**keep, **PRODUCTION, **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_logs_are_one_json_object_a_line_on_standard_output():
    answer = run_with({}, "import logging; logging.getLogger('portal.check').warning('disk %s full', 'var')")
    assert answer.returncode == 0, answer.stderr
    [line] = answer.stdout.splitlines()
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["message"]) == ("WARNING", "portal.check", "disk var full")
    assert entry["time"].endswith("+00:00")
    assert answer.stderr == ""


def test_text_logs_on_request():
    answer = run_with(
        {"LOG_FORMAT": "text"}, "import logging; logging.getLogger('portal.check').warning('hello')"
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip().endswith("WARNING portal.check hello")


def test_an_unknown_log_format_stops_the_start():
    answer = run_with({"LOG_FORMAT": "xml"}, "")
    assert answer.returncode != 0
    assert "LOG_FORMAT must be json or text" in answer.stderr


def test_the_beat_heartbeat_interval_comes_from_the_environment():
    code = "from django.conf import settings; print(settings.CELERY_BEAT_SCHEDULE['beat-heartbeat']['schedule'].total_seconds())"
    assert run_with({"BEAT_HEARTBEAT_SECONDS": "2"}, code).stdout.strip() == "2.0"
    assert run_with({}, code).stdout.strip() == "60.0"


def test_behind_the_proxy_one_forwarding_hop_is_trusted_by_default():
    code = "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.SECURE_PROXY_SSL_HEADER)"
    assert (
        run_with({"BEHIND_TLS_PROXY": "true"}, code).stdout.strip() == "1 ('HTTP_X_FORWARDED_PROTO', 'https')"
    )
    assert run_with({}, code).stdout.strip().startswith("0 ")


@pytest.mark.django_db
@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_sign_in_through_a_unix_socket_proxy_counts_the_forwarded_client(sme_member):
    # gunicorn on a unix socket gives no REMOTE_ADDR; nginx appends the client to X-Forwarded-For.
    client = Client(REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    response = client.post(reverse("account_login"), {"login": sme_member.email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_request_with_no_address_cannot_sign_in(sme_member):
    client = Client(REMOTE_ADDR="")
    response = client.post(reverse("account_login"), {"login": sme_member.email, "password": PASSWORD})
    assert response.status_code == 403
