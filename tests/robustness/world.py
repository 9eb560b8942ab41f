"""One small programme with an object in every state a form acts on, and a signed-in client
for each persona, built once for the fuzz module (each test and each example then runs in
a savepoint that is rolled back, so they all start from this same state)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment, AssessmentStatus, MatchingRun, Visit
from managers.models import Manager, ManagerStatus
from programme.models import Programme, User
from projects.models import Milestone, Project, ProjectStatus
from projects.proposal import services as project_services
from smes.models import Application, ApplicationStatus
from tests.assessments.conftest import enrolled, selected
from tests.assessments.review_fixtures import full_report, make_assessment
from tests.assessments.work_fixtures import add_recommendations
from tests.conftest import sign_in
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    ApplicationFactory,
    CompanyFactory,
    ManagerFactory,
    ManagerUserFactory,
    ProgrammeFactory,
    SmeMemberFactory,
    StaffFactory,
    passing_results,
    review,
)
from tests.projects.financing_fixtures import completed_assessment, make_project, reach


@dataclass
class World:
    programme: Programme
    users: dict[str, User]
    clients: dict[str, Client] = field(default_factory=dict)
    draft_application: Application | None = None
    submitted_application: Application | None = None
    draft_manager: Manager | None = None
    applied_manager: Manager | None = None
    manager: Manager | None = None
    free_manager: Manager | None = None
    assigned: Assessment | None = None
    in_progress: Assessment | None = None
    pending_visit: Visit | None = None
    submitted: Assessment | None = None
    completed: Assessment | None = None
    run: MatchingRun | None = None
    draft_project: Project | None = None
    submitted_project: Project | None = None
    eligible_project: Project | None = None
    approved_project: Project | None = None
    coded_project: Project | None = None
    started_project: Project | None = None
    open_milestone: Milestone | None = None
    reached_milestone: Milestone | None = None
    # The form of a password-reset link, once the link's key is kept in the session.
    reset_url: str = ""


def build() -> World:
    programme = ProgrammeFactory(two_administrators_required=False)
    users = {
        "staff": StaffFactory(language="en"),
        "administrator": AdministratorFactory(language="en"),
        "applicant": SmeMemberFactory(language="en"),
        "sme_visited": SmeMemberFactory(language="en"),
        "sme_assessed": SmeMemberFactory(language="en"),
        "sme_financed": SmeMemberFactory(language="en"),
        "manager_draft": ManagerUserFactory(language="en"),
        "manager": ManagerUserFactory(language="en"),
        "manager_free": ManagerUserFactory(language="en"),
    }
    world = World(programme=programme, users=users)

    # The SME side: a draft to write, a submitted application with a failed rule for staff.
    world.draft_application = ApplicationFactory(
        programme=programme, company=CompanyFactory(member=users["applicant"])
    )
    results = passing_results()
    results[0] = {**results[0], "passed": False}
    world.submitted_application = ApplicationFactory(
        programme=programme,
        status=ApplicationStatus.SUBMITTED,
        company=CompanyFactory(member=SmeMemberFactory()),
        eligibility_results=results,
    )

    # The pool: a draft profile, an applied one for staff, two selected managers.
    world.draft_manager = ManagerFactory(
        programme=programme, user=users["manager_draft"], status=ManagerStatus.DRAFT, applied_at=None
    )
    world.applied_manager = ManagerFactory(programme=programme, status=ManagerStatus.APPLIED)
    review(world.applied_manager, users["staff"])
    world.manager = selected(programme, ["MI", "MB", "BG"], capacity=3, user=users["manager"])
    world.free_manager = selected(programme, ["MI", "BG"], capacity=3, user=users["manager_free"])
    # A second manager with places left, so that matching proposes alternatives.
    selected(programme, ["MI", "BG"], capacity=3, merit="3.50")

    # Assessments of the manager persona in each state a form acts on.
    world.assigned = make_assessment(
        enrolled(programme, "MI", "Milano"), world.manager, AssessmentStatus.ASSIGNED
    )
    visited = ApplicationFactory(
        programme=programme,
        status=ApplicationStatus.ENROLLED,
        company=CompanyFactory(member=users["sme_visited"], province="MI", municipality="Milano"),
    )
    world.in_progress = make_assessment(visited, world.manager, AssessmentStatus.IN_PROGRESS)
    add_recommendations(world.in_progress, 2)
    world.pending_visit = Visit.objects.create(
        assessment=world.in_progress,
        held_on=timezone.localdate() - datetime.timedelta(days=2),
        duration_unit="hours",
        duration=Decimal("4"),
        mode="on_site",
        participants="Giulia Verdi, responsabile qualità",
    )
    world.submitted = full_report(
        make_assessment(enrolled(programme, "BG", "Bergamo"), world.manager, AssessmentStatus.SUBMITTED)
    )
    world.completed = full_report(
        completed_assessment(programme, member=users["sme_assessed"], manager=world.manager)
    )
    world.draft_project = project_services.project_create(
        assessment=world.completed, by=users["sme_assessed"]
    )

    # A matching run with proposals awaiting confirmation: two SMEs no one assesses yet.
    enrolled(programme, "MI", "Milano")
    enrolled(programme, "BG", "Bergamo")
    world.run = assessment_services.matching_run_start(programme=programme, by=users["staff"])
    assessment_services.matching_run_execute(run_id=world.run.pk)
    world.run.refresh_from_db()

    # Projects at each step of financing.
    world.submitted_project = make_project(
        programme, manager=world.manager, status=ProjectStatus.SUBMITTED, score=None
    )
    world.eligible_project = make_project(programme, manager=world.manager, status=ProjectStatus.ELIGIBLE)
    world.approved_project = make_project(programme, manager=world.manager, status=ProjectStatus.APPROVED)
    world.coded_project = make_project(
        programme,
        manager=world.manager,
        status=ProjectStatus.APPROVED,
        cup_code="J41B26000120007",
        state_aid_code="1234567",
    )
    world.started_project = make_project(
        programme, manager=world.manager, member=users["sme_financed"], status=ProjectStatus.STARTED
    )
    milestones = list(world.started_project.milestones.order_by("position"))
    world.reached_milestone = reach(milestones[0])
    world.open_milestone = milestones[1]

    world.clients = {"anonymous": Client()}
    for persona, user in users.items():
        world.clients[persona] = sign_in(Client(), user)
    _part_way_through_account_flows(world)
    return world


def _part_way_through_account_flows(world: World) -> None:
    """Clients in the middle of an account flow, for the account forms: staff who gave the
    password but not yet the authenticator code; a visitor who opened a password-reset
    link; the free manager, who confirmed the password and opened the authenticator set-up
    page (whose secret the session keeps)."""
    # A staff member of their own: an authenticator code is taken once only, and the staff
    # persona's was taken when it signed in above.
    halfway = world.users["staff_password_only"] = StaffFactory(language="en")
    staff = world.clients["staff_password_only"] = Client()
    staff.post(reverse("account_login"), {"login": halfway.email, "password": PASSWORD})
    forgetful = SmeMemberFactory(language="en")
    link = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(forgetful),
            "key": default_token_generator.make_token(forgetful),
        },
    )
    visitor = world.clients["reset_link"] = Client()
    world.reset_url = visitor.get(link)["Location"]
    manager = world.clients["manager_free"]
    manager.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert manager.get(reverse("mfa_activate_totp")).status_code == 200


class _FormReader(HTMLParser):
    """The fields of each form of a page with the values the page fills in, as a browser
    would send them (checked boxes only, the selected options, the text of text areas)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "form":
            self._form = {"action": found.get("action") or "", "fields": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = found.get("name")
        if tag == "input" and name:
            kind = (found.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in found:
                return
            self._form["fields"].append((name, found.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in found, "chosen": [], "first": None}
        elif tag == "option" and self._select is not None:
            value = found.get("value") or ""
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in found:
                self._select["chosen"].append(value)
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = self._select["chosen"]
            if not chosen and not self._select["multiple"] and self._select["first"] is not None:
                chosen = [self._select["first"]]
            self._form["fields"].extend((self._select["name"], value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append((self._textarea["name"], self._textarea["text"].removeprefix("\n")))
            self._textarea = None


def filled_form(html: str, action: str) -> dict[str, list[str]]:
    """The values a browser would post with the form of `html` whose action is `action`."""
    reader = _FormReader()
    reader.feed(html)
    candidates = [form for form in reader.forms if form["action"] in (action, "")]
    exact = [form for form in candidates if form["action"] == action]
    chosen = (exact or candidates)[0]
    values: dict[str, list[str]] = {}
    for name, value in chosen["fields"]:
        if name == "csrfmiddlewaretoken":
            continue
        values.setdefault(name, []).append(value)
    return values
