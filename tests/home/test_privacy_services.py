"""A person's data across the portal: the export holds every app's part and no secret;
the erasure anonymises every personal field, deletes files, keeps the figures and the
audit trail's shape, closes the account, is refused where it must be, and can be repeated."""

from __future__ import annotations

import io
import json

import pytest
from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.urls import reverse

from assessments.models import AssessmentStatus
from managers.models import Manager, ManagerStatus, protected_storage
from programme.home import privacy
from programme.home.queries import headline_figures
from programme.models import AuditEntry, EmailStatus, Notification, Programme, Session, User
from programme.privacy import ERASED_TEXT, is_erased
from tests.assessments.review_fixtures import make_assessment
from tests.factories import PASSWORD
from tests.home.privacy_fixtures import *  # noqa: F403
from tests.home.privacy_fixtures import user_type

pytestmark = pytest.mark.django_db


def exported(user: User) -> str:
    return json.dumps(privacy.person_data(user=user), cls=DjangoJSONEncoder, ensure_ascii=False)


def database_text() -> str:
    """Every row of every table, as text, to look for what must be gone."""
    buffer = io.StringIO()
    call_command("dumpdata", stdout=buffer, exclude=["contenttypes", "auth.permission"])
    return json.dumps(json.loads(buffer.getvalue()), ensure_ascii=False)


def erase(
    user: User, by: User | None, django_capture_on_commit_callbacks, reason: str = "Richiesta scritta"
) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        return privacy.person_erase(user=user, by=by, reason=reason)


# The export.


def test_export_document_has_its_schema_date_programme_and_every_app(world, staff_user):
    document = privacy.person_export(user=world.member, by=staff_user)
    assert document["schema"] == "portal-person-data"
    assert document["schema_version"] == 1
    assert document["exported_at"] is not None
    assert document["programme"] == {"name": world.programme.name, "slug": world.programme.slug}
    assert document["person"] == world.member.pk
    assert list(document["data"]) == ["programme", "smes", "managers", "assessments", "projects"]
    entry = AuditEntry.objects.get(action="person_data_exported")
    assert (entry.actor, entry.object_id, entry.reason, entry.data) == (
        staff_user,
        str(world.member.pk),
        "",
        {},
    )


def test_export_of_an_sme_member_holds_their_company_application_visits_feedback_and_project(world):
    data = privacy.person_data(user=world.member)["data"]
    assert data["programme"]["account"]["email"] == "giulia@officine.example"
    assert data["programme"]["account"]["roles"] == ["sme_member"]
    assert data["programme"]["email_addresses"] == [
        {"email": "giulia@officine.example", "verified": True, "primary": True}
    ]
    assert data["programme"]["open_sessions"] == 1
    assert [row["body"] for row in data["programme"]["notifications"]] == ["Benvenuto Giulia Bertolotti"]
    assert [row["action"] for row in data["programme"]["audit_trail"]] == ["joined"]
    assert [row["company"] for row in data["smes"]["memberships"]] == [world.application.company.legal_name]
    (application,) = data["smes"]["applications"]
    assert application["contact"]["phone"] == "+39 035 998877"
    assert application["legal_representative"]["tax_code"] == "BRTGLI80A41F205X"
    assert application["created_by_them"] and application["declared_by_them"]
    assert len(data["assessments"]["visits_answered"]) == 2
    assert data["assessments"]["feedback_given"][0]["rating"] == 5
    assert [project["title"] for project in data["projects"]["projects"]] == ["Fabbrica connessa"]
    assert data["managers"]["profiles"] == []


def test_export_of_a_manager_holds_profile_cv_reviews_availability_assessments_and_projects(world):
    data = privacy.person_data(user=world.manager_person)["data"]
    (profile,) = data["managers"]["profiles"]
    assert profile["phone"] == "+39 333 1234567"
    assert profile["career_summary"] == world.career_summary
    assert profile["cv"]["file_name"] == "curriculum.pdf"
    assert len(profile["competences"]) == 10
    assert profile["unavailability"][0]["note"] == "Intervento chirurgico"
    assert profile["reviews_about_them"][0]["notes"]["interview_notes"].startswith("Colloquio ottimo")
    statuses = {row["status"]: row for row in data["assessments"]["assessments_as_manager"]}
    assert set(statuses) == {AssessmentStatus.COMPLETED, AssessmentStatus.DECLINED}
    completed = statuses[AssessmentStatus.COMPLETED]
    assert (len(completed["visits"]), len(completed["findings"]), len(completed["recommendations"])) == (
        2,
        10,
        3,
    )
    assert completed["feedback_from_the_sme"]["rating"] == 5
    assert statuses[AssessmentStatus.DECLINED]["decline_reason"] == world.decline_reason
    assert [project["title"] for project in data["projects"]["projects"]] == ["Fabbrica connessa"]


def test_export_of_staff_and_administrators_holds_what_they_wrote_and_decided(world):
    staff = privacy.person_data(user=world.staff_person)["data"]
    assert [row["manager"] for row in staff["managers"]["reviews_written"]] == [world.manager.pk]
    assert "selected" in [row["action"] for row in staff["programme"]["audit_trail"]]
    assert [row["type"] for row in staff["programme"]["second_factor"]] == [Authenticator.Type.TOTP]
    administrator = privacy.person_data(user=world.administrator_person)["data"]
    assert [row["decision"] for row in administrator["projects"]["decisions"]] == ["approve"]
    assert [row["reason"] for row in administrator["projects"]["conflicts_declared"]] == [
        "Socio in affari del titolare"
    ]


def items_in(value: object) -> int:
    """How many items a section of the export holds: a list its length, the account one."""
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):
        return 1 if value else 0
    return int(value)


@pytest.mark.parametrize("person", ["member", "manager_person", "staff_person", "administrator_person"])
def test_the_summary_counts_what_the_export_holds_section_by_section(world, person):
    user = getattr(world, person)
    document = privacy.person_data(user=user)["data"]
    expected = [
        (app, name, items_in(value)) for app, sections in document.items() for name, value in sections.items()
    ]
    counted = [(row["app"], row["section"], row["count"]) for row in privacy.overview(user=user)]
    assert counted == expected
    assert sum(count for _app, _name, count in counted) > 5


def test_export_holds_no_secret(world):
    for person in (world.member, world.manager_person, world.staff_person, world.administrator_person):
        text = exported(person)
        person.refresh_from_db()
        assert person.password not in text
        assert "md5$" not in text and "pbkdf2" not in text
        for authenticator in Authenticator.objects.filter(user=person):
            for value in authenticator.data.values():
                assert str(value) not in text
        for session in Session.objects.all():
            assert session.session_key not in text
    assert world.staff_person.totp_secret not in exported(world.staff_person)


# The erasure.


def test_erasing_a_member_anonymises_them_and_keeps_their_company_and_its_application(
    world, staff_user, django_capture_on_commit_callbacks
):
    erase(world.member, staff_user, django_capture_on_commit_callbacks)
    member = User.objects.get(pk=world.member.pk)
    assert (member.email, member.get_full_name()) == (
        f"erased-{member.pk}@invalid",
        f"Persona cancellata #{member.pk}",
    )
    assert not member.is_active and not member.has_usable_password()
    application = world.application
    application.refresh_from_db()
    assert application.status == "enrolled"
    assert application.contact_email == member.email and application.contact_phone == ""
    assert application.legal_representative_tax_code == ""
    assert application.legal_representative_role == "Amministratore unico"
    assert application.created_by == member
    assert not application.company.memberships.filter(user=member).exists()
    assert application.company.memberships.filter(user=world.other_member).exists()
    text = database_text()
    for trace in ("Bertolotti", "giulia@officine.example", "BRTGLI80A41F205X", "035 998877"):
        assert trace not in text, trace


def test_erasing_a_manager_anonymises_every_personal_field_and_deletes_the_cv(
    world, staff_user, django_capture_on_commit_callbacks
):
    cv_name = world.manager.cv.name
    assert protected_storage().exists(cv_name)
    erase(world.manager_person, staff_user, django_capture_on_commit_callbacks)
    assert not protected_storage().exists(cv_name)
    manager = Manager.objects.get(pk=world.manager.pk)
    assert manager.status == ManagerStatus.LEFT
    assert (manager.phone, manager.city, manager.linkedin_url, manager.aldai_number) == ("", "", "", "")
    assert (manager.career_summary, manager.availability_notes) == (ERASED_TEXT, ERASED_TEXT)
    assert (manager.cv.name, manager.cv_original_name, manager.cv_size, manager.declared_vat_numbers) == (
        "",
        "",
        None,
        [],
    )
    assert manager.competences.count() == 10 and manager.merit_score is not None
    assert not manager.unavailability_periods.exists()
    review = manager.reviews.get()
    assert review.interview_notes == ERASED_TEXT and review.interview == 4
    assert manager.review_conflicts.get().note == ERASED_TEXT
    world.declined.refresh_from_db()
    assert world.declined.decline_reason == ERASED_TEXT
    assert AuditEntry.objects.get(action="declined").reason == ERASED_TEXT
    text = database_text()
    for trace in (
        "Castelnuovo",
        "roberto@manager.example",
        "333 1234567",
        world.decline_reason,
        world.career_summary,
    ):
        assert trace not in text, trace
    world.completed.refresh_from_db()
    assert (
        world.completed.summary
        == f"Relazione di Persona cancellata #{world.manager_person.pk}: l'impresa è pronta a digitalizzare."
    )


def test_erasing_staff_keeps_their_reviews_and_audit_entries_with_the_same_actor(
    world, staff_user, django_capture_on_commit_callbacks
):
    entries = list(AuditEntry.objects.filter(actor=world.staff_person).values_list("pk", "action"))
    erase(world.staff_person, staff_user, django_capture_on_commit_callbacks)
    assert list(AuditEntry.objects.filter(actor=world.staff_person).values_list("pk", "action")) == entries
    assert world.manager.reviews.get().reviewer_id == world.staff_person.pk
    assert not Authenticator.objects.filter(user=world.staff_person).exists()
    selected = AuditEntry.objects.get(action="selected")
    assert "elena" not in json.dumps(selected.data).lower()
    text = database_text()
    for trace in ("Marchetti", "elena@aldai.example"):
        assert trace not in text, trace


def test_erasing_an_administrator_blanks_their_conflicts_and_keeps_their_decisions(
    world, staff_user, django_capture_on_commit_callbacks
):
    erase(world.administrator_person, staff_user, django_capture_on_commit_callbacks)
    approval = world.project.approvals.get()
    assert (approval.administrator_id, approval.decision, approval.amount) == (
        world.administrator_person.pk,
        "approve",
        60000,
    )
    assert AuditEntry.objects.get(action="recused").reason == ERASED_TEXT
    assert "Socio in affari" not in database_text()
    assert "Cugino del titolare" in database_text()  # another administrator's conflict


def test_erasure_keeps_the_number_of_audit_rows_and_adds_one_without_personal_data(
    world, staff_user, django_capture_on_commit_callbacks
):
    before = AuditEntry.objects.count()
    erase(
        world.member,
        staff_user,
        django_capture_on_commit_callbacks,
        reason="Richiesta di Giulia Bertolotti del 3 maggio",
    )
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.actor, entry.content_type, entry.object_id) == (
        "person_erased",
        staff_user,
        user_type(),
        str(world.member.pk),
    )
    assert entry.reason == f"Richiesta di Persona cancellata #{world.member.pk} del 3 maggio"
    assert entry.data["by_system"] is False
    assert entry.data["counts"]["smes"]["memberships_removed"] == 1
    assert "Bertolotti" not in json.dumps(entry.data)


def test_erasure_keeps_the_figures_and_the_programme_counters(
    world, staff_user, django_capture_on_commit_callbacks
):
    programme = world.programme
    figures = headline_figures(programme)
    counters = Programme.objects.values("enrolled_count", "committed_projects", "committed_amount").get(
        pk=programme.pk
    )
    for person in (world.member, world.manager_person, world.staff_person, world.administrator_person):
        erase(person, staff_user, django_capture_on_commit_callbacks)
    assert headline_figures(programme) == figures
    assert (
        Programme.objects.values("enrolled_count", "committed_projects", "committed_amount").get(
            pk=programme.pk
        )
        == counters
    )


def test_an_erased_person_can_no_longer_sign_in_and_their_sessions_are_gone(
    world, staff_user, django_capture_on_commit_callbacks
):
    email = world.member.email
    assert Client().login(username=email, password=PASSWORD)
    erase(world.member, staff_user, django_capture_on_commit_callbacks)
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(world.member.pk)
    ]
    response = Client().post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in Client().session
    erased = User.objects.get(pk=world.member.pk)
    assert not Client().login(username=erased.email, password=PASSWORD)


def test_notifications_to_them_are_blanked_and_nothing_more_is_mailed(
    world, staff_user, django_capture_on_commit_callbacks
):
    Notification.objects.filter(recipient=world.member).update(email_status=EmailStatus.PENDING)
    erase(world.member, staff_user, django_capture_on_commit_callbacks)
    (notification,) = Notification.objects.filter(recipient=world.member)
    assert (notification.subject, notification.body_text, notification.body_html) == (
        ERASED_TEXT,
        ERASED_TEXT,
        "",
    )
    assert notification.email == f"erased-{world.member.pk}@invalid"
    assert notification.email_status == EmailStatus.SKIPPED
    to_colleague = Notification.objects.get(recipient=world.other_member)
    assert to_colleague.body_text == f"Persona cancellata #{world.member.pk} ha aggiornato la domanda."


def test_erasing_twice_is_harmless(world, staff_user, django_capture_on_commit_callbacks):
    erase(world.manager_person, staff_user, django_capture_on_commit_callbacks)
    text, audit_rows = database_text(), AuditEntry.objects.count()
    again = erase(world.manager_person, staff_user, django_capture_on_commit_callbacks)
    assert again["already_erased"] is True
    assert AuditEntry.objects.count() == audit_rows
    assert database_text() == text


def test_the_system_may_erase_with_no_actor(world, django_capture_on_commit_callbacks):
    erase(world.member, None, django_capture_on_commit_callbacks, reason="Retention period over")
    entry = AuditEntry.objects.get(action="person_erased")
    assert entry.actor is None and entry.data["by_system"] is True
    assert is_erased(User.objects.get(pk=world.member.pk))


# Refusals.


def test_staff_cannot_erase_themselves(world, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as refused:
        erase(world.staff_person, world.staff_person, django_capture_on_commit_callbacks)
    assert refused.value.messages == ["You cannot erase your own data: another member of staff must do it."]
    assert not is_erased(User.objects.get(pk=world.staff_person.pk))


@pytest.mark.parametrize(
    "status", [AssessmentStatus.ASSIGNED, AssessmentStatus.IN_PROGRESS, AssessmentStatus.SUBMITTED]
)
def test_a_manager_with_an_open_assessment_is_refused_until_it_is_handed_over(
    world, staff_user, status, django_capture_on_commit_callbacks
):
    Manager.objects.filter(pk=world.manager.pk).update(status=ManagerStatus.LEFT, capacity=3)
    world.manager.refresh_from_db()
    from tests.factories import ApplicationFactory

    make_assessment(ApplicationFactory(programme=world.programme, status="enrolled"), world.manager, status)
    audit_rows = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        erase(world.manager_person, staff_user, django_capture_on_commit_callbacks)
    assert refused.value.messages == [
        "They are the manager of 1 open assessment: hand it over to another manager, or cancel it, "
        "before their data can be erased."
    ]
    assert AuditEntry.objects.count() == audit_rows
    assert User.objects.get(pk=world.manager_person.pk).email == "roberto@manager.example"


@pytest.mark.parametrize("status", [ManagerStatus.APPLIED, ManagerStatus.SELECTED, ManagerStatus.SUSPENDED])
def test_a_manager_still_in_the_pool_is_refused_until_they_leave_it(
    world, staff_user, status, django_capture_on_commit_callbacks
):
    Manager.objects.filter(pk=world.manager.pk).update(status=status)
    with pytest.raises(ValidationError) as refused:
        erase(world.manager_person, staff_user, django_capture_on_commit_callbacks)
    assert "must leave the pool, or not be selected" in refused.value.messages[0]
    assert protected_storage().exists(world.manager.cv.name)


def test_only_staff_may_erase(world, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDenied):
        erase(world.member, world.administrator_person, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        privacy.person_export(user=world.member, by=world.other_member)
