"""The workspace and the SME's visit log as each persona uses them: who sees what, the
sections saved on their own and by the autosave, a session that expired, submission."""

from __future__ import annotations

import datetime
import json
import time
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import AssessmentStatus, Finding, Recommendation, Visit, VisitConfirmation
from assessments.work import services
from programme.middleware import LAST_SEEN_KEY
from programme.models import Session, User
from programme.reference import AssessmentArea
from tests.assessments.work_fixtures import *  # noqa: F403
from tests.assessments.work_fixtures import (
    add_recommendations,
    add_visits,
    member_of,
    score_every_dimension,
)
from tests.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "login"
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def pages_in_english(pool, manager_user, staff_user) -> None:
    """The pages read in English, the source language, whatever the catalogue holds."""
    User.objects.update(language="en")


def expect(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:500]


@pytest.fixture
def other_manager_client(pool) -> Client:
    return sign_in(Client(), pool.second.user)


@pytest.fixture
def other_member_client(pool) -> Client:
    return sign_in(Client(), member_of(pool.bergamo))


@pytest.fixture
def clients(persona_clients, other_manager_client, member_client, other_member_client) -> dict[str, Client]:
    """Every persona, plus the SME of the assessment, another SME and another manager."""
    return {
        **persona_clients,
        "company_member": member_client,
        "other_member": other_member_client,
        "other_manager": other_manager_client,
    }


def visit_data(**overrides) -> dict:
    data = {
        "held_on": YESTERDAY.isoformat(),
        "duration_unit": "half_days",
        "duration": "1",
        "mode": "remote",
        "participants": "Giulia Verdi",
        "preparation_hours": "0.5",
        "notes": "",
        "over_allowance_reason": "",
    }
    data.update(overrides)
    return data


def finding_data(dimension: str, **values) -> dict:
    fields = {"current_level": "", "target_level": "", "evidence": "", "strengths": "", "gaps": ""}
    fields.update(values)
    return {f"finding-{dimension}-{name}": value for name, value in fields.items()}


# Who sees what -----------------------------------------------------------------------------


def test_the_workspace_answers_each_persona_by_the_refusal_rule(clients, accepted):
    url = reverse("work:workspace", args=[accepted.pk])
    expected = {
        "anonymous": LOGIN,
        "sme_member": 403,
        "company_member": 403,
        "other_member": 403,
        "administrator": 403,
        "other_manager": 404,
        "manager": 200,
        "staff": 200,
    }
    for persona, answer in expected.items():
        expect(clients[persona].get(url), answer)


def test_staff_read_the_workspace_without_forms(staff_client, accepted, manager_user):
    services.draft_save(
        assessment=accepted,
        findings={"digital_strategy": {"current_level": 1, "target_level": 3}},
        by=manager_user,
    )
    response = staff_client.get(reverse("work:workspace", args=[accepted.pk]))
    body = response.content.decode()
    assert "1 - aware" in body and "3 - adopted in part" in body
    assert reverse("work:draft", args=[accepted.pk]) not in body
    assert "autosave.js" not in body


def test_a_workspace_exists_only_once_the_manager_accepted(manager_client, pool):
    from assessments.models import Assessment

    assigned = Assessment.objects.create(
        programme=pool.programme,
        application=pool.milan,
        manager=pool.first,
        answer_due_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    expect(manager_client.get(reverse("work:workspace", args=[assigned.pk])), 404)


def test_writes_by_anyone_but_the_assigned_manager_change_nothing(clients, accepted, manager_user):
    visit = services.visit_record(
        assessment=accepted,
        held_on=YESTERDAY,
        duration_unit="hours",
        duration=Decimal("2"),
        mode="on_site",
        by=manager_user,
    )
    (recommendation,) = add_recommendations(accepted, 1)
    posts = [
        (reverse("work:draft", args=[accepted.pk]), {"summary-summary": "Intrusione"}),
        (reverse("work:visit_add", args=[accepted.pk]), visit_data()),
        (reverse("work:visit_edit", args=[visit.pk]), visit_data(duration="2")),
        (reverse("work:visit_delete", args=[visit.pk]), {}),
        (reverse("work:recommendation_add", args=[accepted.pk]), {"new-recommendation-title": "X"}),
        (reverse("work:recommendation_delete", args=[recommendation.pk]), {}),
        (reverse("work:recommendation_move", args=[recommendation.pk]), {"direction": "down"}),
        (reverse("work:submit", args=[accepted.pk]), {}),
    ]
    expected = {
        "anonymous": LOGIN,
        "sme_member": 403,
        "company_member": 403,
        "staff": 403,
        "administrator": 403,
        "other_manager": 404,
    }
    for persona, answer in expected.items():
        for url, data in posts:
            expect(clients[persona].post(url, data), answer)
    accepted.refresh_from_db()
    assert accepted.summary == ""
    assert accepted.visits.count() == 1 and accepted.recommendations.count() == 1
    visit.refresh_from_db()
    assert visit.duration == Decimal("2")


def test_a_submitted_report_is_read_only_for_its_manager(manager_client, accepted):
    type(accepted).objects.filter(pk=accepted.pk).update(status=AssessmentStatus.SUBMITTED)
    response = manager_client.get(reverse("work:workspace", args=[accepted.pk]))
    assert response.status_code == 200
    assert "autosave.js" not in response.content.decode()
    expect(manager_client.post(reverse("work:draft", args=[accepted.pk]), {"summary-summary": "x"}), 403)
    expect(manager_client.get(reverse("work:visit_add", args=[accepted.pk])), 403)


# Visits ----------------------------------------------------------------------------------------


def test_the_manager_logs_a_visit_and_the_company_confirms_it(manager_client, member_client, accepted):
    response = manager_client.post(reverse("work:visit_add", args=[accepted.pk]), visit_data())
    assert response.status_code == 302
    visit = Visit.objects.get(assessment=accepted)
    page = manager_client.get(reverse("work:workspace", args=[accepted.pk])).content.decode()
    assert "0.50 of 10 days used" in page
    sme_page = member_client.get(reverse("work:sme_visits"))
    assert sme_page.status_code == 200
    assert "Giulia Verdi" in sme_page.content.decode()
    answer = member_client.post(
        reverse("work:visit_answer", args=[visit.pk]), {f"visit-{visit.pk}-answer": "confirm"}
    )
    assert answer.status_code == 302
    visit.refresh_from_db()
    assert visit.confirmation == VisitConfirmation.CONFIRMED


def test_a_dispute_without_a_comment_is_shown_beside_the_field(member_client, accepted, manager_user):
    visit = services.visit_record(
        assessment=accepted,
        held_on=YESTERDAY,
        duration_unit="hours",
        duration=Decimal("3"),
        mode="on_site",
        by=manager_user,
    )
    response = member_client.post(
        reverse("work:visit_answer", args=[visit.pk]), {f"visit-{visit.pk}-answer": "dispute"}
    )
    assert response.status_code == 400
    assert "Tell the manager and staff what is wrong with this visit." in response.content.decode()
    visit.refresh_from_db()
    assert visit.confirmation == VisitConfirmation.PENDING


def test_other_smes_cannot_see_or_answer_the_visits(other_member_client, sme_client, accepted, manager_user):
    visit = services.visit_record(
        assessment=accepted,
        held_on=YESTERDAY,
        duration_unit="hours",
        duration=Decimal("3"),
        mode="on_site",
        by=manager_user,
    )
    for client in (other_member_client, sme_client):
        page = client.get(reverse("work:sme_visits"))
        assert page.status_code == 200
        assert reverse("work:visit_answer", args=[visit.pk]) not in page.content.decode()
        expect(
            client.post(
                reverse("work:visit_answer", args=[visit.pk]), {f"visit-{visit.pk}-answer": "confirm"}
            ),
            404,
        )
    visit.refresh_from_db()
    assert visit.confirmation == VisitConfirmation.PENDING


def test_past_the_allowance_the_visit_form_asks_why(manager_client, accepted):
    add_visits(accepted, 20, hours="4")
    response = manager_client.post(reverse("work:visit_add", args=[accepted.pk]), visit_data())
    assert response.status_code == 400
    assert "say why the programme should count the extra time" in response.content.decode()
    response = manager_client.post(
        reverse("work:visit_add", args=[accepted.pk]), visit_data(over_allowance_reason="Richiesta della PMI")
    )
    assert response.status_code == 302
    assert accepted.visits.count() == 21


# Sections and autosave ---------------------------------------------------------------------


def test_a_section_saves_on_its_own_and_a_wrong_field_keeps_the_rest(manager_client, accepted):
    url = reverse("work:draft", args=[accepted.pk])
    response = manager_client.post(
        url, finding_data("digital_readiness", current_level="2", target_level="4", gaps="ERP vecchio")
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#finding-digital_readiness")
    response = manager_client.post(
        url, finding_data("digital_readiness", current_level="9", target_level="5", gaps="ERP del 2004")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Select a valid choice" in body  # beside the field, the posted values kept
    finding = Finding.objects.get(assessment=accepted, dimension="digital_readiness")
    assert (finding.current_level, finding.target_level, finding.gaps) == (2, 5, "ERP del 2004")


def test_the_autosave_answers_in_json_with_the_refused_fields_and_saves_the_others(manager_client, accepted):
    (recommendation,) = add_recommendations(accepted, 1)
    data = {
        **finding_data("human_centric", current_level="1", target_level="0", evidence="Formazione assente"),
        **finding_data("green_digital", current_level="3", target_level="4"),
        f"recommendation-{recommendation.pk}-title": "",
        f"recommendation-{recommendation.pk}-dimension": "green_digital",
        f"recommendation-{recommendation.pk}-description": "Misurare i consumi",
        f"recommendation-{recommendation.pk}-priority": "high",
        f"recommendation-{recommendation.pk}-impact": "high",
        f"recommendation-{recommendation.pk}-effort": "low",
        f"recommendation-{recommendation.pk}-horizon_months": "12",
        "summary-summary": "Bozza della sintesi",
        "autosave": "1",
    }
    response = manager_client.post(
        reverse("work:draft", args=[accepted.pk]), data, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert answer["errors"] == {
        "finding-human_centric": {"target_level": ["The target level cannot be below the current level."]},
        f"recommendation-{recommendation.pk}": {"title": ["This field is required."]},
    }
    assert answer["saved_at_display"]
    human = Finding.objects.get(assessment=accepted, dimension="human_centric")
    assert (human.current_level, human.target_level, human.evidence) == (None, None, "Formazione assente")
    assert Finding.objects.get(assessment=accepted, dimension="green_digital").is_scored
    recommendation.refresh_from_db()
    assert (recommendation.title, recommendation.description, recommendation.horizon_months) == (
        "Raccomandazione 0",
        "Misurare i consumi",
        12,
    )
    accepted.refresh_from_db()
    assert accepted.summary == "Bozza della sintesi"
    assert accepted.status == AssessmentStatus.IN_PROGRESS


def test_after_the_session_expires_the_manager_signs_in_again_and_finds_the_draft(manager_user, accepted):
    client = sign_in(Client(), manager_user)
    workspace_url = reverse("work:workspace", args=[accepted.pk])
    draft_url = reverse("work:draft", args=[accepted.pk])
    saved = client.post(
        draft_url,
        {
            **finding_data("data_management", current_level="2", target_level="3", evidence="Backup manuali"),
            "summary-summary": "Ultima bozza",
        },
        HTTP_ACCEPT="application/json",
    )
    assert saved.status_code == 200
    Session.objects.all().delete()  # the session expires on the server

    late = client.post(draft_url, {"summary-summary": "Mai salvata"}, HTTP_ACCEPT="application/json")
    assert late.status_code == 401
    login_url = json.loads(late.content)["login_url"]
    assert login_url == f"{reverse('account_login')}?next={workspace_url.replace('/', '%2F')}"
    # Without the page's script, a section's button is sent to sign in with the same way back.
    plain = client.post(draft_url, {"summary-summary": "Mai salvata"})
    assert plain.status_code == 302 and plain["Location"] == login_url

    signed_in = client.post(
        login_url,
        {"login": manager_user.email, "password": PASSWORD, "next": workspace_url},
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == workspace_url
    page = client.get(signed_in["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "Backup manuali" in body and "Ultima bozza" in body and "Mai salvata" not in body
    assert 'value="2" selected' in body
    # Coming back to the address of a section's button (after signing in) lands on the page.
    assert client.get(draft_url)["Location"] == workspace_url


def test_the_page_loads_the_autosave_script_with_the_nonce(manager_client, accepted):
    response = manager_client.get(reverse("work:workspace", args=[accepted.pk]))
    body = response.content.decode()
    nonce = response.wsgi_request.csp_nonce
    assert f'src="/static/js/autosave.js" nonce="{nonce}"' in body
    assert 'data-autosave-seconds="60"' in body
    assert body.count("data-autosave ") + body.count("data-autosave>") == len(AssessmentArea.values) + 2


# Recommendations and submission ----------------------------------------------------------------


def test_recommendations_are_added_moved_and_deleted_through_the_page(manager_client, accepted):
    add_url = reverse("work:recommendation_add", args=[accepted.pk])
    refused = manager_client.post(
        add_url, {"new-recommendation-title": "", "new-recommendation-dimension": "finance_control"}
    )
    assert refused.status_code == 400
    for title in ("Controllo di gestione", "Budget annuale"):
        response = manager_client.post(
            add_url,
            {
                "new-recommendation-title": title,
                "new-recommendation-dimension": "finance_control",
                "new-recommendation-priority": "high",
                "new-recommendation-impact": "medium",
                "new-recommendation-effort": "low",
                "new-recommendation-horizon_months": "6",
            },
        )
        assert response.status_code == 302
    second = Recommendation.objects.get(title="Budget annuale")
    manager_client.post(reverse("work:recommendation_move", args=[second.pk]), {"direction": "up"})
    assert list(accepted.recommendations.order_by("position").values_list("title", flat=True)) == [
        "Budget annuale",
        "Controllo di gestione",
    ]
    manager_client.post(reverse("work:recommendation_delete", args=[second.pk]))
    assert list(accepted.recommendations.values_list("title", flat=True)) == ["Controllo di gestione"]


def test_the_page_says_what_is_missing_and_submits_once_complete(manager_client, accepted, manager_user):
    page = manager_client.get(reverse("work:workspace", args=[accepted.pk])).content.decode()
    assert "Score the current and target level of:" in page
    assert "Add 3 more recommendations (at least 3 are needed)." in page
    response = manager_client.post(reverse("work:submit", args=[accepted.pk]), follow=True)
    assert response.status_code == 403  # still accepted: nothing to submit yet
    services.visit_record(
        assessment=accepted,
        held_on=YESTERDAY,
        duration_unit="hours",
        duration=Decimal("3"),
        mode="on_site",
        by=manager_user,
    )
    add_recommendations(accepted, 2)
    response = manager_client.post(reverse("work:submit", args=[accepted.pk]), follow=True)
    body = response.content.decode()
    assert "The report cannot be submitted yet:" in body
    assert "Add 1 more recommendation (at least 3 are needed)." in body
    score_every_dimension(accepted)
    add_recommendations(accepted, 1)
    response = manager_client.post(reverse("work:submit", args=[accepted.pk]), follow=True)
    assert "The report is submitted: staff will validate it." in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.status == AssessmentStatus.SUBMITTED


def test_after_a_return_the_manager_reads_the_staff_comments(manager_client, accepted):
    type(accepted).objects.filter(pk=accepted.pk).update(
        status=AssessmentStatus.IN_PROGRESS,
        returned_at=timezone.now(),
        return_comments="Le raccomandazioni sul digitale sono troppo generiche.",
    )
    body = manager_client.get(reverse("work:workspace", args=[accepted.pk])).content.decode()
    assert "Le raccomandazioni sul digitale sono troppo generiche." in body
    home = manager_client.get(reverse("home:manager")).content.decode()
    assert "Returned with comments" in home


def test_the_manager_home_links_each_accepted_assessment_to_its_workspace(manager_client, accepted):
    body = manager_client.get(reverse("home:manager")).content.decode()
    assert reverse("work:workspace", args=[accepted.pk]) in body


# Query counts -------------------------------------------------------------------------------


def test_the_workspace_makes_the_same_queries_whatever_its_size(
    manager_client, pool, accepted, django_assert_num_queries
):
    url = reverse("work:workspace", args=[accepted.pk])
    add_visits(accepted, 1)
    add_recommendations(accepted, 1)
    manager_client.get(url)  # warm the caches (content types, session) as a real page does
    with django_assert_num_queries(11) as small:
        assert manager_client.get(url).status_code == 200
    add_visits(accepted, 12)
    add_recommendations(accepted, 8)
    score_every_dimension(accepted)
    with django_assert_num_queries(len(small.captured_queries)):
        assert manager_client.get(url).status_code == 200


def test_a_session_ended_for_inactivity_brings_the_manager_back_to_the_page_after_signing_in(
    manager_user, accepted
):
    client = sign_in(Client(), manager_user)
    workspace_url = reverse("work:workspace", args=[accepted.pk])
    draft_url = reverse("work:draft", args=[accepted.pk])
    client.post(draft_url, {"summary-summary": "Bozza del mattino", "autosave": "1"})
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 24 * 3600  # time moved forward: idle since yesterday
    session.save()

    # The idle session goes on as a signed-out one: the autosave gets its 401 and the way back.
    late = client.post(draft_url, {"summary-summary": "Dopo la pausa", "autosave": "1"})
    assert late.status_code == 401
    login_url = json.loads(late.content)["login_url"]
    assert login_url.startswith(reverse("account_login"))
    signed_in = client.post(login_url, {"login": manager_user.email, "password": PASSWORD, "next": draft_url})
    back = client.get(signed_in["Location"], follow=True)
    assert back.redirect_chain[-1][0] == workspace_url
    body = back.content.decode()
    assert "Bozza del mattino" in body and "Dopo la pausa" not in body
