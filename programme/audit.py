"""The audit trail: one call per status change or decision, made by the service that changes it."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from programme.models import AuditEntry, Programme, User


def record(
    *,
    obj: models.Model,
    actor: User | None,
    action: str,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    programme: Programme | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write who changed `obj`, from which state to which, and why."""
    return AuditEntry.objects.create(
        programme=programme,
        actor=actor if actor is not None and actor.is_authenticated else None,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )
