"""Who may do what, programme-wide: one condition a predicate."""

import rules

from programme.roles import ROLES_NEEDING_SECOND_FACTOR, Role, role_names


@rules.predicate
def is_sme_member(user) -> bool:
    return Role.SME_MEMBER in role_names(user)


@rules.predicate
def is_manager(user) -> bool:
    return Role.MANAGER in role_names(user)


@rules.predicate
def is_programme_staff(user) -> bool:
    return Role.STAFF in role_names(user)


@rules.predicate
def is_administrator(user) -> bool:
    return Role.ADMINISTRATOR in role_names(user)


@rules.predicate
def needs_second_factor(user) -> bool:
    return user.is_superuser or bool(role_names(user) & ROLES_NEEDING_SECOND_FACTOR)


@rules.predicate
def is_recipient(user, notification) -> bool:
    return notification is not None and notification.recipient_id == user.pk


rules.add_perm("programme.edit_settings", is_programme_staff)
rules.add_perm("programme.invite_user", is_programme_staff)
rules.add_perm("programme.view_audit", is_programme_staff | is_administrator)
rules.add_perm("programme.read_notification", is_recipient)
