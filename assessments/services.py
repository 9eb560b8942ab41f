"""Write side of matching and of the manager's answer.

A run is started by staff, computed by a Celery task that claims it, watched by a
periodic task, and confirmed (or discarded) by staff; confirmation creates the
assessments, all or none. Each manager then accepts or declines within the
programme's deadline, or the assessment lapses."""

from __future__ import annotations

import datetime
import logging
import os
import time
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import optimiser, queries, scoring
from assessments.models import (
    ASSESSMENT_TRANSITIONS,
    RUN_TRANSITIONS,
    Assessment,
    AssessmentStatus,
    MatchingRun,
    Proposal,
    RunStage,
    RunStatus,
)
from managers import services as manager_services
from managers.models import Manager
from programme import audit
from programme.models import Programme, User
from programme.notifications import absolute_url, notify
from programme.queries import users_with_role
from programme.roles import Role
from programme.rules import is_programme_staff
from smes.models import Application

logger = logging.getLogger(__name__)

# A running run whose heartbeat is older than this has lost its worker.
RUN_HEARTBEAT_TIMEOUT = datetime.timedelta(minutes=3)
# A queued run that no worker took up in this time will not be: the broker was down.
RUN_QUEUE_TIMEOUT = datetime.timedelta(minutes=10)
# A run still queued after this long may never have reached the broker (it was down when
# staff started it): the watchdog hands it over again. A second message for a run that
# was in fact queued does nothing, since the worker claims the run before computing it.
RUN_REQUEUE_AFTER = datetime.timedelta(minutes=2)
# Tests only: the stage at which the worker holds a run, so a test can kill the worker in
# the middle of a run. Unset everywhere else.
HOLD_AT_STAGE_VARIABLE = "PORTAL_TEST_HOLD_MATCHING_AT_STAGE"
HOLD_SECONDS = 300
ALTERNATIVES_SHOWN = 3


class RunAbandoned(Exception):
    """The run stopped being ours while the task computed it (the watchdog failed it)."""


def _require_staff(by: User) -> None:
    if not is_programme_staff(by):
        raise PermissionDenied


def _check_run_move(run: MatchingRun, target: str) -> None:
    if target not in RUN_TRANSITIONS[run.status]:
        raise ValidationError(
            _("This run is %(status)s: it cannot become %(target)s.")
            % {"status": run.get_status_display(), "target": RunStatus(target).label}
        )


def _check_assessment_move(assessment: Assessment, target: str) -> None:
    if target not in ASSESSMENT_TRANSITIONS[assessment.status]:
        raise ValidationError(
            _("This assessment is %(status)s: it cannot become %(target)s.")
            % {"status": assessment.get_status_display(), "target": AssessmentStatus(target).label}
        )


# The run -------------------------------------------------------------------------


@transaction.atomic
def matching_run_start(*, programme: Programme, by: User) -> MatchingRun:
    """Staff start a matching run; a worker computes it after commit. One run at a time:
    a second start while one is queued or running is refused; a run still awaiting
    confirmation is discarded by the new one ("start again")."""
    _require_staff(by)
    # The programme row serialises starts, so two clicks never make two runs.
    Programme.objects.select_for_update().get(pk=programme.pk)
    if MatchingRun.objects.filter(
        programme=programme, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ).exists():
        raise ValidationError(_("A matching run is already under way: wait for it to finish."))
    for proposed in MatchingRun.objects.select_for_update().filter(
        programme=programme, status=RunStatus.PROPOSED
    ):
        _decide(proposed, RunStatus.DISCARDED, by=by, reason=_("Replaced by a new run."))
    run = MatchingRun.objects.create(
        programme=programme,
        started_by=by,
        weights={
            "sector": str(programme.weight_sector),
            "competence": str(programme.weight_competence),
            "geography": str(programme.weight_geography),
            "merit": str(programme.weight_merit),
        },
        minimum_fit=programme.minimum_fit,
    )
    audit.record(obj=run, actor=by, action="run_started", to_status=RunStatus.QUEUED, programme=programme)
    transaction.on_commit(partial(enqueue_run, run.pk))
    return run


def enqueue_run(run_id: int) -> bool:
    """Hand the run to a worker. Never raises: a run no worker takes up is failed by the watchdog."""
    from assessments.tasks import run_matching
    from programme.celery import hand_to_worker

    return hand_to_worker(run_matching, run_id, otherwise=f"matching run {run_id} stays queued")


def _record_stage(run: MatchingRun, stage: str, **counts: int) -> None:
    """Note the stage reached and beat the heart; stop if the run is no longer ours."""
    now = timezone.now()
    run.stages = [*run.stages, {"stage": stage, "at": now.isoformat()}]
    updated = MatchingRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        stage=stage, stages=run.stages, heartbeat_at=now, **counts
    )
    if not updated:
        raise RunAbandoned(run.pk)
    if os.environ.get(HOLD_AT_STAGE_VARIABLE) == stage:
        time.sleep(HOLD_SECONDS)


def matching_run_execute(*, run_id: int) -> MatchingRun | None:
    """The worker's part: claim the queued run, load, score, solve, save the proposals.

    Returns None when the run was not ours to take (already taken, or failed)."""
    now = timezone.now()
    claimed = MatchingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return None
    run = MatchingRun.objects.select_related("programme").get(pk=run_id)
    try:
        return _compute(run)
    except RunAbandoned:
        logger.warning("matching run %s was failed while it computed", run_id)
        return None
    except Exception as error:
        logger.exception("matching run %s failed", run_id)
        _fail(run_id, reason=_("The computation stopped with an error: %(error)s") % {"error": error})
        return None


def _compute(run: MatchingRun) -> MatchingRun:
    programme = run.programme
    _record_stage(run, RunStage.LOADING)
    inputs = queries.matching_inputs(programme)
    _record_stage(
        run,
        RunStage.SCORING,
        smes_considered=len(inputs.smes),
        managers_considered=len(inputs.manager_profiles),
    )
    graph = scoring.build_candidate_graph(
        inputs.smes,
        inputs.manager_profiles,
        weights=queries.weights_of(programme),
        minimum_fit=float(programme.minimum_fit),
        forbidden_pairs=inputs.forbidden_pairs,
    )
    _record_stage(run, RunStage.SOLVING, pairs_scored=len(graph.fit))
    assignment = optimiser.optimal_assignment(
        sme_count=len(inputs.smes),
        sme_index=graph.sme_index,
        manager_index=graph.manager_index,
        fit=graph.fit,
        capacities=graph.capacities,
    )
    _record_stage(run, RunStage.SAVING)
    proposals = []
    unmatched = []
    for sme_index, application in enumerate(inputs.applications):
        manager_index = int(assignment[sme_index])
        if manager_index < 0:
            unmatched.append(
                {"application": application.pk, "reason": _unmatched_reason(graph, inputs, sme_index)}
            )
            continue
        breakdown = scoring.pair_breakdown(graph, sme_index=sme_index, manager_index=manager_index)
        proposals.append(
            Proposal(
                run=run,
                application=application,
                manager_id=graph.manager_ids[manager_index],
                fit=_fit(breakdown.fit),
                breakdown=_parts(breakdown),
                alternatives=[
                    {
                        "manager": alternative.manager_id,
                        "fit": str(_fit(alternative.fit)),
                        "breakdown": _parts(
                            scoring.pair_breakdown(
                                graph, sme_index=sme_index, manager_index=alternative.manager_index
                            )
                        ),
                    }
                    for alternative in scoring.sme_alternatives(
                        graph,
                        sme_index=sme_index,
                        exclude_manager_index=manager_index,
                        limit=ALTERNATIVES_SHOWN,
                    )
                ],
            )
        )
    with transaction.atomic():
        locked = MatchingRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RunStatus.RUNNING:
            raise RunAbandoned(run.pk)
        Proposal.objects.bulk_create(proposals)
        locked.status = RunStatus.PROPOSED
        locked.stage = RunStage.DONE
        locked.stages = [*run.stages, {"stage": RunStage.DONE, "at": timezone.now().isoformat()}]
        locked.unmatched = unmatched
        locked.finished_at = locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["status", "stage", "stages", "unmatched", "finished_at", "heartbeat_at"])
        audit.record(
            obj=locked,
            actor=None,
            action="run_proposed",
            from_status=RunStatus.RUNNING,
            to_status=RunStatus.PROPOSED,
            programme=programme,
            data={"proposals": len(proposals), "unmatched": len(unmatched)},
        )
    return locked


def _fit(value: float) -> Decimal:
    return Decimal(str(round(float(value), 4)))


def _parts(breakdown: scoring.ScoreBreakdown) -> list[dict[str, Any]]:
    return [
        {
            "part": part.name,
            "value": round(float(part.value), 4),
            "weight": round(float(part.weight), 4),
            "contribution": round(float(part.contribution), 4),
            "reason": part.reason,
        }
        for part in breakdown.parts
    ]


def _unmatched_reason(graph: scoring.CandidateGraph, inputs: queries.MatchingInputs, sme_index: int) -> str:
    """Why an SME has no proposal: its candidates were all taken, no manager works in its
    province, or none reaches the minimum fit."""
    if (graph.sme_index == sme_index).any():
        return "capacity"
    province = inputs.smes[sme_index].province
    if not any(province in manager.accepted_provinces for manager in inputs.manager_profiles):
        return "province"
    return "minimum_fit"


def _fail(run_id: int, *, reason: str) -> bool:
    """Mark a queued or running run failed, once."""
    with transaction.atomic():
        run = (
            MatchingRun.objects.select_for_update()
            .filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
            .first()
        )
        if run is None:
            return False
        previous = run.status
        run.status = RunStatus.FAILED
        run.failure_reason = reason
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "failure_reason", "finished_at"])
        audit.record(
            obj=run,
            actor=None,
            action="run_failed",
            from_status=previous,
            to_status=RunStatus.FAILED,
            reason=reason,
            programme=run.programme,
        )
    return True


def matching_runs_watch(*, now: datetime.datetime | None = None) -> int:
    """Fail the runs whose worker died (no heartbeat) or that no worker took up. Returns how many."""
    now = now or timezone.now()
    failed = 0
    for run_id in MatchingRun.objects.filter(
        status=RunStatus.RUNNING, heartbeat_at__lt=now - RUN_HEARTBEAT_TIMEOUT
    ).values_list("pk", flat=True):
        failed += _fail(run_id, reason=_("The worker stopped while computing the run (no heartbeat)."))
    for run_id in MatchingRun.objects.filter(
        status=RunStatus.QUEUED, created_at__lt=now - RUN_QUEUE_TIMEOUT
    ).values_list("pk", flat=True):
        failed += _fail(
            run_id, reason=_("No worker took the run up: the task queue may have been unreachable.")
        )
    return failed


def matching_runs_requeue(*, now: datetime.datetime | None = None) -> int:
    """Hand again to a worker the runs still queued after RUN_REQUEUE_AFTER (and not yet
    failed as never taken up): once the broker is back, the run is computed, once."""
    now = now or timezone.now()
    requeued = 0
    for run_id in MatchingRun.objects.filter(
        status=RunStatus.QUEUED,
        created_at__lt=now - RUN_REQUEUE_AFTER,
        created_at__gte=now - RUN_QUEUE_TIMEOUT,
    ).values_list("pk", flat=True):
        requeued += enqueue_run(run_id)
    return requeued


def _decide(run: MatchingRun, target: str, *, by: User, reason: str = "") -> None:
    _check_run_move(run, target)
    previous = run.status
    run.status = target
    run.decided_at = timezone.now()
    run.decided_by = by
    run.save(update_fields=["status", "decided_at", "decided_by"])
    audit.record(
        obj=run,
        actor=by,
        action=f"run_{target}",
        from_status=previous,
        to_status=target,
        reason=reason,
        programme=run.programme,
    )


def _locked_run(run: MatchingRun) -> MatchingRun:
    return MatchingRun.objects.select_for_update().select_related("programme").get(pk=run.pk)


@transaction.atomic
def matching_run_discard(*, run: MatchingRun, by: User) -> MatchingRun:
    """Staff set the proposals aside; nothing is assigned."""
    _require_staff(by)
    locked = _locked_run(run)
    _decide(locked, RunStatus.DISCARDED, by=by)
    return locked


def _proposal_for_change(proposal: Proposal, by: User) -> Proposal:
    _require_staff(by)
    locked = Proposal.objects.select_for_update().select_related("run").get(pk=proposal.pk)
    if locked.run.status != RunStatus.PROPOSED:
        raise ValidationError(_("This run is no longer awaiting confirmation."))
    return locked


@transaction.atomic
def proposal_swap(*, proposal: Proposal, manager_id: int, by: User) -> Proposal:
    """Staff give the SME one of its alternative managers instead; the one replaced
    becomes an alternative, so the change can be undone."""
    locked = _proposal_for_change(proposal, by)
    chosen = next((item for item in locked.alternatives if item["manager"] == manager_id), None)
    if chosen is None:
        raise ValidationError({"manager": _("Choose one of the alternatives shown for this SME.")})
    manager = Manager.objects.get(pk=manager_id)
    already = (
        Proposal.objects.filter(run=locked.run, manager_id=manager_id, dropped=False)
        .exclude(pk=locked.pk)
        .count()
    )
    if manager.open_assessments + already >= manager.capacity:
        raise ValidationError(
            {"manager": _("%(manager)s has no capacity left in this run.") % {"manager": manager.user}}
        )
    replaced = {"manager": locked.manager_id, "fit": str(locked.fit), "breakdown": locked.breakdown}
    locked.alternatives = [item for item in locked.alternatives if item["manager"] != manager_id] + [replaced]
    locked.manager_id = manager_id
    locked.fit = Decimal(chosen["fit"])
    locked.breakdown = chosen["breakdown"]
    locked.swapped = True
    locked.save(update_fields=["alternatives", "manager", "fit", "breakdown", "swapped"])
    audit.record(
        obj=locked.run,
        actor=by,
        action="proposal_swapped",
        programme=locked.run.programme,
        data={"application": locked.application_id, "from": replaced["manager"], "to": manager_id},
    )
    return locked


@transaction.atomic
def proposal_drop(*, proposal: Proposal, dropped: bool, by: User) -> Proposal:
    """Staff leave a proposal out of the confirmation (or put it back)."""
    locked = _proposal_for_change(proposal, by)
    if locked.dropped != dropped:
        locked.dropped = dropped
        locked.save(update_fields=["dropped"])
        audit.record(
            obj=locked.run,
            actor=by,
            action="proposal_dropped" if dropped else "proposal_restored",
            programme=locked.run.programme,
            data={"application": locked.application_id, "manager": locked.manager_id},
        )
    return locked


@transaction.atomic
def matching_run_confirm(*, run: MatchingRun, by: User) -> list[Assessment]:
    """Staff confirm the run: each kept proposal becomes an assessment in `assigned`
    and takes one of its manager's places, all or none; each manager is told."""
    _require_staff(by)
    locked = _locked_run(run)
    _check_run_move(locked, RunStatus.CONFIRMED)
    programme = locked.programme
    proposals = list(
        locked.proposals.filter(dropped=False)
        .select_related("application__company", "manager__user")
        .order_by("manager_id", "id")
    )
    if not proposals:
        raise ValidationError(_("There is no proposal left to confirm: discard the run instead."))
    due = timezone.localdate() + datetime.timedelta(days=programme.days_to_accept)
    for proposal in proposals:
        try:
            manager_services.capacity_take(manager=proposal.manager, by=by)
        except ValidationError as error:
            raise ValidationError(
                _("%(manager)s cannot take %(company)s: %(why)s")
                % {
                    "manager": proposal.manager.user,
                    "company": proposal.application.company.legal_name,
                    "why": " ".join(error.messages),
                }
            ) from error
    assessments = [
        Assessment(
            programme=programme,
            application=proposal.application,
            manager=proposal.manager,
            run=locked,
            fit=proposal.fit,
            breakdown=proposal.breakdown,
            answer_due_on=due,
        )
        for proposal in proposals
    ]
    try:
        with transaction.atomic():
            Assessment.objects.bulk_create(assessments)
    except IntegrityError as error:
        # The database's last guard: an SME already holds an assessment.
        raise ValidationError(_("An SME of this run already has an assessment; start a new run.")) from error
    _decide(locked, RunStatus.CONFIRMED, by=by)
    for assessment in assessments:
        audit.record(
            obj=assessment,
            actor=by,
            action="assigned",
            to_status=AssessmentStatus.ASSIGNED,
            programme=programme,
        )
        notify(
            assessment.manager.user,
            "assessment_assigned",
            link=absolute_url(reverse("assessments:answer", args=[assessment.pk])),
            company=assessment.application.company.legal_name,
            due=due,
        )
    return assessments


# The manager's answer ---------------------------------------------------------------


def _locked_assessment(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("manager__user", "application__company", "programme")
        .get(pk=assessment.pk)
    )


def _members(application: Application) -> list[User]:
    return list(
        User.objects.filter(company_membership__company_id=application.company_id, is_active=True).order_by(
            "pk"
        )
    )


@transaction.atomic
def assessment_accept(*, assessment: Assessment, by: User) -> Assessment:
    """The manager accepts the SME: both sides get each other's contact details."""
    locked = _locked_assessment(assessment)
    if locked.manager.user_id != by.pk:
        raise PermissionDenied
    _check_assessment_move(locked, AssessmentStatus.ACCEPTED)
    if timezone.localdate() > locked.answer_due_on:
        raise ValidationError(_("The time to answer has passed."))
    locked.status = AssessmentStatus.ACCEPTED
    locked.accepted_at = timezone.now()
    locked.due_on = timezone.localdate() + datetime.timedelta(days=locked.programme.days_to_complete)
    locked.save(update_fields=["status", "accepted_at", "due_on", "updated_at"])
    audit.record(
        obj=locked,
        actor=by,
        action="accepted",
        from_status=AssessmentStatus.ASSIGNED,
        to_status=AssessmentStatus.ACCEPTED,
        programme=locked.programme,
    )
    application = locked.application
    notify(
        by,
        "assessment_introduction_manager",
        link=absolute_url(reverse("assessments:answer", args=[locked.pk])),
        company=application.company,
        application=application,
    )
    for member in _members(application):
        notify(
            member,
            "assessment_introduction_sme",
            link=absolute_url(reverse("home:sme")),
            manager=locked.manager,
            manager_user=locked.manager.user,
            company=application.company,
            support_days=locked.programme.support_days,
        )
    return locked


def _give_back(locked: Assessment, target: str, *, by: User | None, reason: str, action: str) -> None:
    previous = locked.status
    locked.status = target
    locked.save(update_fields=["status", "declined_at", "decline_reason", "lapsed_at", "updated_at"])
    manager_services.capacity_release(manager=locked.manager, by=by)
    audit.record(
        obj=locked,
        actor=by,
        action=action,
        from_status=previous,
        to_status=target,
        reason=reason,
        programme=locked.programme,
    )
    for staff in users_with_role(Role.STAFF):
        notify(
            staff,
            f"assessment_{action}_staff",
            link=absolute_url(reverse("assessments:matching")),
            company=locked.application.company.legal_name,
            manager=locked.manager.user,
            reason=reason,
        )


@transaction.atomic
def assessment_decline(*, assessment: Assessment, reason: str, by: User) -> Assessment:
    """The manager declines, saying why: their place is freed, the SME goes back to the
    pool for the next run, and this pair is never proposed again."""
    locked = _locked_assessment(assessment)
    if locked.manager.user_id != by.pk:
        raise PermissionDenied
    _check_assessment_move(locked, AssessmentStatus.DECLINED)
    if not reason.strip():
        raise ValidationError({"reason": _("Tell staff why you decline.")})
    locked.declined_at = timezone.now()
    locked.decline_reason = reason.strip()
    _give_back(locked, AssessmentStatus.DECLINED, by=by, reason=locked.decline_reason, action="declined")
    return locked


def assessments_lapse(*, today: datetime.date | None = None) -> int:
    """Periodic: assessments not answered by their deadline lapse, one transaction each."""
    today = today or timezone.localdate()
    lapsed = 0
    for assessment_id in Assessment.objects.filter(
        status=AssessmentStatus.ASSIGNED, answer_due_on__lt=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            locked = (
                Assessment.objects.select_for_update(of=("self",))
                .select_related("manager__user", "application__company", "programme")
                .filter(pk=assessment_id, status=AssessmentStatus.ASSIGNED)
                .first()
            )
            if locked is None:
                continue
            locked.lapsed_at = timezone.now()
            reason = _("No answer by %(date)s.") % {"date": locked.answer_due_on.isoformat()}
            _give_back(locked, AssessmentStatus.LAPSED, by=None, reason=reason, action="lapsed")
            notify(
                locked.manager.user,
                "assessment_lapsed",
                link=absolute_url(reverse("home:manager")),
                company=locked.application.company.legal_name,
            )
            lapsed += 1
    return lapsed


def assessments_remind(*, today: datetime.date | None = None) -> int:
    """Periodic: remind each manager once of an assessment awaiting their answer, the
    programme's lead time before its deadline. The reminder is claimed with a
    conditional update first, so a second run of the task never sends it again."""
    today = today or timezone.localdate()
    reminded = 0
    candidates = Assessment.objects.filter(
        status=AssessmentStatus.ASSIGNED,
        answer_reminder_sent_at__isnull=True,
        answer_due_on__gte=today,
    ).select_related("programme", "manager__user", "application__company")
    for assessment in candidates:
        lead = datetime.timedelta(days=assessment.programme.reminder_days_before)
        if assessment.answer_due_on - lead > today:
            continue
        with transaction.atomic():
            claimed = Assessment.objects.filter(
                pk=assessment.pk, status=AssessmentStatus.ASSIGNED, answer_reminder_sent_at__isnull=True
            ).update(answer_reminder_sent_at=timezone.now())
            if not claimed:
                continue
            notify(
                assessment.manager.user,
                "assessment_answer_reminder",
                link=absolute_url(reverse("assessments:answer", args=[assessment.pk])),
                company=assessment.application.company.legal_name,
                due=assessment.answer_due_on,
            )
            reminded += 1
    return reminded
