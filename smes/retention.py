"""The programme's retention rules for SME applicants, applied every night by Celery beat.

Two rules, both set on the programme (`Programme.retention_months_*`):

- an application never enrolled (not eligible, withdrawn, or left open when the programme
  ended) keeps its personal data `retention_months_not_enrolled` months after it closed;
- every application keeps it `retention_months_after_end` months after the programme ends.

Past that, the people named in the application (legal representative, contact) and the free
text where people are described are erased, and so are the accounts of the company's members
once none of the company's applications keeps personal data. The company itself (VAT number,
legal name, figures) is business data the programme's statistics rest on, and stays.

This module erases the applications; the accounts go through the portal-wide person erasure
(`programme.home.privacy.person_erase`), which `programme.home.retention` calls for
`members_past_keeping()`, since an app never imports from the top of the house.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from programme import audit
from programme.models import Programme, User
from programme.roles import Role
from smes.models import Application, ApplicationStatus

# Fields of an application that describe people, emptied by the erasure.
PERSONAL_FIELDS = (
    "legal_representative_first_name",
    "legal_representative_last_name",
    "legal_representative_tax_code",
    "legal_representative_role",
    "contact_first_name",
    "contact_last_name",
    "contact_role",
    "contact_email",
    "contact_phone",
    "needs_description",
    "period_notes",
    "decision_reason",
    "withdrawal_reason",
)
RULE_NOT_ENROLLED = "not_enrolled"
RULE_AFTER_END = "after_programme_end"


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time `months` calendar months earlier (the last day when shorter)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def applications_due(programme: Programme, now: datetime.datetime) -> dict[str, list[int]]:
    """The ids of the programme's applications whose personal data is past its keeping, by rule."""
    kept = Application.objects.filter(programme=programme, personal_data_erased_at__isnull=True)
    due: dict[str, list[int]] = {RULE_NOT_ENROLLED: [], RULE_AFTER_END: []}
    today = timezone.localdate(now)
    if (
        programme.ends_on
        and programme.ends_on <= months_before(now, programme.retention_months_after_end).date()
    ):
        due[RULE_AFTER_END] = list(kept.values_list("pk", flat=True))
    cutoff = months_before(now, programme.retention_months_not_enrolled)
    closed_long_ago = Q(status=ApplicationStatus.INELIGIBLE, decided_at__lte=cutoff) | Q(
        status=ApplicationStatus.WITHDRAWN, withdrawn_at__lte=cutoff
    )
    if programme.ends_on and programme.ends_on < today and programme.ends_on <= cutoff.date():
        # Still open when the programme ended: it closed with the programme.
        closed_long_ago |= ~Q(status__in=[ApplicationStatus.INELIGIBLE, ApplicationStatus.WITHDRAWN])
    not_enrolled = kept.filter(enrolled_at__isnull=True).exclude(status=ApplicationStatus.ENROLLED)
    already = set(due[RULE_AFTER_END])
    due[RULE_NOT_ENROLLED] = [
        pk for pk in not_enrolled.filter(closed_long_ago).values_list("pk", flat=True) if pk not in already
    ]
    return due


def members_past_keeping() -> QuerySet[User]:
    """SME members whose companies keep no personal data in any application any more, and who
    hold no other role: the retention job erases their accounts too (through the portal-wide
    person erasure, which also ends their membership, so each is found once)."""
    with_data = Application.objects.filter(
        company__memberships__user=OuterRef("pk"), personal_data_erased_at__isnull=True
    )
    without_data = Application.objects.filter(
        company__memberships__user=OuterRef("pk"), personal_data_erased_at__isnull=False
    )
    other_roles = [role for role in Role.values if role != Role.SME_MEMBER]
    return (
        User.objects.filter(groups__name=Role.SME_MEMBER, is_superuser=False)
        .exclude(groups__name__in=other_roles)
        .filter(Exists(without_data))
        .exclude(Exists(with_data))
        .order_by("pk")
        .distinct()
    )


def _erase_application(application: Application, *, rule: str, now: datetime.datetime) -> None:
    for name in PERSONAL_FIELDS:
        setattr(application, name, "")
    application.personal_data_erased_at = now
    application.save(update_fields=[*PERSONAL_FIELDS, "personal_data_erased_at", "updated_at"])
    audit.record(
        obj=application,
        actor=None,
        action="personal_data_erased",
        reason=rule,
        programme=application.programme,
        data={"rule": rule, "fields": list(PERSONAL_FIELDS)},
    )


@transaction.atomic
def retention_apply(*, by: User | None = None, now: datetime.datetime | None = None) -> int:
    """Erase the personal data every programme's rules no longer allow to keep; each erasure is
    one audit entry. Running it again erases nothing more. Returns how many applications it erased."""
    now = now or timezone.now()
    erased = 0
    for programme in Programme.objects.order_by("pk"):
        for rule, ids in applications_due(programme, now).items():
            # Locked and read again, so two runs at once never erase (and audit) twice.
            for application in (
                Application.objects.select_for_update(of=("self",))
                .select_related("company", "programme")
                .filter(pk__in=ids, personal_data_erased_at__isnull=True)
                .order_by("pk")
            ):
                _erase_application(application, rule=rule, now=now)
                erased += 1
    return erased
