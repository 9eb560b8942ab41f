"""Matching runs, their proposals, and the assessments they create.

One model per line of the flow (DESIGN.md): an Assessment is created in `assigned`
when staff confirm a matching proposal; there is no separate assignment model."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from managers.models import Manager
from programme.models import Programme
from smes.models import Application


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    PROPOSED = "proposed", _("Proposed")
    FAILED = "failed", _("Failed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISCARDED = "discarded", _("Discarded")


RUN_TRANSITIONS: dict[str, frozenset[str]] = {
    RunStatus.QUEUED: frozenset({RunStatus.RUNNING, RunStatus.FAILED}),
    RunStatus.RUNNING: frozenset({RunStatus.PROPOSED, RunStatus.FAILED}),
    RunStatus.PROPOSED: frozenset({RunStatus.CONFIRMED, RunStatus.DISCARDED}),
    RunStatus.FAILED: frozenset(),
    RunStatus.CONFIRMED: frozenset(),
    RunStatus.DISCARDED: frozenset(),
}
OPEN_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PROPOSED)


class RunStage(models.TextChoices):
    WAITING = "waiting", _("Waiting for a worker")
    LOADING = "loading", _("Loading SMEs and managers")
    SCORING = "scoring", _("Scoring every pair")
    SOLVING = "solving", _("Finding the best assignment")
    SAVING = "saving", _("Saving the proposals")
    DONE = "done", _("Done")


class MatchingRun(models.Model):
    """One computation of proposals for a programme, done by a Celery task.

    The task claims the run by moving it from queued to running in one conditional
    update and beats its heart as it goes, so a watchdog can tell a dead worker."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="matching_runs")
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    stage = models.CharField(_("stage"), max_length=10, choices=RunStage.choices, default=RunStage.WAITING)
    stages = models.JSONField(_("stages recorded"), default=list, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    weights = models.JSONField(_("weights used"), default=dict, blank=True)
    minimum_fit = models.DecimalField(_("minimum fit"), max_digits=3, decimal_places=2, default=0)
    smes_considered = models.PositiveIntegerField(default=0)
    managers_considered = models.PositiveIntegerField(default=0)
    pairs_scored = models.PositiveIntegerField(default=0)
    unmatched = models.JSONField(_("SMEs left unmatched"), default=list, blank=True)
    failure_reason = models.TextField(_("why it failed"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(status__in=["queued", "running", "proposed"]),
                name="matching_one_open_run_per_programme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} #{self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RUN_STATUSES


class Proposal(models.Model):
    """A pair the run proposes, with the fit's breakdown and the next best alternatives."""

    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="proposals")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    manager = models.ForeignKey(Manager, on_delete=models.CASCADE, related_name="+")
    fit = models.DecimalField(_("fit"), max_digits=5, decimal_places=4)
    breakdown = models.JSONField(_("breakdown"), default=list)
    alternatives = models.JSONField(_("alternatives"), default=list, blank=True)
    dropped = models.BooleanField(_("dropped"), default=False)
    swapped = models.BooleanField(_("manager changed by staff"), default=False)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-fit", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "application"], name="proposal_one_per_sme_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} -> {self.manager_id} ({self.fit})"


class AssessmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned, awaiting the manager")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    LAPSED = "lapsed", _("Lapsed without an answer")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Report submitted")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


ASSESSMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    AssessmentStatus.ASSIGNED: frozenset(
        {
            AssessmentStatus.ACCEPTED,
            AssessmentStatus.DECLINED,
            AssessmentStatus.LAPSED,
            AssessmentStatus.CANCELLED,
        }
    ),
    AssessmentStatus.ACCEPTED: frozenset({AssessmentStatus.IN_PROGRESS, AssessmentStatus.CANCELLED}),
    AssessmentStatus.IN_PROGRESS: frozenset({AssessmentStatus.SUBMITTED, AssessmentStatus.CANCELLED}),
    AssessmentStatus.SUBMITTED: frozenset(
        {AssessmentStatus.COMPLETED, AssessmentStatus.IN_PROGRESS, AssessmentStatus.CANCELLED}
    ),
    AssessmentStatus.DECLINED: frozenset(),
    AssessmentStatus.LAPSED: frozenset(),
    AssessmentStatus.COMPLETED: frozenset(),
    AssessmentStatus.CANCELLED: frozenset(),
}
# An SME has at most one assessment in these states: open ones, and a completed one
# (the programme gives each SME one assessment).
HOLDING_STATUSES = (
    AssessmentStatus.ASSIGNED,
    AssessmentStatus.ACCEPTED,
    AssessmentStatus.IN_PROGRESS,
    AssessmentStatus.SUBMITTED,
    AssessmentStatus.COMPLETED,
)
OPEN_STATUSES = (
    AssessmentStatus.ASSIGNED,
    AssessmentStatus.ACCEPTED,
    AssessmentStatus.IN_PROGRESS,
    AssessmentStatus.SUBMITTED,
)
# A pair that ended this way is never proposed again.
REFUSED_STATUSES = (AssessmentStatus.DECLINED, AssessmentStatus.LAPSED)


class Assessment(models.Model):
    """The free assessment of one SME by one manager, from assignment to completion."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="assessments")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assessments")
    manager = models.ForeignKey(Manager, on_delete=models.PROTECT, related_name="assessments")
    run = models.ForeignKey(
        MatchingRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="assessments"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.ASSIGNED
    )
    fit = models.DecimalField(_("fit"), max_digits=5, decimal_places=4, null=True, blank=True)
    breakdown = models.JSONField(_("breakdown"), default=list, blank=True)
    assigned_at = models.DateTimeField(_("assigned on"), default=timezone.now)
    answer_due_on = models.DateField(_("answer due by"))
    answer_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("accepted on"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined on"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    lapsed_at = models.DateTimeField(_("lapsed on"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled on"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=["assigned", "accepted", "in_progress", "submitted", "completed"]),
                name="assessment_one_holding_per_sme",
            ),
        ]
        indexes = [models.Index(fields=["status", "answer_due_on"])]

    def __str__(self) -> str:
        return f"{self.application_id} / {self.manager_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def contact_shared(self) -> bool:
        """Both sides see each other's contact details once the manager has accepted."""
        return self.status in (
            AssessmentStatus.ACCEPTED,
            AssessmentStatus.IN_PROGRESS,
            AssessmentStatus.SUBMITTED,
            AssessmentStatus.COMPLETED,
        )
