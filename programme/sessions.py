"""The sessions' store: Django's database store, writing each session to
`programme.models.Session` with the signed-in person's id in its own column."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import models


def signed_in_user_id(data: dict[str, Any]) -> int | None:
    """The id the authentication framework keeps in the session (as text), or None."""
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[models.Model]:
        from programme.models import Session

        return Session

    # Every save writes the row whole from the data, so the column follows sign-in,
    # sign-out (a new, empty session) and a change of account on the same browser.
    def create_model_instance(self, data: dict[str, Any]) -> models.Model:
        instance = super().create_model_instance(data)
        instance.user_id = signed_in_user_id(data)
        return instance

    async def acreate_model_instance(self, data: dict[str, Any]) -> models.Model:
        instance = await super().acreate_model_instance(data)
        instance.user_id = signed_in_user_id(data)
        return instance
