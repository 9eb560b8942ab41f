"""manage.py commands of the foundation: stats, seed_demo, prepare_services, and settings that refuse to start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from programme.home.queries import HEADLINE_KEYS
from programme.models import EmailStatus, Notification, Programme, User
from tests.factories import ProgrammeFactory, SmeMemberFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def stats_json(capsys) -> dict:
    capsys.readouterr()
    call_command("stats", "--json")
    return json.loads(capsys.readouterr().out)


def test_stats_json_has_exactly_the_headline_keys(capsys):
    ProgrammeFactory(assessment_quota=100)
    figures = stats_json(capsys)
    assert (
        list(figures)
        == list(HEADLINE_KEYS)
        == [
            "smes_enrolled",
            "managers_selected",
            "assessments_planned",
            "assessments_assigned",
            "assessments_completed",
            "projects_eligible",
            "projects_approved",
            "projects_started",
        ]
    )
    assert figures["assessments_planned"] == 100
    assert all(isinstance(value, int) for value in figures.values())


def test_seed_demo_builds_the_same_programme_every_time_and_touches_nothing_else(capsys):
    outsider = SmeMemberFactory(email="vero@azienda.it")
    call_command("seed_demo")
    first = stats_json(capsys)
    users_first = sorted(User.objects.values_list("email", flat=True))
    call_command("seed_demo")
    assert stats_json(capsys) == first
    assert sorted(User.objects.values_list("email", flat=True)) == users_first
    assert User.objects.filter(pk=outsider.pk).exists()
    demo = Programme.objects.get(is_demo=True)
    assert demo.is_current
    assert first["assessments_planned"] == 100
    assert first["smes_enrolled"] == 100
    assert first["managers_selected"] == 105
    assert first["assessments_assigned"] == 100
    assert first["assessments_completed"] == 84
    assert first["projects_eligible"] == first["projects_approved"] == first["projects_started"] == 10
    assert not Notification.objects.filter(
        email__endswith="@demo.example", email_status=EmailStatus.PENDING
    ).exists()


def test_seed_demo_hashes_the_demo_password_once():
    call_command("seed_demo")
    hashes = set(User.objects.filter(email__endswith="@demo.example").values_list("password", flat=True))
    assert len(hashes) == 1


def test_seed_demo_leaves_another_current_programme_current():
    real = ProgrammeFactory(name="Edizione reale")
    call_command("seed_demo")
    real.refresh_from_db()
    assert real.is_current
    assert not Programme.objects.get(is_demo=True).is_current


def test_the_demo_logins_work_for_every_role(capsys):
    from django.test import Client
    from django.urls import reverse

    from programme import demo

    call_command("seed_demo")
    for account in demo.DEMO_ACCOUNTS:
        client = Client()
        response = client.post(
            reverse("account_login"), {"login": account.email, "password": demo.DEMO_PASSWORD}
        )
        if account.totp_secret:
            response = client.post(
                reverse("mfa_authenticate"), {"code": demo.current_code(account.totp_secret)}
            )
        assert response.status_code == 302
        home = client.get(reverse("home:dispatch"))["Location"]
        assert client.get(home).status_code == 200, account.email


def run_manage(*arguments, **environment) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG"}
    }
    env.update(environment)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_debug_and_secret_key_the_portal_refuses_to_start(tmp_path):
    result = run_manage("check", DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY is not set and DEBUG is off" in result.stderr


def test_prepare_services_says_which_service_is_unreachable_and_how_to_start_it():
    result = run_manage(
        "prepare_services", DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1:1/portal"
    )
    assert result.returncode != 0
    assert "PostgreSQL cannot be reached at 127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_manage("prepare_services", DEBUG="true", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode != 0
    assert "Redis cannot be reached at redis://127.0.0.1:1/0" in result.stderr
    assert "Traceback" not in result.stderr
