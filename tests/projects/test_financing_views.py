"""Financing pages as each persona uses them: who sees a project (others 404), who decides
(others 403), the actions through the forms, and fixed query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from programme.models import Programme, User
from projects.financing import services
from projects.models import MilestoneStatus, ProjectStatus
from tests.conftest import sign_in
from tests.factories import AdministratorFactory, ManagerUserFactory, SmeMemberFactory
from tests.projects.financing_fixtures import *  # noqa: F403
from tests.projects.financing_fixtures import make_project, reach

pytestmark = pytest.mark.django_db


def everyone_reads_english() -> None:
    """These tests read the pages' wording in English, the source language."""
    User.objects.update(language="en")


def detail_url(project) -> str:
    return reverse("financing:detail", args=[project.pk])


# Who sees what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("sme_member", 403), ("manager", 403), ("staff", 403), ("administrator", 200)],
)
def test_only_administrators_open_the_decision_board(persona_clients, persona, expected):
    response = persona_clients[persona].get(reverse("financing:board"))
    assert response.status_code == expected
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("sme_member", 403), ("manager", 403), ("staff", 200), ("administrator", 200)],
)
def test_staff_and_administrators_open_the_portfolio(persona_clients, persona, expected):
    assert persona_clients[persona].get(reverse("financing:portfolio")).status_code == expected


@pytest.mark.parametrize("persona", ["sme_member", "manager", "staff", "administrator"])
def test_the_company_its_manager_staff_and_administrators_see_the_project(
    persona_clients, eligible_project, persona
):
    response = persona_clients[persona].get(detail_url(eligible_project))
    assert response.status_code == 200
    assert eligible_project.title in response.content.decode()


def test_another_company_and_another_manager_get_404(eligible_project):
    for user in (SmeMemberFactory(), ManagerUserFactory()):
        client = sign_in(Client(), user)
        assert client.get(detail_url(eligible_project)).status_code == 404


def test_a_project_before_eligibility_is_not_on_the_financing_pages(programme, administrator_client):
    project = make_project(programme, status=ProjectStatus.SUBMITTED)
    assert administrator_client.get(detail_url(project)).status_code == 404


def test_the_board_ranks_eligible_projects_by_score_with_the_envelope(programme, administrator_client):
    low = make_project(programme, score="5.00", title="Progetto basso")
    high = make_project(programme, score="9.00", title="Progetto alto")
    make_project(programme, status=ProjectStatus.SUBMITTED, title="Progetto non ancora valutato")
    Programme.objects.filter(pk=programme.pk).update(committed_amount=Decimal("400000"), committed_projects=4)
    content = administrator_client.get(reverse("financing:board")).content.decode()
    assert content.index(high.title) < content.index(low.title)
    assert "Progetto non ancora valutato" not in content
    # The administrator persona reads Italian.
    assert "€ 600.000,00" in content  # remaining
    assert "€ 400.000,00" in content  # committed


# Deciding ----------------------------------------------------------------------------


def test_an_administrator_approves_through_the_page(eligible_project, programme, administrator_client):
    response = administrator_client.post(
        reverse("financing:approve", args=[eligible_project.pk]), {"amount": "45000"}
    )
    assert response.status_code == 302
    eligible_project.refresh_from_db()
    programme.refresh_from_db()
    assert eligible_project.status == ProjectStatus.APPROVED
    assert programme.committed_amount == Decimal("45000.00")


def test_an_amount_over_the_request_is_shown_beside_the_field(eligible_project, administrator_client):
    everyone_reads_english()
    response = administrator_client.post(
        reverse("financing:approve", args=[eligible_project.pk]), {"amount": "99000"}
    )
    assert response.status_code == 400
    assert (
        "cannot be more than the financing requested" in response.context["approve_form"].errors["amount"][0]
    )


@pytest.mark.parametrize("persona", ["sme_member", "manager", "staff"])
def test_only_administrators_may_post_a_decision(persona_clients, eligible_project, persona):
    client = persona_clients[persona]
    assert (
        client.post(reverse("financing:approve", args=[eligible_project.pk]), {"amount": "1"}).status_code
        == 403
    )
    assert (
        client.post(reverse("financing:reject", args=[eligible_project.pk]), {"reason": "No"}).status_code
        == 403
    )
    eligible_project.refresh_from_db()
    assert eligible_project.status == ProjectStatus.ELIGIBLE


def test_a_rejection_needs_a_reason_beside_the_field(eligible_project, administrator_client):
    response = administrator_client.post(
        reverse("financing:reject", args=[eligible_project.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    assert response.context["reject_form"].errors["reason"]


def test_a_recused_administrator_sees_it_and_cannot_decide(eligible_project, administrator_client):
    everyone_reads_english()
    response = administrator_client.post(
        reverse("financing:conflict", args=[eligible_project.pk]), {"reason": "Socio dell'impresa."}
    )
    assert response.status_code == 302
    page = administrator_client.get(detail_url(eligible_project))
    assert page.context["has_recused"] and not page.context["may_decide"]
    assert "take no part" in page.content.decode()
    response = administrator_client.post(
        reverse("financing:approve", args=[eligible_project.pk]), {"amount": "1000"}
    )
    assert response.status_code == 403


def test_the_page_shows_who_approved_and_who_is_awaited(eligible_project, programme, administrator_user):
    everyone_reads_english()
    Programme.objects.filter(pk=programme.pk).update(two_administrators_required=True)
    awaited = AdministratorFactory(first_name="Carla", last_name="Mauri", language="en")
    services.project_approve(project=eligible_project, amount=Decimal("50000"), by=administrator_user)
    client = sign_in(Client(), awaited)
    response = client.get(detail_url(eligible_project))
    decision = response.context["decision"]
    assert [approval.administrator for approval in decision.approvals] == [administrator_user]
    assert decision.awaited == [awaited]
    assert "Confirm the approval" in response.content.decode()
    # The second administrator confirms without typing the amount again.
    assert client.post(reverse("financing:approve", args=[eligible_project.pk])).status_code == 302
    eligible_project.refresh_from_db()
    assert eligible_project.status == ProjectStatus.APPROVED
    assert eligible_project.amount_granted == Decimal("50000.00")


# After approval ----------------------------------------------------------------------


def test_staff_record_codes_and_start_through_the_page(approved_project, staff_client):
    response = staff_client.post(
        reverse("financing:codes", args=[approved_project.pk]),
        {"cup_code": "J41B26000120007", "state_aid_code": "2345678"},
    )
    assert response.status_code == 302
    response = staff_client.post(
        reverse("financing:start", args=[approved_project.pk]),
        {"started_on": approved_project.decided_at.date()},
    )
    assert response.status_code == 302
    approved_project.refresh_from_db()
    assert approved_project.status == ProjectStatus.STARTED


def test_a_malformed_cup_is_shown_beside_its_field(approved_project, staff_client):
    response = staff_client.post(
        reverse("financing:codes", args=[approved_project.pk]), {"cup_code": "ABC", "state_aid_code": "1"}
    )
    assert response.status_code == 400
    assert response.context["codes_form"].errors["cup_code"]


def test_the_company_reports_a_milestone_and_staff_pay_it_through_the_page(
    started_project, sme_client, staff_client
):
    everyone_reads_english()
    milestone = started_project.milestones.first()
    prefix = f"milestone-{milestone.pk}"
    response = sme_client.post(
        reverse("financing:milestone_reached", args=[started_project.pk, milestone.pk]),
        {f"{prefix}-evidence": "Collaudo firmato il 3 marzo."},
    )
    assert response.status_code == 302
    page = staff_client.get(detail_url(started_project))
    assert "Checked: pay the tranche" in page.content.decode()
    response = staff_client.post(
        reverse("financing:milestone_pay", args=[started_project.pk, milestone.pk]),
        {f"{prefix}-amount": "20000"},
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.PAID


def test_a_payment_over_what_is_unpaid_is_shown_beside_the_field(started_project, staff_client):
    everyone_reads_english()
    milestone = reach(started_project.milestones.first())
    prefix = f"milestone-{milestone.pk}"
    response = staff_client.post(
        reverse("financing:milestone_pay", args=[started_project.pk, milestone.pk]),
        {f"{prefix}-amount": "60000.01"},
    )
    assert response.status_code == 400
    assert "still to be paid" in response.content.decode()


def test_another_company_cannot_reach_a_projects_milestones(started_project):
    client = sign_in(Client(), SmeMemberFactory())
    milestone = started_project.milestones.first()
    response = client.post(
        reverse("financing:milestone_reached", args=[started_project.pk, milestone.pk]),
        {f"milestone-{milestone.pk}-evidence": "Fatto."},
    )
    assert response.status_code == 404


def test_final_report_close_and_revoke_through_the_pages(
    started_project, sme_client, staff_client, administrator_client, programme
):
    assert (
        sme_client.post(
            reverse("financing:final_report", args=[started_project.pk]),
            {"final_report": "Obiettivi raggiunti."},
        ).status_code
        == 302
    )
    # Administrators revoke, staff close: each refused the other's action.
    assert (
        staff_client.post(reverse("financing:revoke", args=[started_project.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert administrator_client.post(reverse("financing:close", args=[started_project.pk])).status_code == 403
    assert staff_client.post(reverse("financing:close", args=[started_project.pk])).status_code == 302
    started_project.refresh_from_db()
    programme.refresh_from_db()
    assert started_project.status == ProjectStatus.CLOSED
    assert programme.committed_amount == 0


def test_an_administrator_revokes_through_the_page(approved_project, administrator_client, programme):
    response = administrator_client.post(
        reverse("financing:revoke", args=[approved_project.pk]), {"reason": "Rinuncia dell'impresa."}
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.committed_projects, programme.committed_amount) == (0, 0)


# Administrator home ------------------------------------------------------------------


def test_the_administrators_home_shows_the_envelope_and_projects_awaiting(
    eligible_project, administrator_client
):
    response = administrator_client.get(reverse("home:administrator"))
    content = response.content.decode()
    assert response.status_code == 200
    assert eligible_project.title in content
    assert reverse("financing:board") in content
    assert response.context["home"].awaiting_me == [eligible_project]


# Query counts ------------------------------------------------------------------------


def _many(programme, count: int, **fields) -> None:
    for _ in range(count):
        make_project(programme, **fields)


@pytest.mark.parametrize("extra", [0, 4])
def test_the_board_makes_the_same_queries_at_any_size(
    programme, administrator_client, django_assert_num_queries, extra
):
    _many(programme, 1 + extra)
    project = make_project(programme)
    services.project_declare_conflict(project=project, reason="Parente.", by=AdministratorFactory())
    administrator_client.get(reverse("financing:board"))  # session and roles warmed
    with django_assert_num_queries(12):
        assert administrator_client.get(reverse("financing:board")).status_code == 200


@pytest.mark.parametrize("extra", [0, 4])
def test_the_portfolio_makes_the_same_queries_at_any_size(
    programme, staff_client, django_assert_num_queries, extra
):
    _many(programme, 1 + extra, status=ProjectStatus.STARTED)
    staff_client.get(reverse("financing:portfolio"))
    # The page's keys, then its rows (KeysFirstPaginator): one more than a plain page.
    with django_assert_num_queries(11):
        assert staff_client.get(reverse("financing:portfolio")).status_code == 200


@pytest.mark.parametrize("extra", [0, 4])
def test_the_administrators_home_makes_the_same_queries_at_any_size(
    programme, administrator_client, django_assert_num_queries, extra
):
    _many(programme, 1 + extra)
    administrator_client.get(reverse("home:administrator"))
    with django_assert_num_queries(12):
        assert administrator_client.get(reverse("home:administrator")).status_code == 200


@pytest.mark.parametrize("milestones", [1, 6])
def test_the_project_page_makes_the_same_queries_at_any_size(
    programme, staff_client, django_assert_num_queries, milestones
):
    project = make_project(programme, status=ProjectStatus.STARTED, tranches=("1000",) * milestones)
    for milestone in project.milestones.all()[: milestones // 2]:
        reach(milestone)
    staff_client.get(detail_url(project))
    with django_assert_num_queries(13):
        assert staff_client.get(detail_url(project)).status_code == 200


def test_the_company_sees_its_plan_and_can_report_a_milestone(started_project, sme_client):
    response = sme_client.get(detail_url(started_project))
    assert response.status_code == 200
    assert response.context["may_report_milestone"]
    assert not response.context["may_pay"] and not response.context["may_decide"]
    content = response.content.decode()
    assert (
        reverse(
            "financing:milestone_reached", args=[started_project.pk, started_project.milestones.first().pk]
        )
        in content
    )
    assert reverse("financing:revoke", args=[started_project.pk]) not in content
