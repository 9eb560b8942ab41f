"""Development projects that SMEs propose from a completed assessment, their eligibility
for financing, the administrators' decisions and the money paid in tranches."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, Recommendation
from managers.models import Manager
from programme.models import Programme

MONEY = {"max_digits": 12, "decimal_places": 2}
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ELIGIBLE = "eligible", _("Eligible for financing")
    INELIGIBLE = "ineligible", _("Not eligible")
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval", _("Awaiting a second approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    STARTED = "started", _("Started")
    CLOSED = "closed", _("Closed")
    REVOKED = "revoked", _("Revoked")


PROJECT_TRANSITIONS: dict[str, frozenset[str]] = {
    ProjectStatus.DRAFT: frozenset({ProjectStatus.SUBMITTED}),
    ProjectStatus.SUBMITTED: frozenset({ProjectStatus.ELIGIBLE, ProjectStatus.INELIGIBLE}),
    ProjectStatus.ELIGIBLE: frozenset(
        {ProjectStatus.APPROVED, ProjectStatus.REJECTED, ProjectStatus.AWAITING_SECOND_APPROVAL}
    ),
    ProjectStatus.AWAITING_SECOND_APPROVAL: frozenset({ProjectStatus.APPROVED, ProjectStatus.REJECTED}),
    ProjectStatus.APPROVED: frozenset({ProjectStatus.STARTED, ProjectStatus.REVOKED}),
    ProjectStatus.STARTED: frozenset({ProjectStatus.CLOSED, ProjectStatus.REVOKED}),
    ProjectStatus.INELIGIBLE: frozenset(),
    ProjectStatus.REJECTED: frozenset(),
    ProjectStatus.CLOSED: frozenset(),
    ProjectStatus.REVOKED: frozenset(),
}
# Statuses in which the project holds part of the envelope.
COMMITTED_STATUSES = (ProjectStatus.APPROVED, ProjectStatus.STARTED, ProjectStatus.CLOSED)


class Project(models.Model):
    """A development project proposed by an SME from its completed assessment."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="projects")
    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="project")
    status = models.CharField(
        _("status"), max_length=24, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=200)
    objectives = models.TextField(_("objectives"), blank=True)
    recommendations = models.ManyToManyField(
        Recommendation, verbose_name=_("recommendations taken up"), related_name="projects", blank=True
    )
    total_cost = models.DecimalField(
        _("total cost (EUR)"), **MONEY, null=True, blank=True, validators=NOT_NEGATIVE
    )
    financing_requested = models.DecimalField(
        _("financing requested (EUR)"), **MONEY, null=True, blank=True, validators=NOT_NEGATIVE
    )
    own_share = models.DecimalField(
        _("the company's own share (EUR)"), **MONEY, null=True, blank=True, validators=NOT_NEGATIVE
    )
    facilitator = models.ForeignKey(
        Manager,
        on_delete=models.PROTECT,
        verbose_name=_("manager who facilitates it"),
        related_name="projects",
    )
    # De minimis: state aid received in the current and the two previous fiscal years.
    de_minimis_received = models.DecimalField(
        _("state aid received in the current and two previous fiscal years (EUR)"),
        **MONEY,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    de_minimis_declared = models.BooleanField(_("de minimis declaration made"), default=False)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    declared_at = models.DateTimeField(null=True, blank=True)

    # Eligibility (staff): the checklist the portal computes, staff's judgement, the score.
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    judgement = models.JSONField(_("staff's checks"), default=dict, blank=True)
    criteria_scores = models.JSONField(_("scores by criterion"), default=dict, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    eligibility_reason = models.TextField(_("reason of the eligibility decision"), blank=True)

    # Decision and financing.
    amount_granted = models.DecimalField(_("amount granted (EUR)"), **MONEY, null=True, blank=True)
    amount_paid = models.DecimalField(_("amount paid (EUR)"), **MONEY, default=Decimal("0"))
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    cup_code = models.CharField(_("CUP project code"), max_length=15, blank=True)
    state_aid_code = models.CharField(_("code in the national State-aid register"), max_length=30, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    final_report = models.TextField(_("final report"), blank=True)
    revocation_reason = models.TextField(_("reason for revoking"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("development project")
        verbose_name_plural = _("development projects")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The administrators' board and home read the few projects in one status out of
            # a programme's thousand, and their latest decisions, without joining them all.
            models.Index(fields=["programme", "status"], name="project_programme_status_idx"),
            models.Index(fields=["programme", "-decided_at", "-id"], name="project_recent_decisions_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_granted__isnull=True) | Q(amount_paid__lte=F("amount_granted")),
                name="project_paid_within_granted",
            ),
            models.CheckConstraint(
                condition=Q(amount_granted__isnull=True)
                | Q(financing_requested__isnull=True)
                | Q(amount_granted__lte=F("financing_requested")),
                name="project_granted_within_requested",
            ),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="project_paid_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def amount_unpaid(self) -> Decimal:
        return (self.amount_granted or Decimal("0")) - self.amount_paid


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    REACHED = "reached", _("Reached, awaiting staff's check")
    PAID = "paid", _("Checked and paid")


class Milestone(models.Model):
    """A step of the work plan, with the tranche paid when staff have checked it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_on = models.DateField(_("due on"))
    tranche = models.DecimalField(_("tranche (EUR)"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE)
    status = models.CharField(
        _("status"), max_length=8, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    evidence = models.TextField(_("what shows it is reached"), blank=True)
    reached_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "position", "due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(tranche__gte=0), name="milestone_tranche_not_negative")
        ]

    def __str__(self) -> str:
        return self.title


class ApprovalDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class Approval(models.Model):
    """One administrator's decision on a project (two are needed when the programme asks)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="approvals")
    administrator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=8, choices=ApprovalDecision.choices)
    amount = models.DecimalField(_("amount granted (EUR)"), **MONEY, null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("administrator's decision")
        verbose_name_plural = _("administrators' decisions")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "administrator"], name="approval_one_per_administrator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.decision}"


class Recusal(models.Model):
    """An administrator's declared conflict of interest on a project: no part in its decision."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="recusals")
    administrator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("nature of the conflict"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("declared conflict of interest")
        verbose_name_plural = _("declared conflicts of interest")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "administrator"], name="recusal_one_per_administrator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.administrator_id}"
