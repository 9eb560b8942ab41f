"""The nightly retention job at the top of the house: applications past their keeping lose
their personal data (smes.retention), and members left with nothing kept are erased by the
same person erasure staff use on request."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from programme.home import retention
from programme.home.tasks import apply_retention_rules
from programme.models import AuditEntry
from programme.privacy import is_erased
from smes.models import ApplicationStatus, CompanyMembership
from tests.factories import ApplicationFactory, ManagerUserFactory, ProgrammeFactory, SmeMemberFactory
from tests.smes.test_services_retention import NOW, withdrawn_application

pytestmark = pytest.mark.django_db


def person_erasures(user) -> int:
    return AuditEntry.objects.filter(
        content_type__model="user", object_id=str(user.pk), action="person_erased"
    ).count()


def test_a_member_whose_company_keeps_nothing_is_erased_by_the_system():
    programme = ProgrammeFactory(retention_months_not_enrolled=12)
    member = SmeMemberFactory()
    withdrawn_application(programme, months_ago=13, member=member)

    assert retention.retention_apply(now=NOW) == {"applications": 1, "people": 1}

    member.refresh_from_db()
    assert is_erased(member)
    assert not member.is_active
    assert not member.has_usable_password()
    assert not EmailAddress.objects.filter(user=member).exists()
    assert not CompanyMembership.objects.filter(user=member).exists()
    entry = AuditEntry.objects.get(
        content_type__model="user", object_id=str(member.pk), action="person_erased"
    )
    assert entry.actor is None
    assert entry.data["by_system"] is True


def test_running_twice_erases_each_person_once():
    programme = ProgrammeFactory(retention_months_not_enrolled=12)
    member = SmeMemberFactory()
    withdrawn_application(programme, months_ago=13, member=member)

    assert retention.retention_apply(now=NOW) == {"applications": 1, "people": 1}
    assert retention.retention_apply(now=NOW + datetime.timedelta(days=1)) == {"applications": 0, "people": 0}
    assert person_erasures(member) == 1


def test_a_member_with_another_role_keeps_the_account():
    programme = ProgrammeFactory(retention_months_not_enrolled=12)
    also_a_manager = ManagerUserFactory()
    also_a_manager.groups.add(*SmeMemberFactory().groups.all())
    application = withdrawn_application(programme, months_ago=13, member=also_a_manager)
    email = also_a_manager.email

    assert retention.retention_apply(now=NOW) == {"applications": 1, "people": 0}
    application.refresh_from_db()
    assert application.contact_email == ""
    also_a_manager.refresh_from_db()
    assert also_a_manager.email == email
    assert also_a_manager.is_active


def test_members_are_kept_while_another_application_of_the_company_keeps_data():
    old_edition = ProgrammeFactory(retention_months_not_enrolled=12)
    member = SmeMemberFactory()
    application = withdrawn_application(old_edition, months_ago=13, member=member)
    ApplicationFactory(
        programme=ProgrammeFactory(slug="edizione-2027", is_current=False),
        company=application.company,
        status=ApplicationStatus.SUBMITTED,
    )

    assert retention.retention_apply(now=NOW) == {"applications": 1, "people": 0}
    member.refresh_from_db()
    assert member.is_active
    assert not is_erased(member)


def test_a_member_of_an_application_within_its_period_is_kept():
    programme = ProgrammeFactory(retention_months_not_enrolled=12)
    member = SmeMemberFactory()
    withdrawn_application(programme, months_ago=11, member=member)

    assert retention.retention_apply(now=NOW) == {"applications": 0, "people": 0}
    member.refresh_from_db()
    assert not is_erased(member)


def test_the_task_applies_the_rules_and_beat_runs_it_daily():
    programme = ProgrammeFactory(retention_months_not_enrolled=1)
    application = ApplicationFactory(
        programme=programme,
        status=ApplicationStatus.WITHDRAWN,
        withdrawn_at=timezone.now() - datetime.timedelta(days=90),
    )

    assert apply_retention_rules.apply(throw=True).get()["applications"] == 1
    application.refresh_from_db()
    assert application.personal_data_erased_at is not None
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention-rules"]
    assert entry["task"] == apply_retention_rules.name
