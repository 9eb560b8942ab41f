"""The staff dashboard: every figure against data built for the test, the page, its
permissions and its fixed number of queries."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from assessments import totals
from assessments.models import Assessment, AssessmentStatus, Finding
from managers.models import Manager, ManagerStatus
from programme import figures
from programme.celery import app as celery_app
from programme.home import queries
from programme.models import Programme
from programme.reference import AssessmentArea
from projects.models import Project, ProjectStatus
from smes import services as sme_services
from smes.models import Application, ApplicationStatus
from tests import celery_queue
from tests.conftest import sign_in
from tests.factories import ApplicationFactory, CompanyFactory, ManagerFactory, ProgrammeFactory, StaffFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate()
OPEN = (
    AssessmentStatus.ASSIGNED,
    AssessmentStatus.ACCEPTED,
    AssessmentStatus.IN_PROGRESS,
    AssessmentStatus.SUBMITTED,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff_client():
    """Staff who read the portal in English, the source language of the assertions."""
    return sign_in(Client(), StaffFactory(language="en"))


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def application(
    programme: Programme,
    status: str,
    *,
    province: str = "MI",
    section: str = "C",
    size: str = "small",
    enrolled_days_ago: float | None = None,
    decided: bool = True,
    waitlist_position: int = 1,
) -> Application:
    company = CompanyFactory(province=province, ateco_section=section)
    fields = {}
    if (
        status not in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN)
        and decided
    ):
        fields["decided_at"] = days_ago(120)
    if status == ApplicationStatus.WAITLISTED:
        fields["waitlist_position"] = waitlist_position
    if enrolled_days_ago is not None:
        fields["enrolled_at"] = days_ago(enrolled_days_ago)
    made = ApplicationFactory(programme=programme, company=company, status=status, **fields)
    if status != ApplicationStatus.DRAFT:
        Application.objects.filter(pk=made.pk).update(size_class=size)
    return made


def manager(programme: Programme, status: str, capacity: int = 2, **fields) -> Manager:
    return ManagerFactory(programme=programme, status=status, capacity=capacity, profile_rows=False, **fields)


def assessment(
    app: Application,
    by: Manager,
    status: str,
    *,
    match_days: float,
    accepted_after: float | None = None,
    completed_after: float | None = None,
    due_on: datetime.date | None = None,
) -> Assessment:
    """An assessment assigned `match_days` after the SME's enrolment, accepted and
    completed the given number of days after that; an open one takes a manager's place."""
    assigned_at = app.enrolled_at + datetime.timedelta(days=match_days)
    fields = {
        "programme": app.programme,
        "application": app,
        "manager": by,
        "status": status,
        "assigned_at": assigned_at,
        "answer_due_on": assigned_at.date() + datetime.timedelta(days=7),
        "due_on": due_on or TODAY + datetime.timedelta(days=60),
    }
    if accepted_after is not None:
        fields["accepted_at"] = assigned_at + datetime.timedelta(days=accepted_after)
        if completed_after is not None:
            fields["completed_at"] = fields["accepted_at"] + datetime.timedelta(days=completed_after)
    made = Assessment.objects.create(**fields)
    if status in OPEN:
        Manager.objects.filter(pk=by.pk).update(open_assessments=by.open_assessments + 1)
        by.refresh_from_db()
    return made


def findings(made: Assessment, current: int, target: int) -> None:
    Finding.objects.bulk_create(
        Finding(assessment=made, dimension=dimension, current_level=current, target_level=target)
        for dimension in AssessmentArea.values
    )


def project(made: Assessment, status: str) -> Project:
    return Project.objects.create(
        programme=made.programme,
        assessment=made,
        status=status,
        title="Fabbrica connessa",
        facilitator=made.manager,
        total_cost=Decimal("100000"),
        financing_requested=Decimal("60000"),
        own_share=Decimal("40000"),
        amount_granted=Decimal("50000") if status == ProjectStatus.STARTED else None,
    )


@pytest.fixture
def world(programme):
    """A programme in every state that matters to the figures; see each test for the sums."""
    Programme.objects.filter(pk=programme.pk).update(
        assessment_quota=10,
        enrolled_count=8,
        committed_projects=1,
        committed_amount=Decimal("50000"),
        envelope_projects=10,
        envelope_amount=Decimal("1000000"),
    )
    programme.refresh_from_db()
    busy = manager(programme, ManagerStatus.SELECTED, capacity=3)
    full = manager(programme, ManagerStatus.SELECTED, capacity=2)
    idle = manager(programme, ManagerStatus.SELECTED, capacity=1)
    manager(programme, ManagerStatus.APPLIED)
    manager(programme, ManagerStatus.NOT_SELECTED)
    suspended = manager(programme, ManagerStatus.SUSPENDED)
    manager(programme, ManagerStatus.DRAFT, applied_at=None)

    application(programme, ApplicationStatus.DRAFT)
    application(programme, ApplicationStatus.SUBMITTED, province="BG")
    application(programme, ApplicationStatus.INELIGIBLE, section="G", size="micro")
    application(programme, ApplicationStatus.ELIGIBLE)
    application(programme, ApplicationStatus.WAITLISTED, size="medium")
    application(programme, ApplicationStatus.WITHDRAWN, province="BG")

    enrolled = {
        name: application(programme, ApplicationStatus.ENROLLED, province=province, enrolled_days_ago=100)
        for name, province in (
            ("n1", "MI"),
            ("n2", "MI"),
            ("n3", "MI"),
            ("n4", "MI"),
            ("n5", "BG"),
            ("n6", "BG"),
            ("n7", "BG"),
            ("n8", "BG"),
        )
    }
    done_fast = assessment(
        enrolled["n1"], busy, AssessmentStatus.COMPLETED, match_days=4, accepted_after=1, completed_after=10
    )
    done_slow = assessment(
        enrolled["n2"], busy, AssessmentStatus.COMPLETED, match_days=6, accepted_after=1, completed_after=20
    )
    cancelled = assessment(enrolled["n3"], full, AssessmentStatus.CANCELLED, match_days=2, accepted_after=1)
    # Declined first, then matched again: the first match is what enrolment-to-match measures.
    assessment(enrolled["n4"], idle, AssessmentStatus.DECLINED, match_days=8)
    assessment(enrolled["n4"], busy, AssessmentStatus.IN_PROGRESS, match_days=12, accepted_after=1)
    assessment(enrolled["n5"], full, AssessmentStatus.ASSIGNED, match_days=10)
    assessment(
        enrolled["n7"],
        full,
        AssessmentStatus.ACCEPTED,
        match_days=1,
        accepted_after=1,
        due_on=TODAY - datetime.timedelta(days=3),
    )
    submitted = assessment(enrolled["n8"], busy, AssessmentStatus.SUBMITTED, match_days=3, accepted_after=1)
    findings(done_fast, current=2, target=4)
    findings(done_slow, current=3, target=5)
    # Neither a cancelled nor a submitted assessment counts for the levels.
    findings(cancelled, current=0, target=1)
    findings(submitted, current=5, target=5)
    project(done_fast, ProjectStatus.STARTED)
    project(done_slow, ProjectStatus.ELIGIBLE)

    # Another programme's completed assessment must not leak into this one's figures.
    other = ProgrammeFactory(is_current=False)
    other_sme = application(other, ApplicationStatus.ENROLLED, enrolled_days_ago=300)
    other_manager = manager(other, ManagerStatus.SELECTED)
    other_done = assessment(
        other_sme,
        other_manager,
        AssessmentStatus.COMPLETED,
        match_days=50,
        accepted_after=1,
        completed_after=100,
    )
    findings(other_done, current=1, target=1)
    # Made complete directly, not by assessment_complete: the totals are rebuilt.
    totals.recount(programme)
    totals.recount(other)
    return {"busy": busy, "full": full, "idle": idle, "suspended": suspended}


def test_headline_figures_leave_out_cancelled_and_declined_assessments(programme, world):
    assert queries.dashboard(programme)["figures"] == {
        "smes_enrolled": 8,
        "managers_selected": 3,
        "assessments_planned": 10,
        "assessments_assigned": 6,
        "assessments_completed": 2,
        "projects_eligible": 2,
        "projects_approved": 1,
        "projects_started": 1,
    }


def test_stats_json_prints_the_dashboard_figures(programme, world):
    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    assert json.loads(out.getvalue()) == queries.dashboard(programme)["figures"]


def test_quota_counts_each_status_and_the_overdue(programme, world):
    board = queries.dashboard(programme, TODAY)
    statuses = board["quota"]["statuses"]
    assert {status: statuses[status] for status in AssessmentStatus.values} == {
        "assigned": 1,
        "accepted": 1,
        "declined": 1,
        "lapsed": 0,
        "in_progress": 1,
        "submitted": 1,
        "completed": 2,
        "cancelled": 1,
    }
    assert statuses["overdue"] == 1
    assert board["applications"] == {"enrolled": 8, "waitlisted": 1, "to_check": 1, "eligible_waiting": 1}
    assert board["quota"]["planned"] == 10
    assert board["quota"]["assigned_share"] == 60.0
    assert board["quota"]["completed_share"] == 20.0
    assert board["quota"]["enrolled_share"] == 80.0


def test_funnel_counts_each_step_and_its_share_of_the_applications(programme, world):
    steps = {step.key: (step.count, step.share) for step in queries.funnel(programme)}
    assert steps == {
        "submitted": (13, 100.0),
        "eligible": (10, 76.9),
        "enrolled": (8, 61.5),
        "matched": (7, 53.8),
        "accepted": (6, 46.2),
        "completed": (2, 15.4),
        "project_eligible": (2, 15.4),
        "project_started": (1, 7.7),
    }


def test_breakdowns_by_province_sector_and_size(programme, world):
    def table(rows):
        return {row.key: (row.applied, row.enrolled, row.completed) for row in rows}

    assert table(queries.by_province(programme)) == {"MI": (7, 4, 2), "BG": (6, 4, 0)}
    assert table(queries.by_sector(programme)) == {"C": (12, 8, 2), "G": (1, 0, 0)}
    assert table(queries.by_size(programme)) == {"small": (11, 8, 2), "medium": (1, 0, 0), "micro": (1, 0, 0)}
    labels = {row.key: row.label for row in queries.by_province(programme)}
    assert labels["MI"] == "Milano"


def test_manager_pool_and_workload(programme, world):
    board = queries.dashboard(programme)
    assert board["pool"] == {
        "applied": 6,
        "selected": 3,
        "not_selected": 1,
        "suspended": 1,
        "left": 0,
        "with_capacity_left": 2,
        "places_left": 2,
    }
    busiest = board["busiest"]
    assert [row.pk for row in busiest[:2]] == [world["busy"].pk, world["full"].pk]
    assert (busiest[0].open_load, busiest[0].completed_load, busiest[0].capacity_left_now) == (2, 2, 1)
    assert {row.pk for row in board["idlest"][:2]} == {world["idle"].pk, world["suspended"].pk}
    assert len(busiest) == 4


def test_median_days_are_computed_from_enrolment_and_acceptance(programme, world):
    # First matches after 1, 2, 3, 4, 6, 8 and 10 days (the re-match after 12 is not the first);
    # completions 10 and 20 days after acceptance; the other programme's 50 and 100 stay out.
    assert queries.median_days(programme) == {"enrolment_to_match": 4.0, "acceptance_to_completion": 15.0}


def test_median_days_are_empty_without_data(programme):
    assert queries.median_days(programme) == {"enrolment_to_match": None, "acceptance_to_completion": None}


def test_levels_average_completed_assessments_only(programme, world):
    rows = {row.dimension: row for row in queries.levels(programme)}
    assert len(rows) == len(AssessmentArea.values)
    for row in rows.values():
        assert (row.current, row.target, row.findings) == (2.5, 4.5, 2)
    assert rows["digital_strategy"].is_eu and not rows["finance_control"].is_eu


def test_envelope_used(programme, world):
    envelope = queries.dashboard(programme)["envelope"]
    assert (envelope["projects"], envelope["projects_limit"], envelope["projects_share"]) == (1, 10, 10.0)
    assert (envelope["amount"], envelope["amount_share"]) == (Decimal("50000"), 5.0)


def test_chart_data_carries_the_same_figures_as_the_tables(programme, world):
    board = queries.dashboard(programme)
    charts = queries.chart_data(board)
    assert charts["funnel"]["datasets"][0]["data"] == [step.count for step in board["funnel"]]
    assert charts["assessments"]["datasets"][0]["data"] == [1, 1, 1, 0, 1, 1, 2, 1]
    assert charts["province"]["labels"] == [row.label for row in board["by_province"]]
    assert charts["levels"]["datasets"][0]["data"] == [2.5] * 10
    json.dumps(charts)


def test_staff_page_shows_the_figures_and_the_chart_data(staff_client, programme, world):
    response = staff_client.get(reverse("home:staff"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="dashboard-charts" type="application/json"' in html
    assert "vendor/chartjs-4.6.1/chart.umd.min.js" in html
    assert 'data-chart="funnel"' in html and 'data-chart="levels"' in html
    assert response.context["board"]["figures"]["assessments_completed"] == 2
    assert '<tr data-step="completed"><th scope="row" class="fw-normal">Assessment completed</th>' in html
    assert (
        '<tr data-key="MI"><th scope="row" class="fw-normal">Milano</th><td class="text-end">7</td>' in html
    )
    assert reverse("home:workload") in html
    assert 'Days from enrolment to match</dt><dd class="col-4 text-end fw-semibold mb-1">4.0</dd>' in html
    nonce = response.wsgi_request.csp_nonce
    assert f'src="/static/js/dashboard.js" nonce="{nonce}"' in html


def test_staff_page_without_a_programme(staff_client):
    response = staff_client.get(reverse("home:staff"))
    assert response.status_code == 200
    assert "No programme is running at the moment." in response.content.decode()
    assert response.context["board"] is None


@pytest.mark.parametrize("name", ["home:staff", "home:workload"])
def test_dashboard_pages_answer_each_persona(persona_clients, name):
    expected = {"anonymous": 302, "sme_member": 403, "manager": 403, "staff": 200, "administrator": 403}
    for persona, client in persona_clients.items():
        response = client.get(reverse(name))
        assert response.status_code == expected[persona], persona
        if persona == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))


def test_workload_page_lists_managers_busiest_or_idlest_first(staff_client, programme, world):
    busiest = staff_client.get(reverse("home:workload"))
    rows = list(busiest.context["page"].object_list)
    assert [row.pk for row in rows[:2]] == [world["busy"].pk, world["full"].pk]
    assert len(rows) == 4  # three selected and one suspended
    idlest = staff_client.get(reverse("home:workload"), {"sort": "idlest"})
    assert idlest.context["sort"] == "idlest"
    assert {row.pk for row in list(idlest.context["page"].object_list)[:2]} == {
        world["idle"].pk,
        world["suspended"].pk,
    }
    assert staff_client.get(reverse("home:workload"), {"sort": "nonsense"}).context["sort"] == "busiest"


def test_workload_page_is_paginated(staff_client, programme):
    for _number in range(27):
        manager(programme, ManagerStatus.SELECTED)
    first = staff_client.get(reverse("home:workload"))
    assert len(first.context["page"].object_list) == 25
    assert "sort=busiest&amp;page=2" in first.content.decode()
    second = staff_client.get(reverse("home:workload"), {"page": 2, "sort": "busiest"})
    assert len(second.context["page"].object_list) == 2


def grow(programme: Programme, size: int) -> None:
    """`size` SMEs in every state and `size` managers, each SME with findings and a project."""
    statuses = (
        AssessmentStatus.COMPLETED,
        AssessmentStatus.CANCELLED,
        AssessmentStatus.IN_PROGRESS,
        AssessmentStatus.DECLINED,
    )
    provinces = ("MI", "BG", "BS", "CO", "VA")
    for number in range(size):
        by = manager(programme, ManagerStatus.SELECTED, capacity=3)
        sme = application(
            programme, ApplicationStatus.ENROLLED, province=provinces[number % 5], enrolled_days_ago=100
        )
        status = statuses[number % len(statuses)]
        completed = status == AssessmentStatus.COMPLETED
        made = assessment(
            sme,
            by,
            status,
            match_days=number % 9 + 1,
            accepted_after=None if status == AssessmentStatus.DECLINED else 1,
            completed_after=number % 20 + 1 if completed else None,
        )
        findings(made, current=number % 4, target=5)
        if completed:
            project(made, ProjectStatus.STARTED if number % 2 else ProjectStatus.ELIGIBLE)
        application(
            programme,
            ApplicationStatus.WAITLISTED,
            province=provinces[number % 5],
            waitlist_position=number + 1,
        )


# One for the projects' headline figures, 12 for the rest (the other headline figures come
# from the applications', the pool's and the assessments' aggregates), see queries.dashboard.
DASHBOARD_QUERIES = 13
# What every signed-in page reads (session, user, roles, the current programme once, the
# navigation's counters; the session's last-seen time written, as on a first request).
PAGE_OVERHEAD = 8
PAGE_QUERIES = DASHBOARD_QUERIES + PAGE_OVERHEAD


@pytest.mark.parametrize("size", [2, 24])
def test_dashboard_makes_the_same_number_of_queries_whatever_the_size(
    programme, size, django_assert_num_queries
):
    grow(programme, size)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        board = queries.dashboard(programme)
        queries.chart_data(board)
    assert board["figures"]["smes_enrolled"] == size


# The programme's change mark (programme.figures) and the cache read; after a change, the
# figures computed and the cache written (its size checked, the key looked up, the row
# written, inside a savepoint).
CACHE_READ = 2
CACHE_WRITE = 5


@pytest.mark.parametrize("size", [2, 24])
def test_dashboard_page_makes_the_same_number_of_queries_whatever_the_size(
    staff_client, programme, size, django_assert_num_queries
):
    grow(programme, size)
    with django_assert_num_queries(PAGE_QUERIES + CACHE_READ + CACHE_WRITE):
        response = staff_client.get(reverse("home:staff"))
    assert response.status_code == 200
    # Nothing changed since: the figures are read back, not computed again (session, user,
    # roles, programme, the unread notifications, then the mark and the cache).
    with django_assert_num_queries(5 + CACHE_READ):
        again = staff_client.get(reverse("home:staff"))
    assert again.context["board"]["figures"] == response.context["board"]["figures"]


def _enrol_one(programme, staff_user) -> None:
    waiting = Application.objects.filter(programme=programme, status=ApplicationStatus.WAITLISTED).first()
    Programme.objects.filter(pk=programme.pk).update(assessment_quota=F("enrolled_count") + 1)
    sme_services.application_enrol(application=waiting, by=staff_user)


def test_after_a_change_the_dashboard_shows_the_figures_of_before_while_a_worker_computes_new_ones(
    staff_client, staff_user, programme, django_capture_on_commit_callbacks
):
    grow(programme, 2)
    before = staff_client.get(reverse("home:staff")).context["board"]
    assert before["updating"] is False
    _enrol_one(programme, staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        page = staff_client.get(reverse("home:staff"))
    during = page.context["board"]
    assert during["updating"] is True
    assert during["figures"] == before["figures"]
    content = page.content.decode()
    assert "the new ones are being computed" in content
    assert "js/dashboard_refresh" in content
    # One task for the change, however many requests find the figures stale meanwhile.
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.get(reverse("home:staff"))
    tasks = celery_queue.take_all()
    assert [task.name for task in tasks] == ["programme.tasks.refresh_dashboard"]
    assert tasks[0].args == [programme.pk, timezone.localdate().isoformat(), "en"]

    celery_app.tasks[tasks[0].name].apply(args=tasks[0].args, throw=True)
    after = staff_client.get(reverse("home:staff")).context["board"]
    assert after["updating"] is False
    assert after["figures"]["smes_enrolled"] == before["figures"]["smes_enrolled"] + 1
    assert after["applications"]["waitlisted"] == before["applications"]["waitlisted"] - 1
    assert after["computed_at"] > before["computed_at"]


def test_with_the_broker_down_a_request_computes_the_figures_once_the_grace_is_over(
    staff_client, staff_user, programme, broker_down, django_capture_on_commit_callbacks
):
    grow(programme, 2)
    before = staff_client.get(reverse("home:staff")).context["board"]
    _enrol_one(programme, staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        during = staff_client.get(reverse("home:staff"))
    assert during.status_code == 200
    assert during.context["board"]["updating"] is True
    later = timezone.now() + figures.REFRESH_GRACE + datetime.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        after = staff_client.get(reverse("home:staff")).context["board"]
    assert after["updating"] is False
    assert after["figures"]["smes_enrolled"] == before["figures"]["smes_enrolled"] + 1


def test_with_no_figures_kept_the_request_computes_them(staff_client, staff_user, programme):
    grow(programme, 2)
    board = staff_client.get(reverse("home:staff")).context["board"]
    assert board["updating"] is False
    assert board["figures"]["smes_enrolled"] == 2
    assert celery_queue.take_all() == []


def test_the_dashboard_figures_are_kept_apart_by_language_and_day(staff_client, programme):
    grow(programme, 2)
    today = timezone.localdate()
    with translation.override("it"):
        italian = queries.dashboard_as_of_last_change(programme, today)
    with translation.override("en"):
        english = queries.dashboard_as_of_last_change(programme, today)
        tomorrow = queries.dashboard_as_of_last_change(programme, today + datetime.timedelta(days=1))
    assert italian["funnel"][0].label != english["funnel"][0].label
    assert tomorrow["computed_at"] > english["computed_at"]


@pytest.mark.parametrize("size", [2, 60])
def test_workload_page_makes_the_same_number_of_queries_whatever_the_size(
    staff_client, programme, size, django_assert_num_queries
):
    grow(programme, size)
    with django_assert_num_queries(PAGE_OVERHEAD + 3):  # the count, the page's keys, then its rows
        response = staff_client.get(reverse("home:workload"))
    assert len(response.context["page"].object_list) == min(size, 25)
