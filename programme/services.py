"""Write side of the programme app: people joining, invitations, the programme's settings."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from programme import audit
from programme.models import Language, Programme, User
from programme.notifications import absolute_url, notify
from programme.roles import INVITED_ROLES, SELF_SERVICE_ROLES, Role
from programme.rules import is_programme_staff


def _add_role(user: User, role: str) -> None:
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    user.__dict__.pop("_portal_roles", None)
    user.__dict__.pop("_group_names_cache", None)


@transaction.atomic
def user_join(*, user: User, role: str, first_name: str, last_name: str, language: str) -> User:
    """Complete a sign-up: the person's name, language and the role they chose (SME member or manager)."""
    if role not in SELF_SERVICE_ROLES:
        raise PermissionDenied("This role is given by invitation only.")
    user.first_name = first_name
    user.last_name = last_name
    user.language = language if language in Language.values else Language.ITALIAN
    user.save(update_fields=["first_name", "last_name", "language"])
    _add_role(user, role)
    audit.record(obj=user, actor=user, action="joined", to_status=role)
    return user


def password_setting_link(user: User) -> str:
    """The link an invited person follows to choose a password (allauth's reset-by-key page)."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return absolute_url(path)


@transaction.atomic
def user_invite(*, email: str, role: str, first_name: str, last_name: str, language: str, by: User) -> User:
    """Staff invite a colleague or an administrator: the account is created with a
    verified address and no password, and the invitation carries the link to set one."""
    if not is_programme_staff(by):
        raise PermissionDenied
    if role not in INVITED_ROLES:
        raise ValidationError({"role": _("Only staff and administrators are invited.")})
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail address already exists.")})
    user = User.objects.create_user(
        email=email, password=None, first_name=first_name, last_name=last_name, language=language
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    _add_role(user, role)
    audit.record(obj=user, actor=by, action="invited", to_status=role)
    notify(
        user,
        "user_invited",
        link=password_setting_link(user),
        inviter=by,
        role_label=Role(role).label,
    )
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    if language not in Language.values:
        raise ValidationError({"language": _("Choose Italian or English.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


@transaction.atomic
def programme_update_settings(*, programme: Programme, changes: dict[str, Any], by: User) -> Programme:
    """Staff change the programme's settings. The row is locked so a setting never
    slips under a counter that a concurrent enrolment or approval just moved."""
    if not is_programme_staff(by):
        raise PermissionDenied
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    errors: dict[str, str] = {}
    quota = changes.get("assessment_quota", locked.assessment_quota)
    if quota < locked.enrolled_count:
        errors["assessment_quota"] = _("%(count)s SMEs are already enrolled: the quota cannot be lower.") % {
            "count": locked.enrolled_count
        }
    if changes.get("envelope_projects", locked.envelope_projects) < locked.committed_projects:
        errors["envelope_projects"] = _(
            "%(count)s projects are already financed: the envelope cannot be smaller."
        ) % {"count": locked.committed_projects}
    if changes.get("envelope_amount", locked.envelope_amount) < locked.committed_amount:
        errors["envelope_amount"] = _(
            "%(amount)s euros are already committed: the envelope cannot be smaller."
        ) % {"amount": locked.committed_amount}
    if errors:
        raise ValidationError(errors)
    changed = {}
    for field, value in changes.items():
        if getattr(locked, field) != value:
            changed[field] = str(value)
            setattr(locked, field, value)
    if not changed:
        return locked
    if changes.get("is_current") and not programme.is_current:
        Programme.objects.filter(is_current=True).exclude(pk=locked.pk).update(is_current=False)
    try:
        with transaction.atomic():
            locked.save(update_fields=[*changed.keys(), "updated_at"])
    except IntegrityError as error:
        raise ValidationError(
            _("These settings contradict each other: %(error)s") % {"error": error}
        ) from error
    audit.record(obj=locked, actor=by, action="settings_changed", programme=locked, data={"changed": changed})
    return locked
