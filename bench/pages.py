"""Benchmark of the pages at the demo's size and at national size (100 times the demo).

    .venv/bin/python bench/pages.py            # one table
    .venv/bin/python bench/pages.py --json     # one JSON object

Builds (once, then kept) two databases for the benchmarks beside the portal's own: the
demo programme (`<name>_small_bench`) and the national one (`<name>_bench`, built with
`manage.py seed_demo --scale 100`), `<name>` being the database of DATABASE_URL. Then, in
one run:

- every page staff, managers, SMEs and administrators use, through Django's test client
  signed in as the right role (second factor passed for staff and administrators): the
  SQL queries of one request and the median and 95th percentile of the server time over
  repeated requests, at both sizes; beside each list page, the Django admin's list of the
  same model at national size. The sizes of a page (and its admin list) are measured side
  by side, request by request, so that drift in the machine's load hits both alike;
- the portal under concurrent load: gunicorn with several workers on a free port of
  127.0.0.1, driven by locust (headless, fixed time) with a mix of the four roles' pages;
- notifications: 10,000 e-mails delivered by one Celery worker to a local SMTP sink
  (aiosmtpd), counted there by notification id: none lost, none sent twice.

See bench/README.md for every key of the JSON and for the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
BENCH_SUFFIX = "_bench"
SUPERUSER_EMAIL = "gestione@bench.example"
# A fixed authenticator secret for the benchmark's superuser (the admin asks for the second factor).
SUPERUSER_SECRET = "JBSWY3DPEHPK3PXPBENCHADMINGESTIO"  # noqa: S105 - a benchmark database's own
PASSWORD = "Lombardia-2026"  # noqa: S105 - the demo's published password
RATIO_TARGET = 1.5
QUERY_LIMIT = 15
DASHBOARD_QUERY_LIMIT = 25


# Configuration ----------------------------------------------------------------------


def read_dotenv() -> dict[str, str]:
    values: dict[str, str] = {}
    path = ROOT / ".env"
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    return values


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def portal_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment the portal runs with in the benchmark: production-like (DEBUG off),
    over plain HTTP on loopback."""
    dotenv = read_dotenv()
    environment = {**os.environ}
    environment.update(
        DATABASE_URL=database_url,
        DEBUG="off",
        SECRET_KEY=os.environ.get("SECRET_KEY") or dotenv.get("SECRET_KEY", "bench-" + uuid.uuid4().hex),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="off",
        SESSION_COOKIE_SECURE="off",
        CSRF_COOKIE_SECURE="off",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        EMAIL_URL=extra.pop("EMAIL_URL", "consolemail://"),
    )
    environment.update(extra)
    return environment


def build(database_url: str, scale: int, log) -> None:
    """The scaled programme in that database, built only when it is not there yet."""
    started = time.monotonic()
    subprocess.run(  # noqa: S603 - the project's own command
        [PYTHON, "manage.py", "seed_demo", "--scale", str(scale), "--if-missing"],
        cwd=ROOT,
        env=portal_environment(database_url),
        check=True,
        stdout=sys.stderr,
    )
    log(f"database {database_name(database_url)} ready (scale {scale}) in {time.monotonic() - started:.0f} s")


# The pages ----------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    role: str  # sme, manager, staff, administrator
    url: str = ""
    admin: str = ""  # the admin changelist of the same model, for a list page
    is_list: bool = False
    # Every timed request made after a change of the programme (an audit entry written
    # first): the figures kept are stale (the dashboard shows those of before the change
    # and asks a worker for new ones; a list computes its counts by status again).
    after_change: bool = False
    queries: dict[str, int] = field(default_factory=dict)
    times: dict[str, list[float]] = field(default_factory=dict)
    admin_queries: dict[str, int] = field(default_factory=dict)
    admin_times: dict[str, list[float]] = field(default_factory=dict)


def page_plan() -> list[Page]:
    """Every page of the four roles, named; URLs are filled per database (objects differ)."""
    return [
        Page("staff dashboard", "staff"),
        Page("staff dashboard, after a change", "staff", after_change=True),
        Page("staff applications (SMEs)", "staff", admin="/gestione/smes/application/", is_list=True),
        Page("staff application", "staff"),
        Page("staff managers pool", "staff", admin="/gestione/managers/manager/", is_list=True),
        Page("staff managers ranking", "staff", admin="/gestione/managers/manager/", is_list=True),
        Page("staff managers workload", "staff", admin="/gestione/managers/manager/", is_list=True),
        Page("staff manager", "staff"),
        Page("staff assessments", "staff", admin="/gestione/assessments/assessment/", is_list=True),
        Page("staff assessment", "staff"),
        Page("staff projects", "staff", admin="/gestione/projects/project/", is_list=True),
        Page("staff matching", "staff", admin="/gestione/assessments/matchingrun/", is_list=True),
        Page("manager home", "manager"),
        Page("manager workspace", "manager"),
        Page("manager profile", "manager"),
        Page("SME home", "sme"),
        Page("SME application", "sme"),
        Page("SME report", "sme"),
        Page("SME visits", "sme"),
        Page("administrator home", "administrator"),
        Page("administrator decision board (envelope)", "administrator"),
        Page("administrator portfolio", "administrator", admin="/gestione/projects/project/", is_list=True),
        Page("administrator project", "administrator"),
        Page("inbox", "staff"),
    ]


def page_urls() -> dict[str, str]:
    """The URL of each page, by name, in the database now connected: the demo personas' own
    objects, which exist at every scale."""
    from django.urls import reverse

    from assessments.models import Assessment, AssessmentStatus
    from programme.demo import DEMO_ACCOUNTS
    from programme.roles import Role
    from projects.models import Project
    from smes.models import Application

    emails = {account.role: account.email for account in DEMO_ACCOUNTS}
    sme_application = Application.objects.get(company__memberships__user__email=emails[Role.SME_MEMBER])
    manager_open = (
        Assessment.objects.filter(
            manager__user__email=emails[Role.MANAGER],
            status__in=[AssessmentStatus.IN_PROGRESS, AssessmentStatus.ACCEPTED, AssessmentStatus.SUBMITTED],
        )
        .order_by("pk")
        .first()
    )
    completed = (
        Assessment.objects.filter(status=AssessmentStatus.COMPLETED, application=sme_application).first()
        or Assessment.objects.filter(status=AssessmentStatus.COMPLETED).order_by("pk").first()
    )
    project = Project.objects.order_by("pk").first()
    return {
        "staff dashboard": reverse("home:staff"),
        "staff dashboard, after a change": reverse("home:staff"),
        "staff applications (SMEs)": reverse("smes:staff_list"),
        "staff application": reverse("smes:staff_detail", args=[sme_application.pk]),
        "staff managers pool": reverse("managers:pool"),
        "staff managers ranking": reverse("managers:ranking"),
        "staff managers workload": reverse("home:workload"),
        "staff manager": reverse("managers:detail", args=[manager_open.manager_id]),
        "staff assessments": reverse("review:list"),
        "staff assessment": reverse("review:detail", args=[completed.pk]),
        "staff projects": reverse("proposal:staff_list"),
        "staff matching": reverse("assessments:matching"),
        "manager home": reverse("home:manager"),
        "manager workspace": reverse("work:workspace", args=[manager_open.pk]),
        "manager profile": reverse("managers:profile"),
        "SME home": reverse("home:sme"),
        "SME application": reverse("smes:application_detail", args=[sme_application.pk]),
        "SME report": reverse("reports:report", args=[completed.pk]),
        "SME visits": reverse("work:sme_visits"),
        "administrator home": reverse("home:administrator"),
        "administrator decision board (envelope)": reverse("financing:board"),
        "administrator portfolio": reverse("financing:portfolio"),
        "administrator project": reverse("financing:detail", args=[project.pk]),
        "inbox": reverse("programme:inbox"),
    }


def fill_urls(pages: list[Page]) -> None:
    urls = page_urls()
    for page in pages:
        page.url = urls[page.name]


def totp_now(secret: str) -> str:
    from programme.demo import current_code

    return current_code(secret)


def ensure_superuser() -> None:
    """The benchmark's superuser, with an authenticator, for the admin's lists."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from programme.models import User

    user = User.objects.filter(email=SUPERUSER_EMAIL).first()
    if user is None:
        user = User.objects.create_superuser(email=SUPERUSER_EMAIL, password=PASSWORD)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, SUPERUSER_SECRET)


def signed_in_clients() -> dict[str, object]:
    """One test client per role, signed in through the login page (and the second factor)."""
    from django.test import Client
    from django.urls import reverse

    from programme.demo import DEMO_ACCOUNTS
    from programme.roles import Role

    short = {
        Role.SME_MEMBER: "sme",
        Role.MANAGER: "manager",
        Role.STAFF: "staff",
        Role.ADMINISTRATOR: "administrator",
    }
    people = {short[account.role]: (account.email, account.totp_secret) for account in DEMO_ACCOUNTS}
    people["superuser"] = (SUPERUSER_EMAIL, SUPERUSER_SECRET)
    clients = {}
    for role, (email, secret) in people.items():
        client = Client()
        response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
        assert response.status_code == 302, (role, response.status_code)
        if response["Location"].startswith(reverse("mfa_authenticate")):
            response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
            assert response.status_code == 302, (role, "second factor", response.status_code)
        clients[role] = client
    return clients


@dataclass
class Database:
    """An open connection to one benchmark database, and what Django keeps per process that
    depends on the database: content type ids differ from one database to the other."""

    connection: object
    content_types: dict = field(default_factory=dict)


def open_database(name: str) -> Database:
    from django.db import connections

    connection = connections.create_connection("default")
    # A dict of its own: create_connection gives every wrapper of an alias the settings' one.
    connection.settings_dict = {**connection.settings_dict, "NAME": name}
    return Database(connection)


def use_database(database: Database) -> None:
    """Make Django's default alias use that database, its connection kept open. Its content
    types are swapped in with it rather than cleared, so that no request pays for them again."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    connections["default"] = database.connection
    ContentType.objects._cache = database.content_types


def request_queries(client, url: str) -> int:
    """The SQL queries of one request (expected to answer 200)."""
    from django.db import connection


    # Django empties the query log when a request starts: after it, the log holds that
    # request's queries (CaptureQueriesContext would count from before the reset).
    connection.force_debug_cursor = True
    try:
        response = client.get(url)
        queries = len(connection.queries_log)
    finally:
        connection.force_debug_cursor = False
    assert response.status_code == 200, (url, response.status_code)
    return queries


BENCH_CHANGE = "bench_change"


def change_the_programme() -> None:
    """What a status change or decision leaves of itself for the figures: an audit entry on
    the programme (programme.figures marks the figures by them). Removed after the run."""
    from programme import audit, queries

    programme = queries.current_programme()
    audit.record(obj=programme, actor=None, action=BENCH_CHANGE, programme=programme)


def undo_changes() -> None:
    """Remove the benchmark's changes, and the figures kept since: with entries removed, a
    later mark of the programme could read as one of theirs."""
    from programme.models import AuditEntry

    AuditEntry.objects.filter(action=BENCH_CHANGE).delete()
    forget_kept_figures()


def forget_kept_figures() -> None:
    """Drop the figures kept in the cache (programme.figures), so that a run starts from the
    programme as built (only those keys: the cache also holds the sign-ins' records)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_cache WHERE cache_key LIKE %s", [":1:figures%"])


@dataclass
class Series:
    """The requests of one page at one size (or of the admin's list), timed round by round
    beside the page's other series."""

    database: Database
    client: object
    url: str
    after_change: bool = False
    queries: int = 0
    times: list[float] = field(default_factory=list)

    def make_current(self) -> None:
        """Its database in use and, for a page measured after a change, a change of the
        programme made: before a request, outside its timed part."""
        use_database(self.database)
        if self.after_change:
            change_the_programme()


def measure_side_by_side(series: list[Series], repeat: int) -> None:
    """The queries of one request of each series, then `repeat` rounds of one timed request
    of each (after a warm-up: the first request writes the session's last-seen time)."""
    for one in series:
        use_database(one.database)
        response = one.client.get(one.url)
        assert response.status_code == 200, (one.url, response.status_code)
    for one in series:
        # The fewer of two requests: now and then a request also writes the session's
        # last-seen time (programme.middleware), which is not the page's.
        counts = []
        for _ in range(2):
            one.make_current()
            counts.append(request_queries(one.client, one.url))
        one.queries = min(counts)
    for round_number in range(repeat):
        # Each round starts with another series, so that none is always timed first.
        start = round_number % len(series)
        for one in series[start:] + series[:start]:
            one.make_current()
            started = time.perf_counter()
            response = one.client.get(one.url)
            one.times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (one.url, response.status_code)


def delete_queue(name: str) -> None:
    """Remove a queue of the benchmark's own from the broker, with what it holds."""
    from programme.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(name)


def measure_dashboard_refresh(opened: dict[str, Database], repeat: int) -> dict:
    """The worker's side of a change: the dashboard's figures computed and kept
    (programme.home.queries.refresh_dashboard), at both sizes side by side."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation

    from programme import queries as programme_queries
    from programme.home import queries

    def refresh() -> None:
        programme_id = programme_queries.current_programme().pk
        queries.refresh_dashboard(
            programme_id=programme_id, today=timezone.localdate(), language=translation.get_language()
        )

    times: dict[str, list[float]] = {size: [] for size in opened}
    counts = {}
    for size, database in opened.items():
        use_database(database)
        refresh()
        with CaptureQueriesContext(connection) as captured:
            refresh()
        counts[size] = len(captured.captured_queries)
    for round_number in range(repeat):
        order = list(opened.items())
        for size, database in order[round_number % 2 :] + order[: round_number % 2]:
            use_database(database)
            started = time.perf_counter()
            refresh()
            times[size].append((time.perf_counter() - started) * 1000)
    small, large = statistics.median(times["small"]), statistics.median(times["large"])
    return {
        "queries_small": counts["small"],
        "queries_large": counts["large"],
        "median_ms_small": round(small, 1),
        "median_ms_large": round(large, 1),
        "ratio": round(large / small, 2),
    }


def measure_pages(pages: list[Page], databases: dict[str, str], repeat: int, log) -> dict:
    """Each page at both sizes side by side, request by request: the machine's load drifts by
    a fifth over minutes, and measured minutes apart the two sizes of a page would not see the
    same machine. One connection per database stays open; the default alias is pointed at one
    or the other between requests, outside the timed part."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    own_connection, own_content_types = connections["default"], ContentType.objects._cache
    opened = {size: open_database(name) for size, name in databases.items()}
    try:
        urls, clients = {}, {}
        for size, database in opened.items():
            use_database(database)
            undo_changes()  # what an interrupted run may have left
            ensure_superuser()
            urls[size] = page_urls()
            # The sessions live in each database. A code of the second factor is refused a
            # second time only in the same database (allauth marks it used in the cache).
            clients[size] = signed_in_clients()
        for page in pages:
            series = {
                size: Series(database, clients[size][page.role], urls[size][page.name], page.after_change)
                for size, database in opened.items()
            }
            if page.admin:
                series["admin"] = Series(opened["large"], clients["large"]["superuser"], page.admin)
            measure_side_by_side(list(series.values()), repeat)
            for size in databases:
                page.queries[size], page.times[size] = series[size].queries, series[size].times
                log(
                    f"{size:>5} {page.name:<42} {page.queries[size]:>3} queries, "
                    f"median {statistics.median(page.times[size]):7.1f} ms"
                )
            if page.admin:
                page.admin_queries["large"] = series["admin"].queries
                page.admin_times["large"] = series["admin"].times
            page.url = urls["large"][page.name]
        refresh = measure_dashboard_refresh(opened, repeat)
        log(f"dashboard figures computed by the worker: {refresh}")
        return refresh
    finally:
        for database in opened.values():
            use_database(database)
            undo_changes()
            database.connection.close()
        connections["default"] = own_connection
        ContentType.objects._cache = own_content_types


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def page_rows(pages: list[Page]) -> list[dict]:
    rows = []
    for page in pages:
        small, large = page.times["small"], page.times["large"]
        row = {
            "name": page.name,
            "role": page.role,
            "url": page.url,
            "queries_small": page.queries["small"],
            "queries_large": page.queries["large"],
            "median_ms_small": round(statistics.median(small), 1),
            "median_ms_large": round(statistics.median(large), 1),
            "p95_ms_small": round(percentile(small, 0.95), 1),
            "p95_ms_large": round(percentile(large, 0.95), 1),
        }
        row["ratio"] = round(row["median_ms_large"] / row["median_ms_small"], 2)
        limit = DASHBOARD_QUERY_LIMIT if page.name.startswith("staff dashboard") else QUERY_LIMIT
        row["meets_query_target"] = row["queries_small"] == row["queries_large"] <= limit
        row["meets_time_target"] = row["ratio"] <= RATIO_TARGET
        if page.is_list:
            row["admin_url"] = page.admin
            row["admin_queries_large"] = page.admin_queries["large"]
            row["admin_median_ms_large"] = round(statistics.median(page.admin_times["large"]), 1)
            row["meets_admin_target"] = row["median_ms_large"] <= row["admin_median_ms_large"]
        rows.append(row)
    return rows


# Load -----------------------------------------------------------------------------------

LOCUSTFILE = """
import os, random
from locust import HttpUser, task, constant

PAGES = {pages!r}
COOKIES = {cookies!r}


class Person(HttpUser):
    wait_time = constant(0)
    role = None

    def on_start(self):
        self.client.cookies.set("sessionid", COOKIES[self.role])

    def _get(self):
        name, url = random.choice(PAGES[self.role])
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{{response.status_code}}")


class Staff(Person):
    role = "staff"
    weight = 2

    @task
    def page(self):
        self._get()


class Manager(Person):
    role = "manager"
    weight = 3

    @task
    def page(self):
        self._get()


class Sme(Person):
    role = "sme"
    weight = 4

    @task
    def page(self):
        self._get()


class Administrator(Person):
    role = "administrator"
    weight = 1

    @task
    def page(self):
        self._get()
"""


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def load_test(pages: list[Page], database_url: str, *, seconds: int, users: int, workers: int, log) -> dict:
    """gunicorn on a free loopback port, locust's users on the four roles' pages for a fixed time."""
    from django.contrib.sessions.backends.db import SessionStore  # noqa: F401 - Django is set up

    clients = signed_in_clients()
    cookies = {
        role: clients[role].cookies["sessionid"].value
        for role in ("staff", "manager", "sme", "administrator")
    }
    by_role: dict[str, list[tuple[str, str]]] = {}
    for page in pages:
        by_role.setdefault(page.role, []).append((page.name, page.url))
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    (workdir / "locustfile.py").write_text(LOCUSTFILE.format(pages=by_role, cookies=cookies))
    gunicorn = subprocess.Popen(  # noqa: S603 - the virtualenv's own executables
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "programme.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=portal_environment(database_url, CONN_MAX_AGE="60"),
    )
    try:
        wait_for_port(port)
        log(f"load: gunicorn ({workers} workers) on 127.0.0.1:{port}, locust {users} users for {seconds} s")
        subprocess.run(  # noqa: S603 - the virtualenv's own executables
            [
                str(Path(PYTHON).parent / "locust"),
                "-f",
                str(workdir / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{seconds}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(workdir / "load"),
                "--only-summary",
                "--loglevel",
                "ERROR",
            ],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    finally:
        stop(gunicorn)
    import csv

    with (workdir / "load_stats.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    shutil.rmtree(workdir, ignore_errors=True)
    total = next(row for row in rows if row["Name"] == "Aggregated")
    requests = int(total["Request Count"])
    failures = int(total["Failure Count"])
    return {
        "seconds": seconds,
        "users": users,
        "gunicorn_workers": workers,
        "requests": requests,
        "errors": failures,
        "requests_per_second": round(float(total["Requests/s"]), 1),
        "median_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "pages": {
            row["Name"]: {"requests": int(row["Request Count"]), "p95_ms": float(row["95%"])}
            for row in rows
            if row["Name"] != "Aggregated"
        },
    }


# Notifications --------------------------------------------------------------------------


class Sink:
    """A local SMTP server (aiosmtpd) counting the notification id of every message."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.ids: list[str] = []
        self.lock = threading.Lock()
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        from email import message_from_bytes

        message = message_from_bytes(envelope.content)
        with self.lock:
            self.ids.append(message.get("X-Portal-Notification", ""))
            now = time.monotonic()
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 OK"


def notifications_test(database_url: str, *, count: int, timeout: int, log) -> dict:
    """`count` pending notifications, one Celery worker, a local SMTP sink: every one
    delivered exactly once? The rows are deleted afterwards, so the database stays as built."""
    from collections import Counter

    from django.conf import settings

    from programme.models import EmailStatus, Notification, User
    from programme.tasks import deliver_notification

    recipients = list(User.objects.filter(email__endswith="@demo.example").order_by("pk")[:count])
    marker = f"bench-{uuid.uuid4().hex[:8]}"
    rows = [
        Notification(
            recipient=recipients[index % len(recipients)],
            email=recipients[index % len(recipients)].email,
            event=marker,
            subject=f"Avviso {index + 1} del portale",
            body_text="Un aggiornamento sulla vostra pratica nel portale Manager per le PMI.",
            body_html="<p>Un aggiornamento sulla vostra pratica nel portale Manager per le PMI.</p>",
            in_inbox=False,
        )
        for index in range(count)
    ]
    created = Notification.objects.bulk_create(rows, batch_size=2000)
    ids = [row.pk for row in created]
    sink = Sink()
    sink.controller.start()
    queue = f"bench-{marker}"
    worker = None
    try:
        worker = subprocess.Popen(  # noqa: S603 - the virtualenv's own executables
            [
                str(Path(PYTHON).parent / "celery"),
                "-A",
                "programme",
                "worker",
                "--queues",
                queue,
                "--concurrency",
                "2",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"{queue}@localhost",
            ],
            cwd=ROOT,
            env=portal_environment(
                database_url, EMAIL_URL=f"smtp://127.0.0.1:{sink.port}", CELERY_QUEUE=queue, CONN_MAX_AGE="60"
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started = time.monotonic()
        for notification_id in ids:
            deliver_notification.apply_async(args=[notification_id], queue=queue)
        enqueued = time.monotonic() - started
        log(f"notifications: {count} queued in {enqueued:.1f} s on {queue}; waiting for the sink")
        deadline = started + timeout
        while time.monotonic() < deadline:
            with sink.lock:
                received = len(sink.ids)
            if received >= count:
                break
            time.sleep(0.5)
        # A moment more, so that a message sent twice would be seen.
        time.sleep(2)
        finished = sink.last_at or time.monotonic()
    finally:
        if worker is not None:
            stop(worker)
        sink.controller.stop()
        # What the worker did not take before the timeout leaves the shared broker with it.
        from programme.celery import app as celery_app

        with celery_app.connection_for_write() as broker:
            broker.default_channel.queue_delete(queue)
    counts = Counter(sink.ids)
    expected = {str(pk) for pk in ids}
    statuses = Counter(Notification.objects.filter(pk__in=ids).values_list("email_status", flat=True))
    Notification.objects.filter(pk__in=ids).delete()
    seconds = finished - started
    return {
        "notifications": count,
        "received": len(sink.ids),
        "distinct": len(counts),
        "lost": len(expected - set(counts)),
        "sent_twice": sum(1 for value in counts.values() if value > 1),
        "unexpected": len(set(counts) - expected),
        "marked_sent": statuses.get(EmailStatus.SENT, 0),
        "seconds": round(seconds, 1),
        "per_second": round(len(counts) / seconds, 1) if seconds else 0.0,
        "enqueue_seconds": round(enqueued, 1),
        "worker": "one Celery worker, 2 processes",
        "broker": settings.CELERY_BROKER_URL.rsplit("@", 1)[-1],
    }


# Output ---------------------------------------------------------------------------------


def table(result: dict) -> str:
    lines = [
        f"Pages: demo size ({result['sizes']['small']}) and national size ({result['sizes']['large']}); "
        f"times in ms over {result['repeat']} requests each, through Django's test client",
        "",
        f"{'page':<42} {'queries':>9} {'median small':>12} {'median large':>12} {'p95 large':>9} "
        f"{'ratio':>6} {'admin large':>11}  targets",
    ]
    for row in result["pages"]:
        admin = f"{row['admin_median_ms_large']:>11.1f}" if "admin_median_ms_large" in row else " " * 11
        marks = [
            "queries ok" if row["meets_query_target"] else "QUERIES",
            "time ok" if row["meets_time_target"] else "TIME",
        ]
        if "meets_admin_target" in row:
            marks.append("admin ok" if row["meets_admin_target"] else "ADMIN")
        queries = f"{row['queries_small']}/{row['queries_large']}"
        lines.append(
            f"{row['name']:<42} {queries:>9} {row['median_ms_small']:>12.1f} {row['median_ms_large']:>12.1f} "
            f"{row['p95_ms_large']:>9.1f} {row['ratio']:>6.2f} {admin}  {', '.join(marks)}"
        )
    load = result.get("load")
    if load:
        lines += [
            "",
            f"Load: {load['users']} users for {load['seconds']} s on gunicorn with {load['gunicorn_workers']} "
            f"workers (national size): {load['requests']} requests, {load['requests_per_second']} requests/s, "
            f"median {load['median_ms']:.0f} ms, p95 {load['p95_ms']:.0f} ms, errors {load['errors']}",
        ]
    refresh = result.get("dashboard_refresh")
    if refresh:
        lines += [
            "",
            f"Dashboard figures computed by the worker after a change: {refresh['queries_small']}/"
            f"{refresh['queries_large']} queries, median {refresh['median_ms_small']:.1f} ms (demo) and "
            f"{refresh['median_ms_large']:.1f} ms (national)",
        ]
    notes = result.get("notifications")
    if notes:
        lines += [
            "",
            f"Notifications: {notes['notifications']} queued, {notes['distinct']} delivered to the SMTP sink "
            f"in {notes['seconds']} s ({notes['per_second']}/s), lost {notes['lost']}, sent twice "
            f"{notes['sent_twice']}, marked sent {notes['marked_sent']}",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--scale", type=int, default=100, help="the national size, in demos (100)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page and size")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-notifications", action="store_true")
    parser.add_argument("--load-seconds", type=int, default=40)
    parser.add_argument("--load-users", type=int, default=12)
    parser.add_argument("--load-workers", type=int, default=3)
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--notifications-timeout", type=int, default=600)
    args = parser.parse_args()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    base_url = os.environ.get("DATABASE_URL") or read_dotenv().get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal"
    )
    base_name = database_name(base_url).removesuffix(BENCH_SUFFIX)
    small_url = with_database(base_url, f"{base_name}_small{BENCH_SUFFIX}")
    large_url = with_database(base_url, f"{base_name}{BENCH_SUFFIX}")
    build(small_url, 1, log)
    build(large_url, args.scale, log)

    # The dashboard asks a worker for its figures after a change: those tasks go to a queue
    # of the benchmark's own, which no worker reads and which is deleted at the end.
    pages_queue = f"bench-pages-{uuid.uuid4().hex[:12]}"
    os.environ.update(portal_environment(large_url, CELERY_QUEUE=pages_queue))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "programme.settings")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    # The test client's conveniences (templates rendered, response.context) without
    # touching the database: the benchmark databases are real ones.
    setup_test_environment()
    result: dict = {
        "sizes": {
            "small": f"scale 1, {database_name(small_url)}",
            "large": f"scale {args.scale}, {database_name(large_url)}",
        },
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "pages": [],
    }
    pages = page_plan()
    if not args.skip_pages:
        result["dashboard_refresh"] = measure_pages(
            pages, {"small": database_name(small_url), "large": database_name(large_url)}, args.repeat, log
        )
        result["pages"] = page_rows(pages)
    # From here on Django's own connection is used: the national database's (DATABASE_URL).
    if not args.skip_load:
        ensure_superuser()
        fill_urls(pages)
        result["load"] = load_test(
            pages,
            large_url,
            seconds=args.load_seconds,
            users=args.load_users,
            workers=args.load_workers,
            log=log,
        )
    if not args.skip_notifications:
        result["notifications"] = notifications_test(
            large_url, count=args.notifications, timeout=args.notifications_timeout, log=log
        )
    delete_queue(pages_queue)
    print(json.dumps(result, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
