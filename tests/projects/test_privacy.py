"""The projects app's part of a person's data: projects and decisions kept with their
amounts, without the person's name; the conflicts an administrator declared, blanked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from programme import audit
from programme.models import AuditEntry
from programme.privacy import ERASED_TEXT
from projects import privacy
from projects.models import Approval, ApprovalDecision, Recusal
from tests.factories import AdministratorFactory, SmeMemberFactory
from tests.projects.financing_fixtures import make_project

pytestmark = pytest.mark.django_db


def test_person_data_holds_the_projects_they_proposed_and_the_decisions_they_took(programme):
    member = SmeMemberFactory()
    project = make_project(programme, member=member, created_by=member)
    administrator = AdministratorFactory()
    Approval.objects.create(project=project, administrator=administrator, decision=ApprovalDecision.APPROVE)
    (row,) = privacy.person_data(user=member)["projects"]
    assert (row["id"], row["proposed_by_them"], len(row["milestones"])) == (project.pk, True, 3)
    assert [row["project"] for row in privacy.person_data(user=administrator)["decisions"]] == [project.pk]


def test_person_erase_keeps_projects_and_decisions_and_blanks_declared_conflicts(programme):
    member = SmeMemberFactory(first_name="Giulia", last_name="Bertolotti")
    project = make_project(programme, member=member, objectives="Referente: Giulia Bertolotti.")
    administrator = AdministratorFactory(first_name="Paolo", last_name="Ferraresi")
    approval = Approval.objects.create(
        project=project,
        administrator=administrator,
        decision=ApprovalDecision.APPROVE,
        amount=Decimal("60000"),
        reason="Sentito Giulia Bertolotti.",
    )
    recusal = Recusal.objects.create(
        project=make_project(programme), administrator=administrator, reason="Socio"
    )
    audit.record(obj=recusal.project, actor=administrator, action="recused", reason="Socio")

    privacy.person_erase(user=member, by=None)
    project.refresh_from_db()
    approval.refresh_from_db()
    assert project.objectives == f"Referente: Persona cancellata #{member.pk}."
    assert approval.reason == f"Sentito Persona cancellata #{member.pk}."

    summary = privacy.person_erase(user=administrator, by=None)
    approval.refresh_from_db()
    recusal.refresh_from_db()
    assert (approval.administrator_id, approval.decision, approval.amount) == (
        administrator.pk,
        ApprovalDecision.APPROVE,
        Decimal("60000"),
    )
    assert recusal.reason == ERASED_TEXT
    assert AuditEntry.objects.get(action="recused").reason == ERASED_TEXT
    assert summary["conflicts_blanked"] == 1
