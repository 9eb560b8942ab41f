"""The portal's health, for load balancers and monitoring: the database, the broker and
how long ago Celery beat last ran. No personal data, no settings."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.db import DatabaseError, connection
from django.utils import timezone

from programme.celery import app as celery_app
from programme.models import Heartbeat

BEAT = "celery-beat"
# Beat runs a task every minute; five minutes without one means it has stopped.
BEAT_STALE_AFTER = datetime.timedelta(minutes=5)
BROKER_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: dict


def beat_heartbeat(now: datetime.datetime | None = None) -> None:
    """Record that beat is alive (called by the periodic task beat schedules every minute)."""
    Heartbeat.objects.update_or_create(name=BEAT, defaults={"beat_at": now or timezone.now()})


def check_database() -> Check:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure of the database is the answer, not a crash
        return Check(False, {"error": type(error).__name__})
    return Check(True, {"milliseconds": round((time.monotonic() - started) * 1000, 1)})


def check_broker() -> Check:
    started = time.monotonic()
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:  # unreachable, refused, timed out: all mean unhealthy
        return Check(False, {"error": type(error).__name__})
    return Check(True, {"milliseconds": round((time.monotonic() - started) * 1000, 1)})


def check_beat(now: datetime.datetime | None = None) -> Check:
    now = now or timezone.now()
    try:
        beat = Heartbeat.objects.filter(name=BEAT).values_list("beat_at", flat=True).first()
    except DatabaseError as error:
        # With the database gone the heartbeat cannot be read: unhealthy, and still an answer.
        return Check(False, {"error": type(error).__name__, "last_run": None, "age_seconds": None})
    if beat is None:
        return Check(False, {"last_run": None, "age_seconds": None})
    age = (now - beat).total_seconds()
    return Check(
        age <= BEAT_STALE_AFTER.total_seconds(), {"last_run": beat.isoformat(), "age_seconds": round(age)}
    )


def report() -> tuple[bool, dict]:
    """Every check, and whether all of them pass."""
    checks = {"database": check_database(), "broker": check_broker(), "beat": check_beat()}
    healthy = all(check.ok for check in checks.values())
    return healthy, {
        "status": "ok" if healthy else "unhealthy",
        "checks": {name: {"ok": check.ok, **check.detail} for name, check in checks.items()},
    }
