"""Builds the demo programme from a fixed seed, calling each app's demo module in turn.

At a scale above 1 the same programme is built with every count multiplied (a national
edition for the benchmarks, in a database of its own). The benchmarks' builds also notify
the people the data implies, as the services would have done, so inboxes hold what they
would hold after such a year."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse

from assessments import demo as assessment_demo
from assessments.models import Assessment, AssessmentStatus
from managers import demo as manager_demo
from managers.models import Manager, ManagerStatus
from programme import demo as programme_demo
from programme.models import EmailStatus, Notification, Programme, User
from programme.notifications import render_message
from projects import demo as project_demo
from projects.models import Project
from smes import demo as sme_demo
from smes.models import Application, ApplicationStatus, CompanyMembership

DEMO_SEED = 20260301
# The stages of a build, for a progress bar: each app's part, then the notifications.
STAGES = ("programme", "SMEs", "managers", "assessments", "projects", "notifications")

Progress = Callable[[str, float, int], None]


@dataclass
class DemoContext:
    """What the app demos share: the programme, the fixed random source, the one password hash."""

    programme: Programme
    random: random.Random
    password_hash: str
    accounts: dict[str, User] = field(default_factory=dict)
    # How many times the demo's counts (1: the demo itself).
    scale: int = 1
    # Where the managers' CVs are written under the protected media root, so that a
    # national build never overwrites the demo's files.
    media_folder: str = "demo"
    # Called as progress(stage, done, total) during the long stages, when given.
    progress: Progress | None = None


@transaction.atomic
def rebuild(
    scale: int = 1, progress: Progress | None = None, history_notifications: bool = False
) -> DemoContext:
    """Delete the demo programme's own data and create it again, the same every time.
    With `history_notifications` (the benchmarks' builds) the inboxes get the
    notifications the services would have sent (see notify_history)."""

    current = {"stage": STAGES[0]}

    def stage(name: str) -> None:
        current["stage"] = name
        if progress is not None:
            progress(name, STAGES.index(name), len(STAGES))

    def within_stage(step: str, done: int, total: int) -> None:
        # A long stage's own progress, shown as its share of that stage's slice of the bar.
        if progress is not None and total:
            name = current["stage"]
            progress(f"{name}: {step}", STAGES.index(name) + done / total, len(STAGES))

    stage("programme")
    # Projects protect their assessments, and assessments their managers: they go first.
    project_demo.delete()
    assessment_demo.delete()
    programme_demo.delete()
    password_hash = make_password(programme_demo.DEMO_PASSWORD)
    context = DemoContext(
        programme=programme_demo.create_programme(scale),
        random=random.Random(DEMO_SEED),
        password_hash=password_hash,
        scale=scale,
        media_folder="demo" if scale == 1 else f"scale-{scale}",
        progress=within_stage,
    )
    context.accounts = programme_demo.create_accounts(password_hash)
    stage("SMEs")
    sme_demo.create(context)
    stage("managers")
    manager_demo.create(context)
    stage("assessments")
    assessment_demo.create(context)
    stage("projects")
    project_demo.create(context)
    if history_notifications:
        stage("notifications")
        notify_history(context)
    # The demo's history happened in the past: nobody is e-mailed about it.
    Notification.objects.filter(
        email__endswith=f"@{programme_demo.DEMO_EMAIL_DOMAIN}", email_status=EmailStatus.PENDING
    ).update(email_status=EmailStatus.SKIPPED)
    if progress is not None:
        progress("done", len(STAGES), len(STAGES))
    return context


def _rendered(recipient: User, event: str, link: str, when, **context) -> Notification:
    """The inbox row notify() would have written at `when`, already e-mailed then."""
    return Notification(
        recipient=recipient,
        email=recipient.email,
        event=event,
        link=link,
        **render_message(recipient, event, link=link, **context),
        created_at=when,
        email_status=EmailStatus.SENT,
        email_attempts=1,
        emailed_at=when,
    )


def notify_history(context: DemoContext) -> int:
    """Write the notifications the services would have sent for the data just built: an
    SME's enrolment, a manager's selection, each assessment's assignment and completed
    report, each project's approval. Rendered with the real e-mail templates, marked sent
    when the event happened; returns how many."""
    programme = context.programme
    site = settings.SITE_URL.rstrip("/")
    members = {
        membership.company_id: membership.user
        for membership in CompanyMembership.objects.filter(
            company__applications__programme=programme
        ).select_related("user")
    }
    rows: list[Notification] = []

    def flush(done: int, total: int) -> None:
        Notification.objects.bulk_create(rows, batch_size=2000)
        rows.clear()
        if context.progress is not None:
            context.progress("rendered", done, total)

    applications = list(
        Application.objects.filter(programme=programme, status=ApplicationStatus.ENROLLED).select_related(
            "company"
        )
    )
    managers = list(
        Manager.objects.filter(programme=programme, status=ManagerStatus.SELECTED).select_related("user")
    )
    assessments = list(
        Assessment.objects.filter(programme=programme)
        .select_related("application__company", "manager__user")
        .order_by("pk")
    )
    projects = list(
        Project.objects.filter(programme=programme).select_related("assessment__application__company")
    )
    total = len(applications) + len(managers) + len(assessments) + len(projects)
    done = 0
    sme_home = site + reverse("home:sme")
    for application in applications:
        member = members.get(application.company_id)
        if member is not None:
            rows.append(
                _rendered(
                    member,
                    "sme_application_enrolled",
                    site + reverse("smes:application_mine"),
                    application.enrolled_at,
                    application=application,
                    company=application.company,
                    programme=programme,
                )
            )
    done += len(applications)
    flush(done, total)
    for manager in managers:
        rows.append(
            _rendered(
                manager.user,
                "manager_selected",
                site + reverse("home:manager"),
                manager.decided_at,
                reason=manager.decision_reason,
                programme=programme,
            )
        )
    done += len(managers)
    flush(done, total)
    for number, assessment in enumerate(assessments, start=1):
        company = assessment.application.company
        rows.append(
            _rendered(
                assessment.manager.user,
                "assessment_assigned",
                site + reverse("assessments:answer", args=[assessment.pk]),
                assessment.assigned_at,
                company=company.legal_name,
                due=assessment.answer_due_on,
            )
        )
        member = members.get(company.pk)
        if assessment.status == AssessmentStatus.COMPLETED and member is not None:
            rows.append(
                _rendered(
                    member,
                    "review_completed_sme",
                    site + reverse("reports:report", args=[assessment.pk]),
                    assessment.completed_at,
                    company=company.legal_name,
                    manager=assessment.manager.user,
                )
            )
        if number % 1000 == 0:
            flush(done + number, total)
    done += len(assessments)
    flush(done, total)
    for project in projects:
        company = project.assessment.application.company
        member = members.get(company.pk)
        if member is not None:
            rows.append(
                _rendered(
                    member,
                    "financing_approved",
                    sme_home,
                    project.decided_at,
                    project=project.title,
                    company=company.legal_name,
                    amount=project.amount_granted,
                )
            )
    done += len(projects)
    flush(done, total)
    return Notification.objects.filter(recipient__in=[*members.values()]).count()
