"""Matching runs, their proposals, and the assessments they create.

One model per line of the flow (DESIGN.md): an Assessment is created in `assigned`
when staff confirm a matching proposal; there is no separate assignment model."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from managers.models import Manager
from programme.models import Programme
from programme.reference import AssessmentArea
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
    # The work, once accepted.
    due_on = models.DateField(_("to be completed by"), null=True, blank=True)
    started_at = models.DateTimeField(_("work started on"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("report submitted on"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed on"), null=True, blank=True)
    returned_at = models.DateTimeField(_("last returned on"), null=True, blank=True)
    return_comments = models.TextField(_("staff's comments on the report"), blank=True)
    summary = models.TextField(_("summary of the assessment"), blank=True)
    draft_saved_at = models.DateTimeField(_("draft last saved"), null=True, blank=True)
    overdue_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
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
    def is_overdue(self) -> bool:
        return (
            self.due_on is not None
            and self.status
            in (AssessmentStatus.ACCEPTED, AssessmentStatus.IN_PROGRESS, AssessmentStatus.SUBMITTED)
            and timezone.localdate() > self.due_on
        )

    @property
    def contact_shared(self) -> bool:
        """Both sides see each other's contact details once the manager has accepted."""
        return self.status in (
            AssessmentStatus.ACCEPTED,
            AssessmentStatus.IN_PROGRESS,
            AssessmentStatus.SUBMITTED,
            AssessmentStatus.COMPLETED,
        )


LEVEL_VALIDATORS = [MinValueValidator(0), MaxValueValidator(5)]


class Level(models.IntegerChoices):
    """The 0-5 scale of the model (DESIGN.md); the EU tool's 0-100 score is the level times 20."""

    NOT_STARTED = 0, _("0 - not started")
    AWARE = 1, _("1 - aware")
    EXPERIMENTING = 2, _("2 - experimenting")
    ADOPTED_IN_PART = 3, _("3 - adopted in part")
    INTEGRATED = 4, _("4 - integrated")
    LEADING = 5, _("5 - leading")


class DurationUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    HALF_DAYS = "half_days", _("half days")


class VisitMode(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    REMOTE = "remote", _("Remote")


class VisitConfirmation(models.TextChoices):
    PENDING = "pending", _("Awaiting the SME")
    CONFIRMED = "confirmed", _("Confirmed by the SME")
    DISPUTED = "disputed", _("Disputed by the SME")


HOURS_PER_DAY = Decimal("8")


class Visit(models.Model):
    """A visit (or remote session) of the manager, counted against the free support days."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="visits")
    held_on = models.DateField(_("date"))
    duration_unit = models.CharField(_("measured in"), max_length=10, choices=DurationUnit.choices)
    duration = models.DecimalField(
        _("duration"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    mode = models.CharField(_("how"), max_length=8, choices=VisitMode.choices, default=VisitMode.ON_SITE)
    participants = models.CharField(_("who took part"), max_length=500, blank=True)
    preparation_hours = models.DecimalField(
        _("preparation (hours)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    notes = models.TextField(_("notes"), blank=True)
    over_allowance_reason = models.TextField(_("why past the allowance"), blank=True)
    confirmation = models.CharField(
        _("SME's confirmation"),
        max_length=10,
        choices=VisitConfirmation.choices,
        default=VisitConfirmation.PENDING,
    )
    sme_comment = models.TextField(_("SME's comment"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.held_on}"

    @property
    def days(self) -> Decimal:
        """The support days this visit uses: hours over an 8-hour day, or half days."""
        if self.duration_unit == DurationUnit.HALF_DAYS:
            return self.duration / 2
        return self.duration / HOURS_PER_DAY


class Finding(models.Model):
    """The manager's finding on one dimension of the model: where the SME stands, where it
    can get, and why."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="findings")
    dimension = models.CharField(_("dimension"), max_length=32, choices=AssessmentArea.choices)
    current_level = models.PositiveSmallIntegerField(
        _("current level"), choices=Level.choices, null=True, blank=True, validators=LEVEL_VALIDATORS
    )
    target_level = models.PositiveSmallIntegerField(
        _("target level"), choices=Level.choices, null=True, blank=True, validators=LEVEL_VALIDATORS
    )
    evidence = models.TextField(_("evidence"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    gaps = models.TextField(_("gaps"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["assessment", "dimension"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "dimension"], name="finding_one_per_dimension"),
            models.CheckConstraint(
                condition=Q(current_level__isnull=True) | Q(current_level__lte=5),
                name="finding_current_level_range",
            ),
            models.CheckConstraint(
                condition=Q(target_level__isnull=True) | Q(target_level__lte=5),
                name="finding_target_level_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.dimension}"

    @property
    def is_scored(self) -> bool:
        return self.current_level is not None and self.target_level is not None

    @property
    def current_score(self) -> int | None:
        """On the EU tool's 0-100 scale."""
        return None if self.current_level is None else self.current_level * 20


class DimensionTotal(models.Model):
    """Per programme and dimension, the totals of the completed assessments' findings that
    the average levels are read from, so that the dashboard and the assessments list read
    ten rows instead of every finding of the programme.

    Kept by assessment_complete (a completed assessment's findings never change again:
    completed is a final status) and rebuilt from the findings by dimension_totals_recount."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="dimension_totals")
    dimension = models.CharField(_("dimension"), max_length=32, choices=AssessmentArea.choices)
    findings = models.PositiveIntegerField(default=0)
    current_count = models.PositiveIntegerField(default=0)
    current_sum = models.PositiveIntegerField(default=0)
    target_count = models.PositiveIntegerField(default=0)
    target_sum = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("dimension total")
        verbose_name_plural = _("dimension totals")
        constraints = [
            models.UniqueConstraint(fields=["programme", "dimension"], name="dimension_total_one_per_dimension"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.dimension}"


class Rating(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Recommendation(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="recommendations")
    title = models.CharField(_("title"), max_length=200)
    dimension = models.CharField(_("dimension"), max_length=32, choices=AssessmentArea.choices)
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(_("priority"), max_length=6, choices=Rating.choices, default=Rating.MEDIUM)
    impact = models.CharField(
        _("expected impact"), max_length=6, choices=Rating.choices, default=Rating.MEDIUM
    )
    effort = models.CharField(_("effort"), max_length=6, choices=Rating.choices, default=Rating.MEDIUM)
    horizon_months = models.PositiveSmallIntegerField(
        _("horizon (months)"), default=6, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["assessment", "position", "id"]

    def __str__(self) -> str:
        return self.title


class ProjectOutline(models.Model):
    """Where the SME wants one, the outline of a development project it could take on."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="project_outline")
    title = models.CharField(_("title"), max_length=200)
    objectives = models.TextField(_("objectives"), blank=True)
    dimensions = ArrayField(
        models.CharField(max_length=32, choices=AssessmentArea.choices),
        verbose_name=_("dimensions"),
        default=list,
        blank=True,
    )
    estimated_cost = models.DecimalField(
        _("estimated cost (EUR)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("project outline")
        verbose_name_plural = _("project outlines")

    def __str__(self) -> str:
        return self.title


class Feedback(models.Model):
    """The SME's rating of the assessment once completed; staff read it."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="feedback_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.rating}"
