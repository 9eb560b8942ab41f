"""Builds the demo programme from a fixed seed, calling each app's demo module in turn.

At a scale above 1 the same programme is built with every count multiplied (a national
edition for the benchmarks, in a database of its own). The benchmarks' builds also notify
the people the data implies, as the services would have done, so inboxes hold what they
would hold after such a year."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.urls import reverse
from django.utils.html import conditional_escape

from assessments import demo as assessment_demo
from assessments.models import Assessment, AssessmentStatus
from managers import demo as manager_demo
from managers.models import Manager, ManagerStatus
from programme import demo as programme_demo
from programme.models import EmailStatus, Language, Notification, Programme, User
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


# Markers that stand for one row's value while a message is rendered once for many rows:
# private-use characters (neither whitespace nor escaped) around the value's path, with
# an apostrophe inside, which shows whether the template escaped the value there.
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{_MARK_OPEN}([^'&{_MARK_CLOSE}]*)('|&#x27;){_MARK_CLOSE}")


def _marker(path: str) -> str:
    return f"{_MARK_OPEN}{path}'{_MARK_CLOSE}"


class _Stand:
    """Stands for an object of a message's context: each attribute a template reads, and
    the object itself when printed, becomes a marker naming it."""

    def __init__(self, path: str, **fixed: Any) -> None:
        self._path = path
        self.__dict__.update(fixed)

    def __getattr__(self, attribute: str) -> str:
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        return _marker(f"{self._path}.{attribute}")

    def __str__(self) -> str:
        return _marker(self._path)


class MessageRenderer:
    """render_message() for many rows at once: each event's templates are rendered once per
    language and shape (the context's dates, amounts and empty values, which the templates
    format or test), with markers for the texts and objects that vary by row; each row's
    message is that rendering with the row's values put in, escaped where the template
    escapes them. The first row of each event and language is rendered in full as well, and
    must come out the same."""

    def __init__(self) -> None:
        self._shapes: dict[tuple, dict[str, str]] = {}
        self._checked: set[tuple[str, str]] = set()

    def render(self, recipient: User, event: str, *, link: str = "", **context: Any) -> dict[str, str]:
        values = {"recipient": recipient, "link": link, **context}
        language = recipient.language or Language.ITALIAN
        stands: dict[str, Any] = {}
        fixed: list[tuple[str, Any]] = []
        for name, value in values.items():
            if isinstance(value, models.Model):
                stands[name] = _Stand(name, language=language) if name == "recipient" else _Stand(name)
            elif isinstance(value, str) and value:
                stands[name] = _marker(name)
            else:
                # Formatted or tested by the templates: rendered as they are (repr keeps
                # apart equal values that print differently, as Decimal 1.0 and 1.00).
                fixed.append((name, repr(value)))
                stands[name] = value
        shape = (event, language, tuple(fixed))
        template = self._shapes.get(shape)
        if template is None:
            template = self._shapes[shape] = render_message(
                stands.pop("recipient"), event, link=stands.pop("link"), **stands
            )

        def value_of(match: re.Match) -> str:
            name, *attributes = match.group(1).split(".")
            value = values[name]
            for attribute in attributes:
                value = getattr(value, attribute)
            value = value() if callable(value) else value
            if not isinstance(value, str) and attributes:
                raise TypeError(f"{event}: {match.group(1)} is not a text; put it in the shape")
            return conditional_escape(value) if match.group(2) != "'" else str(value)

        message = {
            "language": template["language"],
            "subject": " ".join(_MARKER.sub(value_of, template["subject"]).split()),
            "body_text": _MARKER.sub(value_of, template["body_text"]).strip(),
            "body_html": _MARKER.sub(value_of, template["body_html"]).strip(),
        }
        if (event, language) not in self._checked:
            if message != render_message(recipient, event, link=link, **context):
                raise RuntimeError(f"The message {event} ({language}) rendered once differs from its own.")
            self._checked.add((event, language))
        return message


def _rendered(
    renderer: MessageRenderer, recipient: User, event: str, link: str, when, **context
) -> Notification:
    """The inbox row notify() would have written at `when`, already e-mailed then."""
    return Notification(
        recipient=recipient,
        email=recipient.email,
        event=event,
        link=link,
        **renderer.render(recipient, event, link=link, **context),
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
    renderer = MessageRenderer()

    def flush(done: int, total: int) -> None:
        Notification.objects.bulk_create(rows, batch_size=2000)
        rows.clear()
        if context.progress is not None:
            context.progress("rendered", done, total)

    # The long texts and JSON no message reads are left in the database.
    applications = list(
        Application.objects.filter(programme=programme, status=ApplicationStatus.ENROLLED)
        .select_related("company")
        .defer("eligibility_results", "needs_description")
    )
    managers = list(
        Manager.objects.filter(programme=programme, status=ManagerStatus.SELECTED).select_related("user")
    )
    assessments = list(
        Assessment.objects.filter(programme=programme)
        .select_related("application__company", "manager__user")
        .defer(
            "breakdown",
            "summary",
            "application__eligibility_results",
            "application__needs_description",
            "manager__career_summary",
        )
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
                    renderer,
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
                renderer,
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
                renderer,
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
                    renderer,
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
                    renderer,
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
