"""The programme app's part of a person's data: the account, its sign-in means, sessions,
notifications and audit entries; and the helpers every app's privacy.py shares."""

from __future__ import annotations

import datetime

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from programme import audit, privacy
from programme.models import AuditEntry, EmailStatus, Notification, Session, User
from programme.sessions import SessionStore
from tests.factories import SmeMemberFactory, StaffFactory
from tests.home.privacy_fixtures import open_session, tell

pytestmark = pytest.mark.django_db


def test_identifiers_find_the_name_both_ways_round_and_the_address_whatever_the_case_and_spacing():
    found = privacy.make_identifiers(["Mario Rossi", "Rossi Mario", "mario@example.it", "Al"], "X #1")
    assert found.scrub("Visita con mario  ROSSI e rossi mario; scrivere a MARIO@example.it. Al bar.") == (
        "Visita con X #1 e X #1; scrivere a X #1. Al bar."
    )
    assert found.scrub_data({"a": ["Mario Rossi", 3], "b": {"c": "ok"}}) == {
        "a": ["X #1", 3],
        "b": {"c": "ok"},
    }
    assert privacy.make_identifiers([], "X").scrub("Mario Rossi") == "Mario Rossi"


def test_an_erased_account_has_nothing_left_to_find(programme):
    person = SmeMemberFactory(first_name="Mario", last_name="Rossi")
    assert set(privacy.identifiers(person).values) == {"Mario Rossi", "Rossi Mario", person.email}
    privacy.person_erase(user=person, by=None)
    assert privacy.identifiers(person).values == ()


def test_person_data_holds_the_account_and_its_traces_but_no_secret(programme):
    person = StaffFactory(first_name="Elena", last_name="Marchetti")
    open_session(person)
    open_session(SmeMemberFactory())
    tell(person, "Benvenuta")
    audit.record(obj=person, actor=None, action="invited")
    data = privacy.person_data(user=person)
    assert data["account"]["email"] == person.email and data["account"]["roles"] == ["programme_staff"]
    assert data["open_sessions"] == 1
    assert [row["type"] for row in data["second_factor"]] == ["totp"]
    assert "secret" not in str(data["second_factor"]) and person.totp_secret not in str(data)
    assert [row["subject"] for row in data["notifications"]] == ["Benvenuta"]
    assert [(row["action"], row["by_them"]) for row in data["audit_trail"]] == [("invited", False)]
    assert "password" not in data["account"]


def test_person_erase_closes_the_account_and_keeps_its_row_and_role(programme):
    person = StaffFactory(first_name="Elena", last_name="Marchetti", is_superuser=True, is_staff=True)
    other = SmeMemberFactory()
    open_session(person)
    kept_session = open_session(other)
    summary = privacy.person_erase(user=person, by=None)
    person.refresh_from_db()
    assert (person.email, person.first_name, person.last_name) == (
        f"erased-{person.pk}@invalid",
        "Persona cancellata",
        f"#{person.pk}",
    )
    assert not person.is_active and not person.is_staff and not person.is_superuser
    assert not person.has_usable_password()
    assert list(person.groups.values_list("name", flat=True)) == ["programme_staff"]
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not Authenticator.objects.filter(user=person).exists()
    assert list(Session.objects.values_list("session_key", flat=True)) == [kept_session]
    assert summary["sessions_ended"] == 1 and summary["authenticators_deleted"] == 1
    assert privacy.is_erased(person)


def test_erasure_ends_exactly_the_persons_sessions_among_many_others(programme):
    person = SmeMemberFactory()
    theirs = {open_session(person) for _number in range(3)}
    expired = open_session(person)
    Session.objects.filter(pk=expired).update(expire_date=timezone.now() - datetime.timedelta(hours=1))
    others = [SmeMemberFactory() for _number in range(20)]
    kept = {open_session(other) for other in others for _number in range(10)}
    anonymous = SessionStore()
    anonymous["language"] = "en"
    anonymous.create()
    kept.add(anonymous.session_key)
    assert privacy.person_data(user=person)["open_sessions"] == 3

    summary = privacy.person_erase(user=person, by=None)

    assert set(Session.objects.values_list("session_key", flat=True)) == kept
    assert summary["sessions_ended"] == len(theirs) + 1
    assert privacy.person_data(user=others[0])["open_sessions"] == 10


def test_person_erase_blanks_their_inbox_and_takes_their_name_out_of_others_and_of_the_logs(programme):
    person = SmeMemberFactory(first_name="Mario", last_name="Rossi")
    colleague = SmeMemberFactory()
    tell(person, "Ciao Mario Rossi")
    Notification.objects.update(email_status=EmailStatus.PENDING)
    told = tell(colleague, "Mario Rossi ti ha invitato")
    entry = audit.record(
        obj=colleague, actor=person, action="member_added", reason="Rossi Mario", data={"who": person.email}
    )
    LogEntry.objects.create(
        user=StaffFactory(),
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(person.pk),
        object_repr="Mario Rossi",
        action_flag=ADDITION,
    )
    privacy.person_erase(user=person, by=None)
    mine = Notification.objects.get(recipient=person)
    assert (mine.subject, mine.body_text, mine.email_status) == (
        privacy.ERASED_TEXT,
        privacy.ERASED_TEXT,
        EmailStatus.SKIPPED,
    )
    told.refresh_from_db()
    assert told.body_text == f"Persona cancellata #{person.pk} ti ha invitato"
    entry.refresh_from_db()
    assert (entry.actor_id, entry.reason, entry.data) == (
        person.pk,
        f"Persona cancellata #{person.pk}",
        {"who": f"Persona cancellata #{person.pk}"},
    )
    assert LogEntry.objects.get().object_repr == f"Persona cancellata #{person.pk}"


def test_erase_audit_reasons_blanks_only_the_persons_copies_of_the_erased_text(programme):
    person, someone = SmeMemberFactory(), SmeMemberFactory()
    text = "Motivi personali che riguardano la mia salute"
    mine = audit.record(obj=person, actor=person, action="withdrawn", reason=text)
    theirs = audit.record(obj=person, actor=someone, action="withdrawn", reason=text)
    quoted = tell(someone, f"Ha scritto: {text}.")
    assert privacy.erase_audit_reasons(user=person, texts=[text, "", privacy.ERASED_TEXT]) == 1
    assert AuditEntry.objects.get(pk=mine.pk).reason == privacy.ERASED_TEXT
    assert AuditEntry.objects.get(pk=theirs.pk).reason == text
    quoted.refresh_from_db()
    assert quoted.body_text == f"Ha scritto: {privacy.ERASED_TEXT}."
