"""Write side of the report: the SME's feedback on its completed assessment."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from assessments.models import Assessment, AssessmentStatus, Feedback
from assessments.reports.rules import is_company_member
from assessments.services import _locked_assessment
from programme import audit
from programme.models import User
from programme.notifications import absolute_url, notify
from programme.queries import users_with_role
from programme.roles import Role
from programme.rules import is_sme_member

RATING_RANGE = range(1, 6)


@transaction.atomic
def feedback_give(*, assessment: Assessment, rating: int, comment: str, by: User) -> Feedback:
    """A member of the SME rates its completed assessment (1-5) and may say why, once.
    Staff read it (and are told); the manager is not, so the SME can speak freely."""
    locked = _locked_assessment(assessment)
    if not (is_sme_member(by) and is_company_member(by, locked)):
        raise PermissionDenied
    if locked.status != AssessmentStatus.COMPLETED:
        raise ValidationError(_("You can give feedback once the assessment is completed."))
    if rating not in RATING_RANGE:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    # The assessment's row lock serialises two members answering at once; the one-to-one
    # column is the last guard.
    if Feedback.objects.filter(assessment=locked).exists():
        raise ValidationError(_("Your company has already given its feedback on this assessment."))
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                assessment=locked, rating=rating, comment=comment.strip(), given_by=by
            )
    except IntegrityError as error:
        raise ValidationError(_("Your company has already given its feedback on this assessment.")) from error
    audit.record(
        obj=locked,
        actor=by,
        action="feedback_given",
        programme=locked.programme,
        data={"rating": rating},
    )
    link = absolute_url(reverse("reports:report", args=[locked.pk]))
    for staff in users_with_role(Role.STAFF):
        notify(
            staff,
            "reports_feedback_staff",
            link=link,
            company=locked.application.company.legal_name,
            manager=locked.manager.user,
            rating=rating,
            comment=feedback.comment,
        )
    return feedback
