"""The health endpoint: the database, the broker and beat's last run, without personal data."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from programme import health
from programme.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db


def get_health():
    return Client().get(reverse("programme:health"))


def test_healthy_when_the_database_the_broker_and_beat_are_well():
    beat_heartbeat.apply(throw=True)
    response = get_health()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "broker": True,
        "beat": True,
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_stale_beat_is_unhealthy():
    health.beat_heartbeat(now=timezone.now() - health.BEAT_STALE_AFTER - datetime.timedelta(seconds=1))
    response = get_health()
    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["ok"] is False


def test_a_beat_that_never_ran_is_unhealthy():
    assert get_health().json()["checks"]["beat"] == {"ok": False, "last_run": None, "age_seconds": None}


def test_an_unreachable_broker_is_unhealthy_and_the_answer_still_comes(broker_down):
    health.beat_heartbeat()
    response = get_health()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is False
    assert checks["database"]["ok"] is True


def test_the_answer_holds_no_personal_data(sme_member):
    health.beat_heartbeat()
    body = get_health().content.decode()
    assert sme_member.email not in body
    assert "@" not in body
