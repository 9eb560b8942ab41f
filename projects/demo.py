"""The projects' part of the demo: ten of the completed assessments go on to a development
project, each declared eligible with its checklist and scores, approved by the demo
administrator within the envelope, given its CUP and State-aid register codes, and started.

The work plans are in Italian, built from the recommendations the project takes up; the
amounts stay within the programme's limits (own share at least the minimum, de minimis
ceiling held) and their sum within the envelope, whose counters end consistent with the
projects (10 committed, the euros granted). The projects go to the earliest completed
assessments, so every date of their history falls before the demo's day; the demo SME
persona's and the manager persona's assessments are among them when they are completed,
so that signing in as either shows a project under way. Every choice comes from
context.random, every date is fixed: the data is the same at every rebuild."""

from __future__ import annotations

import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, F, OuterRef

from assessments.models import Assessment, AssessmentStatus, ProjectOutline, Rating, Recommendation
from programme.demo import audit_entry
from programme.models import AuditEntry, Programme, User
from programme.reference import AssessmentArea
from programme.roles import Role
from projects import checklist
from projects.models import Approval, ApprovalDecision, Milestone, MilestoneStatus, Project, ProjectStatus
from smes.models import ApplicationStatus, CompanyMembership

PROJECTS = 10
# The demo's "now", as in the assessments' demo: nothing happens after it.
AS_OF = datetime.date(2026, 11, 20)
THOUSAND = Decimal("1000")
HUNDRED = Decimal("100")

A = AssessmentArea
# What a project in each area buys and puts in place, as a manager writes it.
WORKS = {
    A.DIGITAL_STRATEGY: (
        "una roadmap digitale con un cruscotto di indicatori",
        "piattaforma di business intelligence",
    ),
    A.DIGITAL_READINESS: ("il gestionale ERP integrato con la produzione", "nuovo ERP in cloud"),
    A.HUMAN_CENTRIC: (
        "un piano di competenze digitali per il personale",
        "percorso formativo e strumenti collaborativi",
    ),
    A.DATA_MANAGEMENT: (
        "la raccolta dei dati di macchina e la sicurezza informatica",
        "sensori IoT, rete industriale e firewall",
    ),
    A.AUTOMATION_AI: (
        "l'automazione delle fasi a basso valore e un modello predittivo",
        "cella robotizzata e software di manutenzione predittiva",
    ),
    A.GREEN_DIGITAL: (
        "il monitoraggio dei consumi energetici e la loro riduzione",
        "sistema di monitoraggio energetico e inverter",
    ),
    A.OPERATIONS_LEAN: (
        "la pianificazione a capacità finita e il flusso snello",
        "sistema MES e kanban elettronico",
    ),
    A.FINANCE_CONTROL: (
        "il controllo di gestione per commessa",
        "software di contabilità industriale e budgeting",
    ),
    A.MARKET_INTERNATIONAL: (
        "l'apertura di due mercati esteri con l'e-commerce B2B",
        "portale B2B multilingue e CRM",
    ),
    A.ORGANISATION_PEOPLE: (
        "una nuova organizzazione per processi con ruoli chiari",
        "consulenza organizzativa e sistema di gestione HR",
    ),
}
# The steps of a plan: from the analysis to the results, with the share of the financing
# that each tranche pays (anticipo, stati di avanzamento, saldo).
PLAN_STEPS = (
    (
        "Analisi dei requisiti e progetto esecutivo",
        "Mappatura dei processi attuali, requisiti e capitolato per {work}.",
    ),
    ("Acquisto e installazione", "Fornitura e installazione di {tool}, con il collaudo del fornitore."),
    (
        "Integrazione con i sistemi aziendali",
        "Collegamento con il gestionale e migrazione dei dati esistenti.",
    ),
    ("Formazione del personale", "Formazione di operatori e responsabili, con procedure scritte."),
    (
        "Messa a regime e misura dei risultati",
        "Avvio in esercizio, confronto degli indicatori con la situazione di partenza (T0).",
    ),
)
SHARES = {3: (30, 40, 30), 4: (25, 30, 25, 20), 5: (20, 25, 20, 15, 20)}
ELIGIBILITY_REASONS = (
    "Progetto coerente con le raccomandazioni dell'assessment; costi pertinenti e piano credibile.",
    "Obiettivi chiari e misurabili, cofinanziamento dell'impresa adeguato, tempi realistici.",
    "Buona coerenza con l'assessment e impatto atteso significativo sulla competitività.",
)
MILESTONE_EVIDENCE = "Verbale di collaudo firmato, fatture quietanzate e documentazione fotografica."


def delete() -> None:
    """Remove the demo programme's projects (with their plans and decisions).
    Called before the assessments: a project protects its assessment."""
    Project.objects.filter(programme__is_demo=True).delete()


def _when(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def _round(amount: Decimal, step: Decimal = Decimal("500"), rounding: str = ROUND_HALF_UP) -> Decimal:
    return ((amount / step).quantize(Decimal("1"), rounding=rounding) * step).quantize(Decimal("0.01"))


def _cup(random, year: int) -> str:
    """A CUP in its usual shape: subject letter, two digits, sector letter, year, progressive."""
    letter = random.choice("BCDEFGHIJ")
    sector = random.choice("ABCDEFGHIJ")
    return f"{letter}{random.randint(11, 99)}{sector}{year % 100:02d}{random.randint(0, 999999):06d}{random.randint(1, 9):03d}"


def _chosen(random, programme: Programme, persona_ids: set[int], count: int = PROJECTS) -> list[Assessment]:
    """Ten completed assessments with recommendations: the personas' first, the rest drawn
    from the earliest completed, so each project has had time to start."""
    candidates = list(
        Assessment.objects.filter(
            Exists(Recommendation.objects.filter(assessment=OuterRef("pk"))),
            programme=programme,
            status=AssessmentStatus.COMPLETED,
            application__status=ApplicationStatus.ENROLLED,
        )
        .select_related("application__company", "manager__user")
        .order_by("completed_at", "pk")
    )
    early = [item for item in candidates if item.completed_at.date() <= AS_OF - datetime.timedelta(days=75)]
    first = [item for item in candidates if item.pk in persona_ids and item in early]
    pool = [item for item in early[: count * 3] if item not in first]
    chosen = first + random.sample(pool, count - len(first))
    return sorted(chosen, key=lambda item: (item.completed_at, item.pk))


def create(context) -> list[Project]:
    """Give ten completed assessments an eligible, approved and started project."""
    random = context.random
    programme: Programme = context.programme
    staff: User = context.accounts[Role.STAFF]
    administrator: User = context.accounts[Role.ADMINISTRATOR]
    sme_persona = context.accounts.get(Role.SME_MEMBER)
    manager_persona = context.accounts.get(Role.MANAGER)

    persona_ids = set(
        Assessment.objects.filter(programme=programme, status=AssessmentStatus.COMPLETED)
        .filter(
            application__company__memberships__user=sme_persona,
        )
        .values_list("pk", flat=True)[:1]
    ) | set(
        Assessment.objects.filter(
            programme=programme, status=AssessmentStatus.COMPLETED, manager__user=manager_persona
        )
        .order_by("completed_at", "pk")
        .values_list("pk", flat=True)[:1]
    )
    # A national edition (scale > 1) finances as many projects per SME as the demo.
    count = PROJECTS * getattr(context, "scale", 1)
    assessments = _chosen(random, programme, persona_ids, count)
    members = {
        membership.company_id: membership.user
        for membership in CompanyMembership.objects.filter(
            company__in=[assessment.application.company_id for assessment in assessments]
        )
        .select_related("user")
        .order_by("created_at", "pk")
    }
    recommendations: dict[int, list[Recommendation]] = {}
    for recommendation in Recommendation.objects.filter(assessment__in=assessments).order_by(
        "position", "pk"
    ):
        recommendations.setdefault(recommendation.assessment_id, []).append(recommendation)
    outlines = {
        outline.assessment_id: outline
        for outline in ProjectOutline.objects.filter(assessment__in=assessments)
    }
    limits = checklist.ProgrammeLimits(
        cost_min=programme.project_cost_min,
        cost_max=programme.project_cost_max,
        own_share_min_percent=programme.own_share_min_percent,
        de_minimis_ceiling=programme.de_minimis_ceiling,
    )
    # Each project asks at most this much, so that ten always fit the envelope.
    ceiling_each = programme.envelope_amount / count

    projects, plans = [], []
    for assessment in assessments:
        member = members[assessment.application.company_id]
        taken = [item for item in recommendations[assessment.pk] if item.priority == Rating.HIGH][:3]
        taken = taken or recommendations[assessment.pk][:2]
        top = taken[0]
        outline = outlines.get(assessment.pk)
        work, tool = WORKS[top.dimension]

        own_percent = Decimal(random.choice((30, 35, 40, 40, 45, 50)))
        top_cost = min(
            programme.project_cost_max, ceiling_each * Decimal("0.95") * HUNDRED / (HUNDRED - own_percent)
        )
        low_cost = max(programme.project_cost_min, Decimal("45000"))
        total = _round(Decimal(random.uniform(float(low_cost), float(top_cost))), Decimal("2500"))
        # Rounded down, so the own share never falls below its percentage.
        requested = _round(total * (HUNDRED - own_percent) / HUNDRED, rounding=ROUND_DOWN)
        own = total - requested
        received = Decimal(random.choice((0, 0, 12_500, 25_000, 48_000, 80_000, 110_000)))
        # Now and then the committee trims costs it finds not pertinent.
        granted = (
            requested if random.random() < 0.7 else _round(requested * Decimal("0.92"), rounding=ROUND_DOWN)
        )

        created = assessment.completed_at + datetime.timedelta(days=random.randint(3, 9), hours=2)
        submitted = created + datetime.timedelta(days=random.randint(8, 16))
        eligible_at = submitted + datetime.timedelta(days=random.randint(4, 9))
        approved_at = eligible_at + datetime.timedelta(days=random.randint(5, 12))
        codes_at = approved_at + datetime.timedelta(days=random.randint(3, 8))
        started_on = (codes_at + datetime.timedelta(days=random.randint(2, 7))).date()

        figures = checklist.ProjectFigures(
            assessment_completed=True,
            company_enrolled=True,
            total_cost=total,
            financing_requested=requested,
            own_share=own,
            de_minimis_declared=True,
            de_minimis_received=received,
        )
        results = checklist.evaluate(figures, limits)
        scores = {criterion["key"]: random.randint(6, 10) for criterion in programme.project_criteria}
        title = outline.title if outline else f"{top.title}: progetto di sviluppo"
        objectives = (
            outline.objectives
            if outline and outline.objectives
            else " ".join(item.description for item in taken if item.description)
        ) or f"Realizzare {work}."
        project = Project(
            programme=programme,
            assessment=assessment,
            status=ProjectStatus.STARTED,
            title=title[:200],
            objectives=f"{objectives}\n\nIl progetto realizza {work}, misurando i risultati sulle stesse dimensioni dell'assessment.",
            total_cost=total,
            financing_requested=requested,
            own_share=own,
            facilitator=assessment.manager,
            de_minimis_received=received,
            de_minimis_declared=True,
            declared_by=member,
            declared_at=submitted - datetime.timedelta(hours=1),
            checklist=[result.as_data() for result in results],
            judgement={key: True for key in checklist.JUDGEMENT_KEYS},
            criteria_scores=scores,
            score=checklist.weighted_score(scores, programme.project_criteria),
            eligibility_reason=random.choice(ELIGIBILITY_REASONS),
            amount_granted=granted,
            cup_code=_cup(random, approved_at.year),
            state_aid_code=str(random.randint(10_000_000, 29_999_999)),
            started_on=started_on,
            created_by=member,
            created_at=created,
            submitted_at=submitted,
            decided_at=approved_at,
        )
        projects.append(project)
        plans.append((taken, work, tool, member, created, submitted, eligible_at, approved_at, codes_at))

    projects = Project.objects.bulk_create(projects)

    through = Project.recommendations.through
    links, milestones, approvals, entries = [], [], [], []
    content_type = ContentType.objects.get_for_model(Project)

    def entry(project, actor, action, when, from_status="", to_status="", reason="", data=None) -> None:
        entries.append(
            audit_entry(
                programme=programme,
                content_type=content_type,
                object_id=str(project.pk),
                actor=actor,
                action=action,
                when=when,
                from_status=from_status,
                to_status=to_status,
                reason=reason,
                data=data,
            )
        )

    S = ProjectStatus
    for index, (project, plan) in enumerate(zip(projects, plans, strict=True)):
        taken, work, tool, member, created, submitted, eligible_at, approved_at, codes_at = plan
        links += [through(project_id=project.pk, recommendation_id=item.pk) for item in taken]

        # The plan: three to five steps over a year or so, the tranches adding up to the request.
        count = random.choice((3, 4, 4, 5))
        middle = sorted(random.sample(PLAN_STEPS[2:4], count - 3), key=PLAN_STEPS.index)
        steps = [*PLAN_STEPS[:2], *middle, PLAN_STEPS[4]]
        shares = SHARES[count]
        due = project.started_on
        paid_so_far = Decimal("0")
        # The first projects to start have their first milestone checked and paid; one
        # more waits for staff's check, so staff's list has something to do.
        first_paid = index < 3 and project.started_on + datetime.timedelta(days=45) < AS_OF
        first_reached = index == 3 and project.started_on + datetime.timedelta(days=30) < AS_OF
        tranches = [_round(project.financing_requested * share / HUNDRED, Decimal("100")) for share in shares]
        tranches[-1] = project.financing_requested - sum(tranches[:-1])
        for position, ((step_title, step_text), tranche) in enumerate(zip(steps, tranches, strict=True)):
            due = due + datetime.timedelta(days=random.choice((60, 75, 90, 120)))
            milestone = Milestone(
                project=project,
                title=step_title,
                description=step_text.format(work=work, tool=tool),
                due_on=due,
                tranche=tranche,
                position=position,
            )
            if position == 0 and (first_paid or first_reached):
                reached = _when(min(due, AS_OF - datetime.timedelta(days=10)), 11)
                milestone.status = MilestoneStatus.REACHED
                milestone.evidence = MILESTONE_EVIDENCE
                milestone.reached_at = reached
                entry(
                    project,
                    member,
                    "milestone_reached",
                    reached,
                    reason=MILESTONE_EVIDENCE,
                    data={"title": step_title},
                )
                if first_paid:
                    # Paid in proportion to what was granted, as staff's form suggests.
                    amount = (tranche * project.amount_granted / project.financing_requested).quantize(
                        Decimal("0.01")
                    )
                    milestone.status = MilestoneStatus.PAID
                    milestone.paid_at = reached + datetime.timedelta(days=6)
                    milestone.checked_by = staff
                    paid_so_far += amount
                    entry(
                        project,
                        staff,
                        "tranche_paid",
                        milestone.paid_at,
                        data={"title": step_title, "amount": str(amount)},
                    )
            milestones.append(milestone)
        project.amount_paid = paid_so_far

        approvals.append(
            Approval(
                project=project,
                administrator=administrator,
                decision=ApprovalDecision.APPROVE,
                amount=project.amount_granted,
                created_at=approved_at,
            )
        )
        entry(project, member, "created", created, to_status=S.DRAFT)
        entry(
            project,
            member,
            "de_minimis_declared",
            project.declared_at,
            data={"received": str(project.de_minimis_received)},
        )
        entry(project, member, "submitted", submitted, S.DRAFT, S.SUBMITTED)
        entry(
            project,
            staff,
            "declared_eligible",
            eligible_at,
            S.SUBMITTED,
            S.ELIGIBLE,
            project.eligibility_reason,
            {"score": str(project.score)},
        )
        entry(
            project,
            administrator,
            "approved",
            approved_at,
            S.ELIGIBLE,
            S.APPROVED,
            data={"amount": str(project.amount_granted), "approvers": [administrator.pk]},
        )
        entry(
            project,
            staff,
            "codes_recorded",
            codes_at,
            data={"cup_code": project.cup_code, "state_aid_code": project.state_aid_code},
        )
        entry(
            project,
            staff,
            "started",
            _when(project.started_on, 9),
            S.APPROVED,
            S.STARTED,
            data={"started_on": project.started_on.isoformat()},
        )

    through.objects.bulk_create(links)
    Milestone.objects.bulk_create(milestones)
    Approval.objects.bulk_create(approvals)
    Project.objects.bulk_update([project for project in projects if project.amount_paid], ["amount_paid"])
    AuditEntry.objects.bulk_create(sorted(entries, key=lambda item: item.created_at))
    # The envelope's counters, as project_approve keeps them: one place and the amount granted each.
    Programme.objects.filter(pk=programme.pk).update(
        committed_projects=F("committed_projects") + len(projects),
        committed_amount=F("committed_amount") + sum(project.amount_granted for project in projects),
    )
    programme.refresh_from_db()
    return projects
