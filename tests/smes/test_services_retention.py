"""The retention job: applicants' personal data erased when the programme's rules say so,
each erasure in the audit trail, and nothing erased twice or early."""

import datetime

import pytest
from django.utils import timezone

from programme.models import AuditEntry
from smes import retention
from smes.models import ApplicationStatus
from tests.factories import (
    ApplicationFactory,
    CompanyFactory,
    ProgrammeFactory,
    SmeMemberFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2027, 6, 15, 3, 15))


def withdrawn_application(programme, *, months_ago: int, member=None):
    company = CompanyFactory(member=member or SmeMemberFactory())
    return ApplicationFactory(
        programme=programme,
        company=company,
        status=ApplicationStatus.WITHDRAWN,
        withdrawn_at=retention.months_before(NOW, months_ago) - datetime.timedelta(days=1),
        withdrawal_reason="Il titolare, Mario Rossi, è in malattia.",
    )


def erasures(application) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_id=str(application.pk), action="personal_data_erased").filter(
            content_type__model="application"
        )
    )


def test_an_application_withdrawn_longer_ago_than_the_period_loses_its_personal_data():
    programme = ProgrammeFactory(retention_months_not_enrolled=12)
    member = SmeMemberFactory()
    application = withdrawn_application(programme, months_ago=12, member=member)

    assert retention.retention_apply(now=NOW) == 1

    application.refresh_from_db()
    for name in retention.PERSONAL_FIELDS:
        assert getattr(application, name) == ""
    assert application.personal_data_erased_at == NOW
    assert application.company.vat_number  # the company's business data stays
    [entry] = erasures(application)
    assert entry.actor is None
    assert entry.programme == programme
    assert entry.data["rule"] == retention.RULE_NOT_ENROLLED
    member.refresh_from_db()
    assert member.is_active  # the account is the person erasure's (tests/home/test_retention.py)


def test_an_application_still_within_the_period_is_kept():
    programme = ProgrammeFactory(retention_months_not_enrolled=12)
    application = withdrawn_application(programme, months_ago=11)

    assert retention.retention_apply(now=NOW) == 0

    application.refresh_from_db()
    assert application.contact_email
    assert application.personal_data_erased_at is None
    assert erasures(application) == []


def test_the_period_is_the_programmes_own():
    programme = ProgrammeFactory(retention_months_not_enrolled=24)
    application = withdrawn_application(programme, months_ago=13)

    assert retention.retention_apply(now=NOW) == 0
    application.refresh_from_db()
    assert application.contact_first_name == "Giulia"


def test_an_ineligible_application_counts_from_the_decision():
    programme = ProgrammeFactory(retention_months_not_enrolled=6)
    old = ApplicationFactory(
        programme=programme,
        status=ApplicationStatus.INELIGIBLE,
        decided_at=retention.months_before(NOW, 7),
    )
    recent = ApplicationFactory(
        programme=programme,
        status=ApplicationStatus.INELIGIBLE,
        decided_at=retention.months_before(NOW, 5),
    )

    assert retention.retention_apply(now=NOW) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.contact_email == ""
    assert recent.contact_email != ""


def test_an_enrolled_application_is_kept_until_the_programme_has_ended_long_enough():
    programme = ProgrammeFactory(
        retention_months_not_enrolled=1,
        retention_months_after_end=60,
        ends_on=datetime.date(2026, 12, 31),
    )
    enrolled = ApplicationFactory(
        programme=programme, status=ApplicationStatus.ENROLLED, enrolled_at=NOW - datetime.timedelta(days=900)
    )

    assert retention.retention_apply(now=NOW) == 0
    enrolled.refresh_from_db()
    assert enrolled.contact_email != ""

    five_years_later = timezone.make_aware(datetime.datetime(2032, 1, 1, 3, 15))
    assert retention.retention_apply(now=five_years_later) == 1
    enrolled.refresh_from_db()
    assert enrolled.contact_email == ""
    assert erasures(enrolled)[0].data["rule"] == retention.RULE_AFTER_END


def test_an_application_left_open_when_the_programme_ended_closes_with_it():
    programme = ProgrammeFactory(retention_months_not_enrolled=12, ends_on=datetime.date(2026, 5, 31))
    waitlisted_then_forgotten = ApplicationFactory(programme=programme, status=ApplicationStatus.SUBMITTED)

    assert retention.retention_apply(now=NOW) == 1
    waitlisted_then_forgotten.refresh_from_db()
    assert waitlisted_then_forgotten.personal_data_erased_at == NOW


def test_running_twice_erases_and_records_once():
    programme = ProgrammeFactory(retention_months_not_enrolled=12)
    application = withdrawn_application(programme, months_ago=13)

    assert retention.retention_apply(now=NOW) == 1
    assert retention.retention_apply(now=NOW + datetime.timedelta(days=1)) == 0
    assert len(erasures(application)) == 1
    application.refresh_from_db()
    assert application.personal_data_erased_at == NOW


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime.datetime(2027, 3, 31, 12), 1, datetime.datetime(2027, 2, 28, 12)),
        (datetime.datetime(2027, 1, 15, 12), 12, datetime.datetime(2026, 1, 15, 12)),
        (datetime.datetime(2027, 1, 15, 12), 13, datetime.datetime(2025, 12, 15, 12)),
        (datetime.datetime(2028, 3, 30, 12), 1, datetime.datetime(2028, 2, 29, 12)),
        (datetime.datetime(2027, 6, 15, 12), 0, datetime.datetime(2027, 6, 15, 12)),
    ],
)
def test_months_before_counts_calendar_months(moment, months, expected):
    assert retention.months_before(moment, months) == expected
