"""What every page needs: the current programme, the user's role and unread count."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from programme import queries
from programme.roles import Role, primary_role


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "current_programme": SimpleLazyObject(queries.current_programme),
        "portal_role": primary_role(user) if signed_in else None,
        "Role": Role,
        "unread_notifications": SimpleLazyObject(lambda: queries.unread_count(user)) if signed_in else 0,
    }
