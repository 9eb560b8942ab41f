"""The workspace's services: visits and the SME's answers, the draft saved section by
section, recommendations, the submission."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from assessments.models import AssessmentStatus, Finding, ProjectOutline, Recommendation, VisitConfirmation
from assessments.work import services
from programme.models import AuditEntry, Notification
from programme.reference import AssessmentArea
from tests.assessments.work_fixtures import *  # noqa: F403
from tests.assessments.work_fixtures import (
    add_recommendations,
    add_visits,
    make_accepted,
    member_of,
    score_every_dimension,
)
from tests.factories import SmeMemberFactory

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def log_visit(assessment, by, **overrides):
    values = {
        "held_on": YESTERDAY,
        "duration_unit": "hours",
        "duration": Decimal("4"),
        "mode": "on_site",
        "participants": "Giulia Verdi",
        "preparation_hours": Decimal("1"),
        "notes": "Giro dello stabilimento.",
    }
    values.update(overrides)
    return services.visit_record(assessment=assessment, **values, by=by)


def errors_of(raised) -> dict:
    return {
        name: [str(message) for message in messages] for name, messages in raised.value.message_dict.items()
    }


# Visits ------------------------------------------------------------------------------


def test_the_first_visit_starts_the_work_and_asks_the_sme_to_confirm(accepted, manager_user, milan_member):
    visit = log_visit(accepted, manager_user)
    accepted.refresh_from_db()
    assert accepted.status == AssessmentStatus.IN_PROGRESS
    assert accepted.started_at is not None
    assert visit.days == Decimal("0.5")
    assert visit.confirmation == VisitConfirmation.PENDING
    assert visit.recorded_by == manager_user
    actions = list(AuditEntry.objects.filter(object_id=str(accepted.pk)).values_list("action", flat=True))
    assert actions == ["started", "visit_recorded"]
    notification = Notification.objects.get(recipient=milan_member)
    assert notification.event == "work_visit_recorded"
    assert notification.link.endswith("/pmi/valutazione/visite/")


def test_a_visit_in_the_future_or_before_acceptance_is_refused(accepted, manager_user):
    with pytest.raises(ValidationError) as raised:
        log_visit(accepted, manager_user, held_on=timezone.localdate() + datetime.timedelta(days=1))
    assert "held_on" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        log_visit(accepted, manager_user, held_on=timezone.localdate() - datetime.timedelta(days=30))
    assert "held_on" in raised.value.message_dict
    accepted.refresh_from_db()
    assert accepted.status == AssessmentStatus.ACCEPTED
    assert not accepted.visits.exists()


def test_durations_are_in_half_steps_and_one_day_at_most(accepted, manager_user):
    for unit, duration in (("hours", "1.3"), ("hours", "11"), ("half_days", "3"), ("half_days", "0")):
        with pytest.raises(ValidationError) as raised:
            log_visit(accepted, manager_user, duration_unit=unit, duration=Decimal(duration))
        assert "duration" in raised.value.message_dict
    assert log_visit(accepted, manager_user, duration_unit="half_days", duration=Decimal("2")).days == 1


def test_going_past_the_allowance_needs_a_reason(accepted, manager_user, programme):
    add_visits(accepted, 19, hours="4")  # 9.5 days of the 10
    with pytest.raises(ValidationError) as raised:
        log_visit(accepted, manager_user, duration=Decimal("8"))
    assert "10.5 days of the 10" in errors_of(raised)["over_allowance_reason"][0]
    visit = log_visit(
        accepted,
        manager_user,
        duration=Decimal("8"),
        over_allowance_reason="Il cliente ha chiesto un giorno in più.",
    )
    assert visit.over_allowance_reason.startswith("Il cliente")
    # Exactly at the allowance needs no reason.
    other = make_accepted(programme_application(programme), second_manager(accepted))
    add_visits(other, 18, hours="4")
    log_visit(other, other.manager.user, duration=Decimal("8"))


def programme_application(programme):
    from tests.assessments.conftest import enrolled

    return enrolled(programme, "MI", "Milano")


def second_manager(accepted):
    from managers.models import Manager

    return Manager.objects.exclude(pk=accepted.manager_id).get(programme=accepted.programme)


def test_changing_when_or_how_long_asks_the_sme_again(accepted, manager_user, milan_member):
    visit = log_visit(accepted, manager_user)
    services.visit_answer(visit=visit, confirmed=True, by=milan_member)
    notes_only = services.visit_update(
        visit=visit,
        held_on=YESTERDAY,
        duration_unit="hours",
        duration=Decimal("4"),
        mode="on_site",
        notes="Note riviste.",
        by=manager_user,
    )
    assert notes_only.confirmation == VisitConfirmation.CONFIRMED
    changed = services.visit_update(
        visit=visit,
        held_on=YESTERDAY,
        duration_unit="hours",
        duration=Decimal("6"),
        mode="on_site",
        by=manager_user,
    )
    assert changed.confirmation == VisitConfirmation.PENDING
    assert changed.answered_by is None
    assert Notification.objects.filter(recipient=milan_member, event="work_visit_recorded").count() == 2


def test_a_confirmed_visit_cannot_be_deleted_a_pending_one_can(accepted, manager_user, milan_member):
    confirmed = log_visit(accepted, manager_user)
    services.visit_answer(visit=confirmed, confirmed=True, by=milan_member)
    with pytest.raises(ValidationError):
        services.visit_delete(visit=confirmed, by=manager_user)
    pending = log_visit(accepted, manager_user)
    services.visit_delete(visit=pending, by=manager_user)
    assert list(accepted.visits.all()) == [confirmed]
    assert AuditEntry.objects.filter(action="visit_deleted", object_id=str(accepted.pk)).exists()


def test_only_the_assigned_manager_logs_visits(accepted, pool, staff_user, milan_member):
    for someone in (pool.second.user, staff_user, milan_member):
        with pytest.raises(PermissionDenied):
            log_visit(accepted, someone)
    assert not accepted.visits.exists()


def test_the_sme_disputes_a_visit_with_a_comment_the_manager_is_told(accepted, manager_user, milan_member):
    visit = log_visit(accepted, manager_user)
    with pytest.raises(ValidationError) as raised:
        services.visit_answer(visit=visit, confirmed=False, comment="  ", by=milan_member)
    assert "comment" in raised.value.message_dict
    disputed = services.visit_answer(
        visit=visit, confirmed=False, comment="Siamo stati insieme due ore, non quattro.", by=milan_member
    )
    assert disputed.confirmation == VisitConfirmation.DISPUTED
    assert disputed.sme_comment == "Siamo stati insieme due ore, non quattro."
    assert disputed.answered_by == milan_member
    assert Notification.objects.get(recipient=manager_user, event="work_visit_disputed").link.endswith(
        f"/manager/valutazione/{accepted.pk}/"
    )
    entry = AuditEntry.objects.get(action="visit_disputed")
    assert entry.reason == disputed.sme_comment
    confirmed = services.visit_answer(visit=visit, confirmed=True, by=milan_member)
    assert confirmed.confirmation == VisitConfirmation.CONFIRMED


def test_only_members_of_the_company_answer_its_visits(accepted, manager_user, pool):
    visit = log_visit(accepted, manager_user)
    for someone in (SmeMemberFactory(), member_of(pool.bergamo), manager_user):
        with pytest.raises(PermissionDenied):
            services.visit_answer(visit=visit, confirmed=True, by=someone)


@pytest.mark.django_db(transaction=True)
def test_two_visits_logged_at_once_cannot_both_pass_the_allowance_without_a_reason(pool, manager_user):
    assessment = make_accepted(pool.milan, pool.first)
    add_visits(assessment, 18, hours="4")  # 9 days: one more day reaches 10, two pass it
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait()
            log_visit(assessment, manager_user, duration=Decimal("8"))
            outcomes.append("saved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "saved"]
    assert assessment.visits.count() == 19


# The draft -------------------------------------------------------------------------------


def test_a_wrong_field_is_refused_and_everything_else_is_saved(accepted, manager_user):
    result = services.draft_save(
        assessment=accepted,
        findings={
            AssessmentArea.DIGITAL_STRATEGY: {
                "current_level": 7,
                "target_level": 4,
                "evidence": "Piano scritto",
            },
            AssessmentArea.FINANCE_CONTROL: {"current_level": 2, "target_level": 3, "gaps": "Nessun budget"},
        },
        outline={"title": "", "objectives": "Collegare le macchine", "estimated_cost": Decimal("-5")},
        summary="Azienda solida.",
        by=manager_user,
    )
    assert result.errors == {
        "finding-digital_strategy": {"current_level": ["Choose a level from 0 to 5."]},
        "outline": {
            "estimated_cost": ["The cost cannot be negative."],
            "title": ["Give the project a title."],
        },
    }
    strategy = Finding.objects.get(assessment=accepted, dimension=AssessmentArea.DIGITAL_STRATEGY)
    assert (strategy.current_level, strategy.target_level, strategy.evidence) == (None, 4, "Piano scritto")
    finance = Finding.objects.get(assessment=accepted, dimension=AssessmentArea.FINANCE_CONTROL)
    assert (finance.current_level, finance.target_level, finance.gaps) == (2, 3, "Nessun budget")
    outline = ProjectOutline.objects.get(assessment=accepted)
    assert (outline.objectives, outline.estimated_cost) == ("Collegare le macchine", None)
    accepted.refresh_from_db()
    assert accepted.summary == "Azienda solida."
    assert accepted.status == AssessmentStatus.IN_PROGRESS
    assert accepted.draft_saved_at == result.saved_at


def test_a_target_below_the_current_level_keeps_the_levels_and_saves_the_text(accepted, manager_user):
    services.draft_save(
        assessment=accepted,
        findings={"automation_ai": {"current_level": 1, "target_level": 3}},
        by=manager_user,
    )
    result = services.draft_save(
        assessment=accepted,
        findings={"automation_ai": {"current_level": 4, "target_level": 2, "strengths": "Robot in linea"}},
        by=manager_user,
    )
    assert result.errors == {
        "finding-automation_ai": {"target_level": ["The target level cannot be below the current level."]}
    }
    finding = Finding.objects.get(assessment=accepted, dimension="automation_ai")
    assert (finding.current_level, finding.target_level, finding.strengths) == (1, 3, "Robot in linea")


def test_an_empty_draft_neither_starts_the_work_nor_creates_rows(accepted, manager_user):
    result = services.draft_save(
        assessment=accepted,
        findings={"green_digital": {"current_level": None, "target_level": None, "evidence": ""}},
        outline={
            "title": "",
            "objectives": "",
            "dimensions": [],
            "estimated_cost": None,
            "duration_months": None,
        },
        summary="",
        by=manager_user,
    )
    assert result.errors == {} and result.stored == []
    accepted.refresh_from_db()
    assert accepted.status == AssessmentStatus.ACCEPTED
    assert not Finding.objects.exists() and not ProjectOutline.objects.exists()


def test_an_outline_emptied_of_everything_is_deleted(accepted, manager_user):
    services.draft_save(
        assessment=accepted, outline={"title": "Linea MES", "duration_months": 12}, by=manager_user
    )
    assert ProjectOutline.objects.filter(assessment=accepted).exists()
    services.draft_save(
        assessment=accepted,
        outline={
            "title": "",
            "objectives": "",
            "dimensions": [],
            "estimated_cost": None,
            "duration_months": None,
        },
        by=manager_user,
    )
    assert not ProjectOutline.objects.filter(assessment=accepted).exists()


def test_only_the_assigned_manager_saves_and_only_while_the_work_is_open(
    accepted, pool, staff_user, manager_user
):
    for someone in (pool.second.user, staff_user, member_of(pool.milan)):
        with pytest.raises(PermissionDenied):
            services.draft_save(assessment=accepted, summary="x", by=someone)
    type(accepted).objects.filter(pk=accepted.pk).update(status=AssessmentStatus.SUBMITTED)
    with pytest.raises(ValidationError):
        services.draft_save(assessment=accepted, summary="x", by=manager_user)


# Recommendations ----------------------------------------------------------------------


def test_recommendations_are_added_at_the_end_moved_and_deleted(accepted, manager_user):
    def add(title: str) -> Recommendation:
        return services.recommendation_add(
            assessment=accepted, title=title, dimension="operations_lean", horizon_months=6, by=manager_user
        )

    first, second, third = add("Primo"), add("Secondo"), add("Terzo")
    assert [item.position for item in (first, second, third)] == [0, 1, 2]
    services.recommendation_move(recommendation=third, direction="up", by=manager_user)
    titles = list(accepted.recommendations.order_by("position").values_list("title", flat=True))
    assert titles == ["Primo", "Terzo", "Secondo"]
    services.recommendation_move(recommendation=first, direction="up", by=manager_user)  # already first
    services.recommendation_delete(recommendation=first, by=manager_user)
    rows = list(accepted.recommendations.order_by("position").values_list("title", "position"))
    assert rows == [("Terzo", 0), ("Secondo", 1)]
    with pytest.raises(ValidationError) as raised:
        services.recommendation_add(
            assessment=accepted, title=" ", dimension="nowhere", horizon_months=0, by=manager_user
        )
    assert set(raised.value.message_dict) == {"title", "dimension", "horizon_months"}


def test_an_edited_recommendation_keeps_its_valid_fields(accepted, manager_user):
    (recommendation,) = add_recommendations(accepted, 1)
    result = services.draft_save(
        assessment=accepted,
        recommendations={recommendation.pk: {"title": "", "description": "Nuovo testo", "priority": "high"}},
        by=manager_user,
    )
    assert result.errors == {f"recommendation-{recommendation.pk}": {"title": ["This field is required."]}}
    recommendation.refresh_from_db()
    assert (recommendation.title, recommendation.description, recommendation.priority) == (
        "Raccomandazione 0",
        "Nuovo testo",
        "high",
    )


# Submission ---------------------------------------------------------------------------


def test_submission_is_refused_with_what_is_missing(accepted, manager_user):
    log_visit(accepted, manager_user)
    services.draft_save(
        assessment=accepted, findings={"digital_strategy": {"current_level": 2}}, by=manager_user
    )
    add_recommendations(accepted, 1)
    with pytest.raises(ValidationError) as raised:
        services.assessment_submit(assessment=accepted, by=manager_user)
    messages = raised.value.messages
    assert len(messages) == 2
    assert messages[0].startswith("Score the current and target level of: Digital business strategy, Digital")
    assert "Organisation and people" in messages[0]
    assert messages[1] == "Add 2 more recommendations (at least 3 are needed)."
    accepted.refresh_from_db()
    assert accepted.status == AssessmentStatus.IN_PROGRESS


def test_a_complete_report_is_submitted_and_staff_are_told(accepted, manager_user, staff_user):
    log_visit(accepted, manager_user)
    score_every_dimension(accepted)
    add_recommendations(accepted, 3)
    submitted = services.assessment_submit(assessment=accepted, by=manager_user)
    assert submitted.status == AssessmentStatus.SUBMITTED
    assert submitted.submitted_at is not None
    notification = Notification.objects.get(recipient=staff_user, event="work_report_submitted")
    assert submitted.application.company.legal_name in notification.subject
    entry = AuditEntry.objects.get(action="submitted", object_id=str(accepted.pk))
    assert (entry.from_status, entry.to_status, entry.actor) == ("in_progress", "submitted", manager_user)
    # The report is read-only now.
    with pytest.raises(ValidationError):
        log_visit(accepted, manager_user)
    with pytest.raises(ValidationError):
        services.assessment_submit(assessment=accepted, by=manager_user)


def test_an_accepted_assessment_without_work_cannot_be_submitted(accepted, manager_user, pool):
    score_every_dimension(accepted)
    add_recommendations(accepted, 3)
    with pytest.raises(ValidationError):
        services.assessment_submit(assessment=accepted, by=manager_user)
    with pytest.raises(PermissionDenied):
        services.assessment_submit(assessment=accepted, by=pool.second.user)
