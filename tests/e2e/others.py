"""What the other people of a journey do, through the services (as the issue allows, to keep
each journey short), and the waits on what the Celery worker does in its own process."""

from __future__ import annotations

import email
import re
import time
from collections.abc import Callable
from decimal import Decimal
from email.message import Message
from pathlib import Path
from typing import TypeVar

from django.utils import timezone

from assessments import services as matching_services
from assessments.models import Assessment, MatchingRun, RunStatus
from assessments.review import services as review_services
from assessments.work import services as work_services
from managers import merit
from managers import services as manager_services
from managers.models import Manager
from programme.models import Programme, User
from programme.reference import AssessmentArea
from smes import services as sme_services
from smes.models import Application

# How long a wait on the worker may last at most; each goes on as soon as its condition holds.
WAIT_SECONDS = 60
POLL_SECONDS = 0.2

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], seconds: float = WAIT_SECONDS) -> T:
    """Asks `probe` until it answers something, across processes (the worker writes to the
    database and the mail folder, which no event of this process follows)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"waited {seconds} s for {what}")


def messages_to(mail_dir: Path, address: str) -> list[Message]:
    """The e-mails the worker sent to `address`, from the file backend's folder."""
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        # The file backend writes each message followed by a line of 79 dashes.
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                message = email.message_from_bytes(chunk.strip())
                if address in (message["To"] or ""):
                    found.append(message)
    return found


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("the message has no plain text part")


def link_in_mail(mail_dir: Path, address: str, pattern: str) -> str:
    """Waits for an e-mail to `address` carrying a link that matches `pattern`, and gives it."""

    def probe() -> str | None:
        for message in messages_to(mail_dir, address):
            found = re.search(pattern, text_of(message))
            if found:
                return found.group(0)
        return None

    return wait_for(f"an e-mail to {address} with a link like {pattern}", probe)


# Staff


def enrol(application: Application, *, staff: User) -> Application:
    application.refresh_from_db()
    sme_services.application_decide(
        application=application, eligible=True, reason="Requisiti verificati.", by=staff
    )
    return sme_services.application_enrol(application=application, by=staff)


def select_manager(manager: Manager, *, staff: User) -> Manager:
    """Staff review the manager on merit, then select them."""
    manager_services.review_save(
        manager=manager, by=staff, scores=dict.fromkeys(merit.CRITERIA_KEYS, 4), notes={}
    )
    return manager_services.manager_select(manager=manager, by=staff, reason="Profilo solido.")


def match_and_confirm(programme: Programme, *, staff: User) -> list[Assessment]:
    """A matching run that the real worker computes; staff confirm its proposals."""
    run = matching_services.matching_run_start(programme=programme, by=staff)
    wait_for(
        "the worker to propose the matching run",
        lambda: MatchingRun.objects.filter(pk=run.pk, status=RunStatus.PROPOSED).exists(),
    )
    run.refresh_from_db()
    return matching_services.matching_run_confirm(run=run, by=staff)


def complete(assessment: Assessment, *, staff: User) -> Assessment:
    return review_services.assessment_complete(assessment=assessment, by=staff)


# The manager


def accept(assessment: Assessment) -> Assessment:
    return matching_services.assessment_accept(assessment=assessment, by=assessment.manager.user)


def write_and_submit_report(assessment: Assessment) -> Assessment:
    """The manager's whole report, through the workspace's services: a visit, every
    dimension scored, three recommendations; then submitted."""
    manager = assessment.manager.user
    work_services.visit_record(
        assessment=assessment,
        held_on=timezone.localdate(),
        duration_unit="half_days",
        duration=Decimal("1"),
        participants="Titolare, responsabile di produzione",
        by=manager,
    )
    work_services.draft_save(
        assessment=assessment,
        findings={
            dimension: {"current_level": 2, "target_level": 4, "evidence": "Processi in parte digitali."}
            for dimension in AssessmentArea.values
        },
        summary="Un'impresa solida, pronta a collegare le macchine al gestionale.",
        by=manager,
    )
    for number, dimension in enumerate(AssessmentArea.values[:3], start=1):
        work_services.recommendation_add(
            assessment=assessment,
            title=f"Raccomandazione {number}",
            dimension=dimension,
            description="Collegare le macchine al gestionale.",
            by=manager,
        )
    return work_services.assessment_submit(assessment=assessment, by=manager)
