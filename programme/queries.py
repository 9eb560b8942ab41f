"""Read side of the programme app."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from programme.models import AuditEntry, Notification, Programme, User


def current_programme() -> Programme | None:
    return Programme.objects.current()


def timeline(obj: models.Model) -> QuerySet[AuditEntry]:
    """The audit entries of one object, oldest first, with their actors."""
    return (
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
        .select_related("actor")
        .order_by("created_at", "id")
    )


def recent_audit(programme: Programme, limit: int = 10) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(programme=programme)
        .select_related("actor", "content_type")
        .order_by("-created_at", "-id")[:limit]
    )


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, in_inbox=True).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True).count()
