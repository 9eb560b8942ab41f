import itertools
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from programme import demo as programme_demo
from programme.home import demo

# A national build (--scale above 1) fills a database made for the benchmarks: its name
# ends so, and it is never the demo's (or anybody's working) database.
BENCH_SUFFIX = "_bench"


def scale_database_allowed(name: str) -> bool:
    """Whether a scaled build may run on the database of that name: one made for the
    benchmarks, or a test database."""
    return name.endswith(BENCH_SUFFIX) or name.startswith("test_")


def ensure_database(settings_dict: dict) -> bool:
    """Create the database named in `settings_dict` when it is missing; True if created."""
    import psycopg2
    from psycopg2 import sql

    params = {
        "host": settings_dict.get("HOST") or "127.0.0.1",
        "port": settings_dict.get("PORT") or 5432,
        "user": settings_dict.get("USER") or "postgres",
        "dbname": "postgres",
    }
    if settings_dict.get("PASSWORD"):
        params["password"] = settings_dict["PASSWORD"]
    admin = psycopg2.connect(**params)
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings_dict["NAME"]])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings_dict["NAME"])))
            return True
    finally:
        admin.close()


class ProgressBar:
    """A one-line progress bar on stderr: the stage, how far it is, the time so far. It
    keeps when each stage began, for the summary of where the time went."""

    WIDTH = 30

    def __init__(self, stream) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.interactive = stream.isatty()
        self.last_stage = ""
        self.stage_started: dict[str, float] = {}

    def stage_seconds(self, until: float | None = None) -> dict[str, float]:
        """Seconds spent in each stage (a stage's steps counted in it), in order."""
        marks = [*self.stage_started.items(), ("", until or time.monotonic())]
        return {stage: end - start for (stage, start), (_next, end) in itertools.pairwise(marks)}

    def __call__(self, stage: str, done: float, total: int) -> None:
        main_stage = stage.split(":")[0]
        if main_stage != "done":
            self.stage_started.setdefault(main_stage, time.monotonic())
        share = done / total if total else 1.0
        filled = round(self.WIDTH * share)
        line = (
            f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:6.1%} {stage:<50} "
            f"{time.monotonic() - self.started:7.1f} s"
        )
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if stage == "done" else ""))
        elif stage != self.last_stage or stage == "done":
            self.stream.write(line + "\n")
        self.stream.flush()
        self.last_stage = stage


class Command(BaseCommand):
    help = (
        "Rebuild the demo programme (always the same data) without touching anything else. "
        "With --scale N, build it N times larger (a national edition, 100 for 10,000 SMEs) in a "
        "database for the benchmarks (its name ends in _bench; created when missing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            help="build N times the demo's counts, only in a database whose name ends in _bench",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="with --scale: do nothing when the database already holds a programme of that scale",
        )

    def handle(self, *args, **options) -> None:
        scale = options["scale"]
        if scale:
            self._scaled(scale, options["if_missing"])
            return
        context = demo.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Demo programme ready: {context.programme.name}"))
        self.stdout.write(f"Demo logins (password {programme_demo.DEMO_PASSWORD}):")
        for account in programme_demo.DEMO_ACCOUNTS:
            line = f"  {account.role:<16} {account.email}"
            if account.totp_secret:
                line += f"  authenticator secret {account.totp_secret} (code now: `manage.py demo_code {account.email}`)"
            self.stdout.write(line)

    def _scaled(self, scale: int, if_missing: bool) -> None:
        name = connection.settings_dict["NAME"]
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        if not scale_database_allowed(name):
            raise CommandError(
                f"Refusing to build a scaled programme in the database {name!r}: it must be a database "
                f"for the benchmarks, whose name ends in {BENCH_SUFFIX!r} (set DATABASE_URL, for example "
                f"postgres://postgres@127.0.0.1:5432/portal{BENCH_SUFFIX})."
            )
        if not name.startswith("test_"):
            if ensure_database(connection.settings_dict):
                self.stdout.write(f"Created the database {name}.")
            call_command("migrate", verbosity=0, interactive=False)
            call_command("createcachetable", verbosity=0)
        from programme.models import Programme

        if if_missing and Programme.objects.filter(is_demo=True, assessment_quota=100 * scale).exists():
            self.stdout.write(f"The database {name} already holds the programme at scale {scale}.")
            return
        started = time.monotonic()
        progress = ProgressBar(sys.stderr)
        context = demo.rebuild(scale=scale, progress=progress, history_notifications=True)
        built = time.monotonic()
        stages = progress.stage_seconds(until=built)
        if not name.startswith("test_"):
            # Fresh statistics and visibility maps, as a database in service has after
            # autovacuum: the planner's choices on a table just filled by bulk inserts would
            # be those of an empty one, and no index-only scan would be worth its while.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
            stages["VACUUM (ANALYZE)"] = time.monotonic() - built
        self.stdout.write(
            "Seconds per stage: " + ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in stages.items())
        )
        programme = context.programme
        programme.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(
                f"Programme at scale {scale} ready in {name} in {time.monotonic() - started:.0f} s: "
                f"{programme.enrolled_count} SMEs enrolled (quota {programme.assessment_quota}), "
                f"{programme.committed_projects} projects financed."
            )
        )
