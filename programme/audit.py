"""The audit trail: one call per status change or decision, made by the service that changes it."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

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


# Security events: sign-ins and refusals of access. Sign-ins of a known account go to the
# audit trail on the person; every event also goes to the "portal.security" log as one line
# of key=value pairs. Neither ever holds a password, a code or a session key.

security_log = logging.getLogger("portal.security")

# Account pages whose path carries a secret (password-reset and e-mail confirmation keys).
SECRET_IN_PATH = re.compile(r"^(/accounts/(?:password/reset/key|confirm-email|login/code/confirm)/).+$")


def client_address(request: HttpRequest | None) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "") or "-"


def _safe_path(request: HttpRequest) -> str:
    return SECRET_IN_PATH.sub(r"\1…", request.path)


def _line(event: str, **fields: Any) -> str:
    return " ".join([f"event={event}", *(f"{key}={value}" for key, value in fields.items())])


def _record_on_person(person: User, *, actor: User | None, action: str, address: str) -> None:
    # The content type is read from the table rather than Django's cache: sign-ins happen on
    # every page of the tests too, where a flushed database gives content types new ids.
    content_type = ContentType.objects.filter(
        app_label=User._meta.app_label, model=User._meta.model_name
    ).first() or ContentType.objects.get_for_model(User)
    AuditEntry.objects.create(
        actor=actor,
        content_type=content_type,
        object_id=str(person.pk),
        action=action,
        data={"address": address},
    )


def record_sign_in(*, request: HttpRequest | None, user: User) -> None:
    """A person signed in (after the second factor, for the roles that need one)."""
    address = client_address(request)
    _record_on_person(user, actor=user, action="signed_in", address=address)
    security_log.info(_line("signed_in", user=user.pk, address=address))


def record_sign_in_failure(*, request: HttpRequest | None, login: str) -> None:
    """A sign-in refused for its credentials: on the person's trail when the account exists
    (the answer to the visitor never says whether it does)."""
    address = client_address(request)
    person = User.objects.filter(email__iexact=login).first() if login else None
    if person is not None:
        _record_on_person(person, actor=None, action="sign_in_failed", address=address)
    security_log.warning(
        _line("sign_in_failed", login=repr(login[:254]), user=person.pk if person else "-", address=address)
    )


def record_second_factor_failure(*, request: HttpRequest | None, user: User, reauthentication: bool) -> None:
    """A wrong authenticator code, when signing in or confirming who one is: on the person's
    trail and in the security log, never with the code typed."""
    address = client_address(request)
    action = "second_factor_failed"
    _record_on_person(user, actor=user if reauthentication else None, action=action, address=address)
    step = "reauthentication" if reauthentication else "sign_in"
    security_log.warning(_line(action, user=user.pk, step=step, address=address))


def record_refusal(*, request: HttpRequest, status: int) -> None:
    """An answer of the refusal rule (403 or 404): who asked for what, from where."""
    user = getattr(request, "user", None)
    who = user.pk if user is not None and user.is_authenticated else "anonymous"
    security_log.warning(
        _line(
            "access_refused",
            status=status,
            user=who,
            method=request.method,
            path=repr(_safe_path(request)),
            address=client_address(request),
        )
    )


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    record_sign_in(request=request, user=user)


def on_user_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; only the login is read.
    login = str(credentials.get("email") or credentials.get("username") or credentials.get("login") or "")
    record_sign_in_failure(request=request, login=login)


def on_second_factor_failed(
    sender: Any, request: HttpRequest | None, user: User, reauthentication: bool = False, **kwargs: Any
) -> None:
    record_second_factor_failure(request=request, user=user, reauthentication=reauthentication)
