"""A programme in which each kind of person has left traces everywhere the portal keeps
them, for the export and erasure tests. Test modules take the fixtures with
`from tests.home.privacy_fixtures import *  # noqa: F403`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from assessments.models import Assessment, AssessmentStatus, Feedback, ProjectOutline
from managers.models import Manager, ManagerStatus, ReviewConflict, UnavailabilityPeriod
from programme import audit
from programme.models import EmailStatus, Notification, Programme, User
from programme.notifications import store_and_schedule
from programme.sessions import SessionStore
from projects.models import Approval, ApprovalDecision, Milestone, Project, ProjectStatus, Recusal
from smes.models import Application, ApplicationStatus
from tests.assessments.review_fixtures import add_findings, add_recommendations, add_visits, make_assessment
from tests.factories import (
    AdministratorFactory,
    ApplicationFactory,
    CompanyFactory,
    ManagerFactory,
    ManagerUserFactory,
    SmeMemberFactory,
    StaffFactory,
    review,
)
from tests.projects.financing_fixtures import make_project

__all__ = ["english", "world"]

MEMBER_NAME = ("Giulia", "Bertolotti")
MANAGER_NAME = ("Roberto", "Castelnuovo")
STAFF_NAME = ("Elena", "Marchetti")
ADMINISTRATOR_NAME = ("Paolo", "Ferraresi")


@dataclass
class World:
    programme: Programme
    member: User
    other_member: User
    manager_person: User
    manager: Manager
    staff_person: User
    administrator_person: User
    application: Application
    completed: Assessment
    declined: Assessment
    project: Project
    decline_reason: str
    career_summary: str
    conflict_note: str


def open_session(user: User) -> str:
    """A signed-in session of `user` in the session store, as a browser would hold."""
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store.create()
    return store.session_key


def tell(user: User, text: str) -> Notification:
    return store_and_schedule(
        recipient=user, email=user.email, event="test", language="it", subject=text[:80], body_text=text
    )


def build_world(programme: Programme) -> World:
    member = SmeMemberFactory(
        first_name=MEMBER_NAME[0], last_name=MEMBER_NAME[1], email="giulia@officine.example"
    )
    other_member = SmeMemberFactory()
    company = CompanyFactory(member=member)
    company.memberships.create(user=other_member)
    application = ApplicationFactory(
        programme=programme,
        company=company,
        status=ApplicationStatus.ENROLLED,
        created_by=member,
        declared_by=member,
        legal_representative_first_name=MEMBER_NAME[0],
        legal_representative_last_name=MEMBER_NAME[1],
        legal_representative_tax_code="BRTGLI80A41F205X",
        contact_first_name=MEMBER_NAME[0],
        contact_last_name=MEMBER_NAME[1],
        contact_email=member.email,
        contact_phone="+39 035 998877",
        needs_description="Giulia Bertolotti segue la produzione e vuole dati in tempo reale.",
    )
    Programme.objects.filter(pk=programme.pk).update(enrolled_count=1)
    programme.refresh_from_db()

    manager_person = ManagerUserFactory(
        first_name=MANAGER_NAME[0], last_name=MANAGER_NAME[1], email="roberto@manager.example"
    )
    career_summary = "Direttore di stabilimento per vent'anni, poi consulente."
    manager = ManagerFactory(
        programme=programme,
        user=manager_person,
        status=ManagerStatus.LEFT,
        phone="+39 333 1234567",
        linkedin_url="https://www.linkedin.com/in/roberto-castelnuovo",
        aldai_number="AL-55501",
        career_summary=career_summary,
        availability_notes="Non disponibile il venerdì per assistenza a un familiare.",
        declared_vat_numbers=["01234567890"],
        left_at=timezone.now(),
    )
    manager.cv_uploaded_at = timezone.now()
    manager.save(update_fields=["cv_uploaded_at"])
    UnavailabilityPeriod.objects.create(
        manager=manager,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 10),
        note="Intervento chirurgico",
    )
    staff_person = StaffFactory(
        first_name=STAFF_NAME[0], last_name=STAFF_NAME[1], email="elena@aldai.example"
    )
    administrator_person = AdministratorFactory(
        first_name=ADMINISTRATOR_NAME[0], last_name=ADMINISTRATOR_NAME[1], email="paolo@comitato.example"
    )
    merit = review(manager, staff_person)
    merit.interview_notes = "Colloquio ottimo; Roberto Castelnuovo conosce bene il lean."
    merit.save(update_fields=["interview_notes"])
    conflict_note = "Ex collega di Elena Marchetti in Pirelli"
    ReviewConflict.objects.create(manager=manager, reviewer=StaffFactory(), note=conflict_note)

    completed = make_assessment(application, manager, AssessmentStatus.COMPLETED)
    add_visits(completed)
    completed.visits.update(
        participants=f"{MEMBER_NAME[0]} {MEMBER_NAME[1]}, {MANAGER_NAME[0]} {MANAGER_NAME[1]}",
        answered_by=member,
        recorded_by=manager_person,
    )
    add_findings(completed)
    completed.findings.filter(dimension="digital_strategy").update(
        evidence="Colloquio con Giulia Bertolotti, responsabile della produzione."
    )
    add_recommendations(completed)
    completed.summary = "Relazione di Roberto Castelnuovo: l'impresa è pronta a digitalizzare."
    completed.save(update_fields=["summary"])
    ProjectOutline.objects.create(assessment=completed, title="Fabbrica connessa", objectives="MES e dati")
    Feedback.objects.create(
        assessment=completed, rating=5, comment="Roberto Castelnuovo ci ha aiutato molto.", given_by=member
    )

    other_application = ApplicationFactory(programme=programme, status=ApplicationStatus.ENROLLED)
    decline_reason = "Ho un impegno familiare che non mi permette di seguire questa impresa."
    declined = make_assessment(
        other_application,
        manager,
        AssessmentStatus.DECLINED,
        declined_at=timezone.now(),
        decline_reason=decline_reason,
    )
    audit.record(
        obj=declined,
        actor=manager_person,
        action="declined",
        from_status="assigned",
        to_status="declined",
        reason=decline_reason,
        programme=programme,
    )
    tell(staff_person, f"Roberto Castelnuovo ha rinunciato: {decline_reason}")

    project = Project.objects.create(
        programme=programme,
        assessment=completed,
        status=ProjectStatus.ELIGIBLE,
        title="Fabbrica connessa",
        objectives="Progetto coordinato da Giulia Bertolotti.",
        total_cost=Decimal("100000"),
        financing_requested=Decimal("60000"),
        own_share=Decimal("40000"),
        facilitator=manager,
        created_by=member,
        declared_by=member,
        submitted_at=timezone.now(),
    )
    Milestone.objects.create(
        project=project,
        title="Collaudo",
        description="Verifica con Giulia Bertolotti e Roberto Castelnuovo.",
        due_on=timezone.localdate() + datetime.timedelta(days=60),
        tranche=Decimal("60000"),
    )
    Approval.objects.create(
        project=project,
        administrator=administrator_person,
        decision=ApprovalDecision.APPROVE,
        amount=Decimal("60000"),
        reason="Approvato; referente Giulia Bertolotti.",
    )
    Recusal.objects.create(
        project=project, administrator=AdministratorFactory(), reason="Cugino del titolare"
    )
    recusal = Recusal.objects.create(
        project=make_project(programme),
        administrator=administrator_person,
        reason="Socio in affari del titolare",
    )
    audit.record(obj=recusal.project, actor=administrator_person, action="recused", reason=recusal.reason)

    # Traces in the programme app: audit entries by and about each, notifications, sessions.
    for person in (member, manager_person, staff_person, administrator_person):
        audit.record(obj=person, actor=person, action="joined", to_status="role")
        tell(person, f"Benvenuto {person.get_full_name()}")
        open_session(person)
    audit.record(
        obj=manager,
        actor=staff_person,
        action="selected",
        reason="Roberto Castelnuovo ha un profilo eccellente (roberto@manager.example).",
        programme=programme,
        data={"note": "Telefono +39 333 1234567"},
    )
    tell(other_member, "Giulia Bertolotti ha aggiornato la domanda.")
    return World(
        programme=programme,
        member=member,
        other_member=other_member,
        manager_person=manager_person,
        manager=Manager.objects.get(pk=manager.pk),
        staff_person=staff_person,
        administrator_person=administrator_person,
        application=application,
        completed=completed,
        declined=declined,
        project=project,
        decline_reason=decline_reason,
        career_summary=career_summary,
        conflict_note=conflict_note,
    )


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(programme) -> World:
    world = build_world(programme)
    # Nothing of this set-up is to be mailed.
    Notification.objects.update(email_status=EmailStatus.SENT)
    return world


def user_type() -> ContentType:
    return ContentType.objects.get_for_model(User)
