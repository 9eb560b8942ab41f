"""Who may do what with matching runs and assessments."""

import rules

from programme.rules import is_manager, is_programme_staff


@rules.predicate
def is_assigned_manager(user, assessment) -> bool:
    return assessment is not None and assessment.manager.user_id == user.pk


@rules.predicate
def is_awaiting_answer(user, assessment) -> bool:
    return assessment is not None and assessment.status == "assigned"


may_answer = is_manager & is_assigned_manager & is_awaiting_answer

rules.add_perm("assessments.run_matching", is_programme_staff)
rules.add_perm("assessments.answer", may_answer)
