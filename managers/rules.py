"""Who may do what in the manager pool: one condition a predicate."""

import rules

from managers.models import EDITABLE_STATUSES, ManagerStatus
from programme.rules import is_manager, is_programme_staff


@rules.predicate
def is_own_manager_profile(user, manager) -> bool:
    return manager is not None and manager.user_id == user.pk


@rules.predicate
def is_profile_editable(user, manager) -> bool:
    return manager is not None and manager.status in EDITABLE_STATUSES


@rules.predicate
def is_draft(user, manager) -> bool:
    return manager is not None and manager.status == ManagerStatus.DRAFT


@rules.predicate
def is_in_or_out_of_service(user, manager) -> bool:
    # Selected or suspended: the statuses from which a manager may leave the pool.
    return manager is not None and manager.status in (ManagerStatus.SELECTED, ManagerStatus.SUSPENDED)


@rules.predicate
def may_set_unavailability(user, manager) -> bool:
    return manager is not None and manager.status in (
        ManagerStatus.APPLIED,
        ManagerStatus.SELECTED,
        ManagerStatus.SUSPENDED,
    )


@rules.predicate
def is_reviewable(user, manager) -> bool:
    return manager is not None and manager.status in (
        ManagerStatus.APPLIED,
        ManagerStatus.SELECTED,
        ManagerStatus.SUSPENDED,
    )


@rules.predicate
def is_not_themselves(user, manager) -> bool:
    return manager is not None and manager.user_id != user.pk


can_edit_profile = is_manager & is_own_manager_profile & is_profile_editable
can_submit_application = is_manager & is_own_manager_profile & is_draft
can_leave_pool = is_manager & is_own_manager_profile & is_in_or_out_of_service
can_set_unavailability = is_manager & is_own_manager_profile & may_set_unavailability
can_read_cv = is_programme_staff | (is_manager & is_own_manager_profile)
# Conflicts of interest are declared rows, checked by the services with a query.
can_review = is_programme_staff & is_not_themselves & is_reviewable
can_decide = is_programme_staff & is_not_themselves

rules.add_perm("managers.edit_profile", can_edit_profile)
rules.add_perm("managers.submit_application", can_submit_application)
rules.add_perm("managers.leave_pool", can_leave_pool)
rules.add_perm("managers.set_unavailability", can_set_unavailability)
rules.add_perm("managers.read_cv", can_read_cv)
rules.add_perm("managers.review", can_review)
rules.add_perm("managers.decide", can_decide)
