"""Figures over a whole programme (the dashboard's, the lists' counts by status), computed
once per change of the programme and then read back from the cache."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import BigIntegerField, Count, Max, Subquery, Value
from django.utils import timezone, translation

from programme.models import AuditEntry, Programme

T = TypeVar("T")

# Figures changed outside the services (the Django admin, a profile's capacity) show after
# at most this long; every change a service makes shows at once.
KEPT_SECONDS = 300

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
    day = (today or timezone.localdate()).isoformat()
    key = f"figures:{name}:{programme.pk}:{change_mark(programme)}:{day}:{translation.get_language()}"
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, KEPT_SECONDS)
    return value
