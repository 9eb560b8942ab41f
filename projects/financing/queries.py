"""Read side of financing: the projects each person may see, the administrators' ranked
board with the envelope, one project with its decisions and milestones, the portfolio of
financed projects, and the administrator's home."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from programme import figures
from programme import queries as programme_queries
from programme.models import Programme, User
from programme.roles import Role, role_names
from projects.financing import words
from projects.financing.rules import AWAITING_DECISION
from projects.models import (
    Approval,
    ApprovalDecision,
    Milestone,
    MilestoneStatus,
    Project,
    ProjectStatus,
    Recusal,
)
from projects.proposal import words as proposal_words
from projects.queries import EVER_ELIGIBLE

FINANCED_STATUSES = (
    ProjectStatus.APPROVED,
    ProjectStatus.STARTED,
    ProjectStatus.CLOSED,
    ProjectStatus.REVOKED,
)
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=12, decimal_places=2))


def visible_projects(user: User, programme: Programme) -> QuerySet[Project]:
    """The programme's projects from eligibility on that `user` may see: staff and
    administrators all of them; a company's members theirs; a manager those they assessed
    or facilitate. Anyone else: none (so the page answers 404)."""
    roles = role_names(user)
    projects = Project.objects.filter(programme=programme, status__in=EVER_ELIGIBLE)
    if roles & {Role.STAFF, Role.ADMINISTRATOR}:
        return projects
    seen = Q(pk__in=[])
    if Role.SME_MEMBER in roles:
        seen |= Q(assessment__application__company__memberships__user=user)
    if Role.MANAGER in roles:
        seen |= Q(assessment__manager__user=user) | Q(facilitator__user=user)
    return projects.filter(seen).distinct()


def with_details(projects: QuerySet[Project]) -> QuerySet[Project]:
    """What the project page and the predicates read, in a fixed number of queries."""
    return projects.select_related(
        "programme",
        "assessment__manager__user",
        "assessment__application__company",
        "facilitator__user",
    ).prefetch_related(
        "assessment__application__company__memberships",
        Prefetch("approvals", queryset=Approval.objects.select_related("administrator")),
        Prefetch("recusals", queryset=Recusal.objects.select_related("administrator")),
        Prefetch("milestones", queryset=Milestone.objects.select_related("checked_by")),
        "recommendations",
    )


@dataclass(frozen=True)
class Envelope:
    """The programme's envelope in projects and euros: total, committed, remaining."""

    projects_total: int
    projects_committed: int
    projects_left: int
    amount_total: Decimal
    amount_committed: Decimal
    amount_left: Decimal
    amount_paid: Decimal
    requested_awaiting: Decimal
    projects_awaiting: int

    @property
    def committed_percent(self) -> int:
        if not self.amount_total:
            return 0
        return int(self.amount_committed * 100 / self.amount_total)


def envelope(programme: Programme) -> Envelope:
    """Read from the programme row now (the counters) and one aggregate over its projects."""
    fresh = Programme.objects.only(
        "envelope_projects", "envelope_amount", "committed_projects", "committed_amount"
    ).get(pk=programme.pk)
    figures = Project.objects.filter(programme=programme).aggregate(
        paid=Coalesce(Sum("amount_paid", filter=Q(status__in=FINANCED_STATUSES)), ZERO),
        requested=Coalesce(Sum("financing_requested", filter=Q(status__in=AWAITING_DECISION)), ZERO),
        awaiting=Count("pk", filter=Q(status__in=AWAITING_DECISION)),
    )
    return Envelope(
        projects_total=fresh.envelope_projects,
        projects_committed=fresh.committed_projects,
        projects_left=fresh.projects_left,
        amount_total=fresh.envelope_amount,
        amount_committed=fresh.committed_amount,
        amount_left=fresh.amount_left,
        amount_paid=figures["paid"],
        requested_awaiting=figures["requested"],
        projects_awaiting=figures["awaiting"],
    )


def administrators() -> list[User]:
    return list(
        User.objects.filter(groups__name=Role.ADMINISTRATOR, is_active=True).order_by("pk").distinct()
    )


@dataclass(frozen=True)
class DecisionState:
    """Who approved a project, who declared a conflict, who is still awaited."""

    approvals: list[Approval]
    recused: list[User]
    awaited: list[User]
    approvals_needed: int

    @property
    def approvals_given(self) -> int:
        return sum(1 for approval in self.approvals if approval.decision == ApprovalDecision.APPROVE)


def decision_state(project: Project, programme: Programme, admins: Iterable[User]) -> DecisionState:
    """From the project's prefetched approvals and recusals; no query."""
    approvals = list(project.approvals.all())
    recusals = list(project.recusals.all())
    decided = {approval.administrator_id for approval in approvals}
    recused_ids = {recusal.administrator_id for recusal in recusals}
    awaited = []
    if project.status in AWAITING_DECISION:
        awaited = [admin for admin in admins if admin.pk not in decided and admin.pk not in recused_ids]
    return DecisionState(
        approvals=approvals,
        recused=[recusal.administrator for recusal in recusals],
        awaited=awaited,
        approvals_needed=2 if programme.two_administrators_required else 1,
    )


def decision_board(programme: Programme) -> list[Project]:
    """The projects awaiting the administrators' decision, best score first; each with its
    decision state and whether it fits in what the envelope has left."""
    projects = list(
        Project.objects.filter(programme=programme, status__in=AWAITING_DECISION)
        .select_related("assessment__application__company", "facilitator__user")
        .prefetch_related(
            Prefetch("approvals", queryset=Approval.objects.select_related("administrator")),
            Prefetch("recusals", queryset=Recusal.objects.select_related("administrator")),
        )
        .order_by(F("score").desc(nulls_last=True), "submitted_at", "pk")
    )
    admins = administrators()
    for rank, project in enumerate(projects, start=1):
        project.rank = rank
        project.decision = decision_state(project, programme, admins)
    return projects


def recent_decisions(programme: Programme, limit: int = 10) -> list[Project]:
    return list(
        Project.objects.filter(programme=programme, decided_at__isnull=False)
        .select_related("assessment__application__company")
        .order_by("-decided_at", "-pk")[:limit]
    )


def portfolio(programme: Programme, status: str = "") -> QuerySet[Project]:
    """The financed projects (approved, started, closed, revoked) with their milestones
    counted in the database: how many, reached and awaiting staff's check, paid."""
    statuses = [status] if status in FINANCED_STATUSES else list(FINANCED_STATUSES)
    return (
        Project.objects.filter(programme=programme, status__in=statuses)
        .select_related("assessment__application__company", "facilitator__user")
        .annotate(
            milestones_total=Count("milestones"),
            milestones_to_check=Count("milestones", filter=Q(milestones__status=MilestoneStatus.REACHED)),
            milestones_paid=Count("milestones", filter=Q(milestones__status=MilestoneStatus.PAID)),
        )
        .order_by(
            F("milestones_to_check").desc(), F("started_on").desc(nulls_first=True), "-decided_at", "-pk"
        )
    )


def portfolio_counts(programme: Programme) -> dict[str, int]:
    return Project.objects.filter(programme=programme).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in FINANCED_STATUSES},
        milestones_to_check=Count("milestones", filter=Q(milestones__status=MilestoneStatus.REACHED)),
    )


def kept_portfolio_counts(programme: Programme) -> dict[str, int]:
    """portfolio_counts(), computed once per change of the programme (programme.figures)."""
    return figures.kept(programme, "portfolio", lambda: portfolio_counts(programme))


def portfolio_count(counts: dict[str, int], status: str = "") -> int:
    """How many projects the portfolio lists with the status chosen (every financed one
    without), from its counts."""
    return counts[status] if status in FINANCED_STATUSES else sum(counts[each] for each in FINANCED_STATUSES)


def timeline(project: Project) -> list:
    """The project's history in words, the proposal's and eligibility's entries included."""
    labels = {**proposal_words.ACTION_LABELS, **words.ACTION_LABELS}
    return programme_queries.described(
        programme_queries.timeline(project), actions=labels, statuses=ProjectStatus
    )


@dataclass(frozen=True)
class AdministratorHome:
    envelope: Envelope
    awaiting: list[Project]
    awaiting_me: list[Project]
    recent: list[Project]


def administrator_home(programme: Programme, user: User) -> AdministratorHome:
    """The envelope, the projects awaiting a decision (those waiting for this administrator
    first), and the latest decisions."""
    board = decision_board(programme)
    awaiting_me = [
        project for project in board if any(admin.pk == user.pk for admin in project.decision.awaited)
    ]
    return AdministratorHome(
        envelope=envelope(programme),
        awaiting=board,
        awaiting_me=awaiting_me,
        recent=recent_decisions(programme, limit=5),
    )
