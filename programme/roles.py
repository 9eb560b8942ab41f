"""The four roles of the portal, each a Django group."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SME_MEMBER = "sme_member", _("SME member")
    MANAGER = "manager", _("Manager")
    STAFF = "programme_staff", _("Programme staff")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles whose sessions need the second factor before any of their pages.
ROLES_NEEDING_SECOND_FACTOR = frozenset({Role.STAFF, Role.ADMINISTRATOR})
# Roles that people take by signing up; the others are invited by staff.
SELF_SERVICE_ROLES = (Role.SME_MEMBER, Role.MANAGER)
INVITED_ROLES = (Role.STAFF, Role.ADMINISTRATOR)


def role_names(user) -> frozenset[str]:
    """The user's role names, read once per request object and kept on it."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._portal_roles = cached
        # rules.is_group_member reads this cache too, so predicates cost no extra query.
        user._group_names_cache = set(cached)
    return cached


def primary_role(user) -> str | None:
    """The role whose home the user lands on; staff before administrator before the rest."""
    names = role_names(user)
    for role in (Role.STAFF, Role.ADMINISTRATOR, Role.MANAGER, Role.SME_MEMBER):
        if role in names:
            return role
    return None
