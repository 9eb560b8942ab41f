"""Read side of the programme app."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Aggregate, Expression, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from programme.models import AuditEntry, Notification, Programme, User

# Within a request (see programme.middleware.CurrentProgrammeMiddleware) the current
# programme is read once and kept here: the view, the layout's context processor and the
# middleware all ask for it. Outside a request (tasks, commands, tests of the queries)
# every call reads it afresh.
_request_cache: ContextVar[dict[str, Programme | None] | None] = ContextVar("current_programme", default=None)


def current_programme() -> Programme | None:
    cache = _request_cache.get()
    if cache is None:
        return Programme.objects.current()
    if "programme" not in cache:
        cache["programme"] = Programme.objects.current()
    return cache["programme"]


@contextmanager
def current_programme_read_once() -> Iterator[None]:
    """Within this block current_programme() reads the database once."""
    token = _request_cache.set({})
    try:
        yield
    finally:
        _request_cache.reset(token)


def timeline(obj: models.Model) -> QuerySet[AuditEntry]:
    """The audit entries of one object, oldest first, with their actors."""
    return (
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
        .select_related("actor")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class TimelineEntry:
    """An audit entry as the timeline include shows it, with words instead of codes."""

    created_at: datetime.datetime
    # A person, or a role's name where the reader sees who acted by role only.
    actor: User | str | None
    action: str
    from_status: str
    to_status: str
    reason: str


def described(
    entries: Iterable[AuditEntry], *, actions: Mapping[str, str], statuses: type[models.TextChoices]
) -> list[TimelineEntry]:
    """The entries in words: each action's label, each status's label in the reader's language."""
    labels = dict(statuses.choices)

    def status(value: str) -> str:
        return str(labels.get(value, value)) if value else ""

    return [
        TimelineEntry(
            created_at=entry.created_at,
            actor=entry.actor,
            action=str(actions.get(entry.action, entry.action)),
            from_status=status(entry.from_status),
            to_status=status(entry.to_status),
            reason=entry.reason,
        )
        for entry in entries
    ]


def recent_audit(programme: Programme, limit: int = 10) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(programme=programme)
        .select_related("actor", "content_type")
        .order_by("-created_at", "-id")[:limit]
    )


def per_row(related: QuerySet, link: str, aggregate: Aggregate, *, default: object = None) -> Expression:
    """An aggregate over the rows of `related` that point at the outer row through `link`
    (a visit's assessment, a milestone's project), as a correlated subquery: PostgreSQL
    computes it for the outer rows it returns only, after sorting and the limit, rather
    than grouping a join over every row. With a `default`, rows with none get it."""
    rows = (
        related.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(value=aggregate)
        .values("value")
    )
    subquery = Subquery(rows, output_field=aggregate.output_field)
    if default is None:
        return subquery
    return Coalesce(subquery, Value(default), output_field=aggregate.output_field)


# A list's search for a manager by name or e-mail reads a few words at most: a search is
# a name, not a paragraph.
MANAGER_SEARCH_WORDS = 4


def person_matches(text: str, *, person: str = "", words: int | None = None) -> Q:
    """Every word of `text` (the first `words` of them) in the first name, the last name or
    the e-mail address of a person: the user itself, or the user at the path `person`."""
    prefix = f"{person}__" if person else ""
    condition = Q()
    for word in text.split()[:words]:
        condition &= (
            Q(**{f"{prefix}first_name__icontains": word})
            | Q(**{f"{prefix}last_name__icontains": word})
            | Q(**{f"{prefix}email__icontains": word})
        )
    return condition


def users_with_role(role: str) -> QuerySet[User]:
    """The active people of a role (staff to tell, administrators to ask), in a stable order."""
    return User.objects.filter(groups__name=role, is_active=True).order_by("pk").distinct()


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, in_inbox=True).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True).count()
