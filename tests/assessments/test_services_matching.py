"""Matching runs and the manager's answer, through the services and the real broker."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments import queries, services
from assessments.models import Assessment, AssessmentStatus, MatchingRun, Proposal, RunStage, RunStatus
from managers.models import Manager
from programme.models import Notification
from tests import celery_queue
from tests.assessments.conftest import selected
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def start(programme, staff, django_capture_on_commit_callbacks) -> MatchingRun:
    with django_capture_on_commit_callbacks(execute=True):
        return services.matching_run_start(programme=programme, by=staff)


def proposed_run(pool, staff, django_capture_on_commit_callbacks) -> MatchingRun:
    run = start(pool.programme, staff, django_capture_on_commit_callbacks)
    celery_queue.run_all()
    run.refresh_from_db()
    assert run.status == RunStatus.PROPOSED
    return run


def confirm(run, staff, django_capture_on_commit_callbacks) -> list[Assessment]:
    with django_capture_on_commit_callbacks(execute=True):
        return services.matching_run_confirm(run=run, by=staff)


def test_a_run_is_queued_on_the_broker_after_commit(pool, django_capture_on_commit_callbacks):
    run = start(pool.programme, StaffFactory(), django_capture_on_commit_callbacks)
    assert run.status == RunStatus.QUEUED
    assert [(task.name, task.args) for task in celery_queue.take_all()] == [
        ("assessments.tasks.run_matching", [run.pk])
    ]


def test_the_task_records_its_stages_and_proposes_the_best_assignment(
    pool, django_capture_on_commit_callbacks
):
    run = proposed_run(pool, StaffFactory(), django_capture_on_commit_callbacks)
    assert [item["stage"] for item in run.stages] == [
        RunStage.LOADING,
        RunStage.SCORING,
        RunStage.SOLVING,
        RunStage.SAVING,
        RunStage.DONE,
    ]
    proposals = {proposal.application_id: proposal for proposal in run.proposals.all()}
    # Milan and Bergamo are matched; nobody works in Mantua.
    assert set(proposals) == {pool.milan.pk, pool.bergamo.pk}
    assert proposals[pool.bergamo.pk].manager_id == pool.second.pk
    assert run.unmatched == [{"application": pool.mantua.pk, "reason": "province"}]
    for proposal in proposals.values():
        parts = {part["part"] for part in proposal.breakdown}
        assert parts == {"sector", "competence", "geography", "merit"}
        assert sum(part["contribution"] for part in proposal.breakdown) == pytest.approx(
            float(proposal.fit), abs=1e-3
        )


def test_a_task_delivered_twice_computes_once(pool, django_capture_on_commit_callbacks):
    run = start(pool.programme, StaffFactory(), django_capture_on_commit_callbacks)
    assert services.matching_run_execute(run_id=run.pk) is not None
    assert services.matching_run_execute(run_id=run.pk) is None
    assert Proposal.objects.filter(run=run).count() == 2


def test_only_one_run_at_a_time(pool, django_capture_on_commit_callbacks):
    staff = StaffFactory()
    start(pool.programme, staff, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="already under way"):
        services.matching_run_start(programme=pool.programme, by=staff)


def test_starting_again_discards_the_proposals_awaiting_confirmation(
    pool, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    first = proposed_run(pool, staff, django_capture_on_commit_callbacks)
    second = start(pool.programme, staff, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.status == RunStatus.DISCARDED
    assert second.status == RunStatus.QUEUED


def test_the_database_allows_one_open_run_per_programme(pool):
    MatchingRun.objects.create(programme=pool.programme)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchingRun.objects.create(programme=pool.programme)


def test_only_staff_start_and_confirm(pool, manager_user, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDenied):
        services.matching_run_start(programme=pool.programme, by=manager_user)
    run = proposed_run(pool, StaffFactory(), django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        services.matching_run_confirm(run=run, by=manager_user)


def test_confirmation_assigns_takes_capacity_and_tells_each_manager(pool, django_capture_on_commit_callbacks):
    staff = StaffFactory()
    run = proposed_run(pool, staff, django_capture_on_commit_callbacks)
    assessments = confirm(run, staff, django_capture_on_commit_callbacks)
    assert len(assessments) == 2
    assert {assessment.status for assessment in assessments} == {AssessmentStatus.ASSIGNED}
    run.refresh_from_db()
    assert run.status == RunStatus.CONFIRMED
    for manager in (pool.first, pool.second):
        manager.refresh_from_db()
        assert manager.open_assessments == Assessment.objects.filter(manager=manager).count()
    told = set(Notification.objects.filter(event="assessment_assigned").values_list("recipient", flat=True))
    assert told == {pool.first.user_id, pool.second.user_id}
    due = timezone.localdate() + datetime.timedelta(days=pool.programme.days_to_accept)
    assert {assessment.answer_due_on for assessment in assessments} == {due}


def test_confirmation_is_all_or_none(pool, django_capture_on_commit_callbacks):
    staff = StaffFactory()
    run = proposed_run(pool, staff, django_capture_on_commit_callbacks)
    # Meanwhile the manager proposed for Milan reached their capacity elsewhere.
    milan = run.proposals.get(application=pool.milan)
    Manager.objects.filter(pk=milan.manager_id).update(open_assessments=1, capacity=1)
    with pytest.raises(ValidationError, match="cannot take"):
        services.matching_run_confirm(run=run, by=staff)
    assert not Assessment.objects.exists()
    run.refresh_from_db()
    assert run.status == RunStatus.PROPOSED
    assert Manager.objects.get(pk=pool.second.pk).open_assessments == 0


def test_a_left_out_proposal_is_not_assigned(pool, django_capture_on_commit_callbacks):
    staff = StaffFactory()
    run = proposed_run(pool, staff, django_capture_on_commit_callbacks)
    services.proposal_drop(proposal=run.proposals.get(application=pool.milan), dropped=True, by=staff)
    assessments = confirm(run, staff, django_capture_on_commit_callbacks)
    assert [assessment.application_id for assessment in assessments] == [pool.bergamo.pk]


def test_staff_swap_a_proposal_for_an_alternative_and_back(pool, django_capture_on_commit_callbacks):
    staff = StaffFactory()
    run = proposed_run(pool, staff, django_capture_on_commit_callbacks)
    proposal = run.proposals.get(application=pool.milan)
    original = proposal.manager_id
    alternative = proposal.alternatives[0]["manager"]
    swapped = services.proposal_swap(proposal=proposal, manager_id=alternative, by=staff)
    assert swapped.manager_id == alternative and swapped.swapped
    assert original in [item["manager"] for item in swapped.alternatives]
    with pytest.raises(ValidationError):
        services.proposal_swap(proposal=proposal, manager_id=999999, by=staff)


def test_an_sme_never_holds_two_open_assessments(pool, django_capture_on_commit_callbacks):
    staff = StaffFactory()
    confirm(
        proposed_run(pool, staff, django_capture_on_commit_callbacks),
        staff,
        django_capture_on_commit_callbacks,
    )
    held = Assessment.objects.get(application=pool.milan)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            programme=pool.programme,
            application=pool.milan,
            manager=pool.second,
            answer_due_on=held.answer_due_on,
        )


def test_a_run_whose_heartbeat_stopped_is_failed_and_cannot_be_confirmed(
    pool, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    run = start(pool.programme, staff, django_capture_on_commit_callbacks)
    celery_queue.take_all()
    long_ago = timezone.now() - services.RUN_HEARTBEAT_TIMEOUT - datetime.timedelta(seconds=1)
    MatchingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, heartbeat_at=long_ago)
    assert services.matching_runs_watch() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "heartbeat" in run.failure_reason
    with pytest.raises(ValidationError):
        services.matching_run_confirm(run=run, by=staff)
    # Its worker, if it ever wakes up, finds the run no longer theirs.
    assert services.matching_run_execute(run_id=run.pk) is None
    assert not Assessment.objects.exists()


def test_a_run_no_worker_took_up_is_failed(pool, django_capture_on_commit_callbacks):
    run = start(pool.programme, StaffFactory(), django_capture_on_commit_callbacks)
    later = timezone.now() + services.RUN_QUEUE_TIMEOUT + datetime.timedelta(seconds=1)
    assert services.matching_runs_watch(now=later) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "No worker" in run.failure_reason


def assigned(pool, django_capture_on_commit_callbacks) -> dict[int, Assessment]:
    staff = StaffFactory()
    confirm(
        proposed_run(pool, staff, django_capture_on_commit_callbacks),
        staff,
        django_capture_on_commit_callbacks,
    )
    celery_queue.take_all()
    mail.outbox = []
    return {assessment.application_id: assessment for assessment in Assessment.objects.all()}


def test_accepting_shares_contact_details_both_ways(pool, django_capture_on_commit_callbacks):
    assessment = assigned(pool, django_capture_on_commit_callbacks)[pool.milan.pk]
    manager_user = assessment.manager.user
    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.assessment_accept(assessment=assessment, by=manager_user)
    assert accepted.status == AssessmentStatus.ACCEPTED and accepted.contact_shared
    celery_queue.run_all()
    to_manager = next(message for message in mail.outbox if message.to == [manager_user.email])
    assert pool.milan.contact_email in to_manager.body
    member = pool.milan.company.members.get()
    to_sme = next(message for message in mail.outbox if message.to == [member.email])
    assert manager_user.email in to_sme.body


def test_a_manager_answers_only_their_own_assessments(pool, django_capture_on_commit_callbacks):
    assessments = assigned(pool, django_capture_on_commit_callbacks)
    theirs = assessments[pool.bergamo.pk]
    with pytest.raises(PermissionDenied):
        services.assessment_accept(assessment=theirs, by=pool.first.user)


def test_declining_needs_a_reason_frees_the_place_and_the_pair_is_never_proposed_again(
    pool, django_capture_on_commit_callbacks
):
    assessments = assigned(pool, django_capture_on_commit_callbacks)
    assessment = assessments[pool.milan.pk]
    manager = assessment.manager
    with pytest.raises(ValidationError):
        services.assessment_decline(assessment=assessment, reason="  ", by=manager.user)
    services.assessment_decline(assessment=assessment, reason="Conosco il titolare.", by=manager.user)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DECLINED
    assert Manager.objects.get(pk=manager.pk).open_assessments == 0
    assert Notification.objects.filter(event="assessment_declined_staff").exists()

    run = proposed_run(pool, StaffFactory(), django_capture_on_commit_callbacks)
    proposal = run.proposals.filter(application=pool.milan).first()
    assert proposal is None or proposal.manager_id != manager.pk
    inputs = queries.matching_inputs(pool.programme)
    assert (pool.milan.pk, manager.pk) in inputs.forbidden_pairs


def test_an_unanswered_assessment_lapses_after_its_deadline(pool, django_capture_on_commit_callbacks):
    assessments = assigned(pool, django_capture_on_commit_callbacks)
    assessment = assessments[pool.milan.pk]
    assert services.assessments_lapse(today=assessment.answer_due_on) == 0
    with django_capture_on_commit_callbacks(execute=True):
        lapsed = services.assessments_lapse(today=assessment.answer_due_on + datetime.timedelta(days=1))
    assert lapsed == len(assessments)
    assert services.assessments_lapse(today=assessment.answer_due_on + datetime.timedelta(days=2)) == 0
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.LAPSED
    assert Manager.objects.get(pk=assessment.manager_id).open_assessments == 0
    assert (pool.milan.pk, assessment.manager_id) in queries.refused_pairs(pool.programme)
    with pytest.raises(ValidationError):
        services.assessment_accept(assessment=assessment, by=assessment.manager.user)


def test_each_reminder_is_sent_once(pool, django_capture_on_commit_callbacks):
    assessments = assigned(pool, django_capture_on_commit_callbacks)
    due = next(iter(assessments.values())).answer_due_on
    lead = datetime.timedelta(days=pool.programme.reminder_days_before)
    assert services.assessments_remind(today=due - lead - datetime.timedelta(days=1)) == 0
    assert services.assessments_remind(today=due - lead) == len(assessments)
    assert services.assessments_remind(today=due - lead) == 0
    assert services.assessments_remind(today=due) == 0
    assert Notification.objects.filter(event="assessment_answer_reminder").count() == len(assessments)


def test_headline_figures_count_assigned_and_completed(pool, django_capture_on_commit_callbacks):
    assessments = assigned(pool, django_capture_on_commit_callbacks)
    services.assessment_decline(
        assessment=assessments[pool.milan.pk],
        reason="Non disponibile.",
        by=assessments[pool.milan.pk].manager.user,
    )
    Assessment.objects.filter(pk=assessments[pool.bergamo.pk].pk).update(status=AssessmentStatus.COMPLETED)
    assert queries.headline_figures(pool.programme) == {"assessments_assigned": 1, "assessments_completed": 1}


def test_suspended_away_and_full_managers_are_not_considered(pool):
    from managers.models import ManagerStatus, UnavailabilityPeriod

    today = timezone.localdate()
    suspended = selected(pool.programme, ["MI"], capacity=1)
    Manager.objects.filter(pk=suspended.pk).update(status=ManagerStatus.SUSPENDED)
    away = selected(pool.programme, ["MI"], capacity=1)
    UnavailabilityPeriod.objects.create(
        manager=away, starts_on=today, ends_on=today + datetime.timedelta(days=9)
    )
    full = selected(pool.programme, ["MI"], capacity=1)
    Manager.objects.filter(pk=full.pk).update(open_assessments=1)
    considered = {manager.pk for manager in queries.matching_inputs(pool.programme).managers}
    assert considered == {pool.first.pk, pool.second.pk}
