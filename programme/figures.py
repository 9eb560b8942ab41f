"""Figures over a whole programme (the dashboard's, the lists' counts by status), computed
once per change of the programme and then read back from the cache.

Two ways: kept() computes the figures in the request that first finds them stale (cheap
ones: a list's counts by status); kept_while_refreshed() shows the figures computed
before the latest change while a worker computes the new ones (the dashboard's, which
read the whole programme)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import BigIntegerField, Count, Max, Subquery, Value
from django.utils import timezone, translation

from programme.models import AuditEntry, Programme

T = TypeVar("T")

# Figures changed outside the services (the Django admin, a profile's capacity) show after
# at most this long; every change a service makes shows at once.
KEPT_SECONDS = 300

# How long the figures computed before a change are shown while a worker computes the new
# ones; past that (the broker down, the task lost), the next request computes them itself.
REFRESH_GRACE = datetime.timedelta(seconds=30)
# How long the latest figures stay kept without a request reading them (their key holds
# the day, so a day is enough).
LATEST_SECONDS = 24 * 60 * 60

# How many of the programme's latest audit keys the mark counts (see change_mark).
MARK_WINDOW = 1_000

_MISSING = object()


def change_mark(programme: Programme) -> str:
    """What the programme's figures were computed on, as a short text that changes with
    every status change or decision (each writes an audit entry in its own transaction,
    see programme.audit.record). One query over at most 2 x MARK_WINDOW index entries,
    whatever the size of the trail.

    The mark is the window of the latest entry's key (key // MARK_WINDOW) and how many of
    the programme's entries lie above the window before it. Within a window that count
    only grows: an entry whose transaction commits after a later one's (a smaller key
    appearing late) changes it too, which the latest key alone would miss. It would miss
    one only if a whole window of entries were written while that transaction was open;
    the cache's time limit bounds that case, as it bounds changes made outside the services."""
    entries = AuditEntry.objects.filter(programme=programme)
    latest = Subquery(entries.order_by("-pk").values("pk")[:1], output_field=BigIntegerField())
    floor = (latest / Value(MARK_WINDOW) - Value(1)) * Value(MARK_WINDOW)
    mark = entries.filter(pk__gt=floor).aggregate(latest=Max("pk"), count=Count("pk"))
    return f"{(mark['latest'] or 0) // MARK_WINDOW}.{mark['count']}"


def _key(kind: str, name: str, programme_id: int, today: datetime.date, mark: str = "") -> str:
    """A cache key of the programme's figures: per day (what is overdue) and language (the
    labels), and per change mark where one is given."""
    return f"{kind}:{name}:{programme_id}:{mark}:{today.isoformat()}:{translation.get_language()}"


def kept(
    programme: Programme,
    name: str,
    compute: Callable[[], T],
    *,
    today: datetime.date | None = None,
) -> T:
    """compute(), once per change of the programme, day (what is overdue) and language
    (the labels), then read from the cache: two queries (the mark, the cache) instead of
    aggregates over the whole programme."""
    key = _key("figures", name, programme.pk, today or timezone.localdate(), change_mark(programme))
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, KEPT_SECONDS)
    return value


@dataclass(frozen=True)
class Snapshot:
    """Figures as computed at one change mark."""

    value: Any
    mark: str
    computed_at: datetime.datetime


def keep_latest(
    programme: Programme, name: str, compute: Callable[[], Any], *, today: datetime.date
) -> Snapshot:
    """Compute the figures and keep them as the latest. The mark is read first: a change
    made while they are computed leaves them marked as before it, so they are computed again."""
    return _keep(programme, name, compute, today=today, mark=change_mark(programme))


def _keep(
    programme: Programme, name: str, compute: Callable[[], Any], *, today: datetime.date, mark: str
) -> Snapshot:
    snapshot = Snapshot(value=compute(), mark=mark, computed_at=timezone.now())
    cache.set(_key("figures-latest", name, programme.pk, today), snapshot, LATEST_SECONDS)
    return snapshot


def kept_while_refreshed(
    programme: Programme,
    name: str,
    compute: Callable[[], Any],
    *,
    today: datetime.date,
    refresh: Callable[[], Any],
) -> tuple[Snapshot, bool]:
    """The latest figures and whether they are being brought up to date.

    Up to date: read back (two queries: the mark, the cache). After a change: the figures
    of before it, while `refresh` (called once per change, after the request's transaction
    commits) has a worker compute the new ones with keep_latest(). None kept yet, or the
    worker not done within REFRESH_GRACE: computed here."""
    mark = change_mark(programme)
    latest = cache.get(_key("figures-latest", name, programme.pk, today))
    if latest is not None and latest.mark == mark:
        return latest, False
    if latest is not None:
        asked_key = _key("figures-asked", name, programme.pk, today, mark)
        asked = cache.get(asked_key)
        now = timezone.now()
        if asked is None:
            cache.set(asked_key, now, KEPT_SECONDS)
            transaction.on_commit(refresh)
            return latest, True
        if now - asked < REFRESH_GRACE:
            return latest, True
    return _keep(programme, name, compute, today=today, mark=mark), False
