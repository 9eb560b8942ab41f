"""`make prod-check`: the whole production stack on loopback, checked the way a person uses it.

It starts nginx (TLS from a certificate made here, HTTP that redirects), gunicorn with several
workers on a unix socket, two Celery workers on separate queues (e-mail and matching) and Celery
beat, with DEBUG off, against a PostgreSQL database and Redis queues of its own. Then it checks the
landing page, a sign-in, static files and their caching, the security headers, the health
endpoint, a password-reset e-mail sent by the mail worker, a matching run done by the matching
worker, the ACME challenge over plain HTTP and a renewed certificate served after nginx's reload,
the JSON logs, and that everything stops cleanly. Whatever happens, it stops what it
started and empties its database; it exits 1 and says which check failed.

    .venv/bin/python deploy/prod_check.py [--keep]    # --keep: leave the folder and database to look at
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from deploy.render_nginx import render as render_nginx_site  # noqa: E402

VENV_BIN = BASE_DIR / ".venv" / "bin"
PYTHON = VENV_BIN / "python"
HOST = "127.0.0.1"
WEB_WORKERS = 3
# Beat records its heartbeat this often here, so the health endpoint turns healthy within seconds.
HEARTBEAT_SECONDS = 2
# How long one wait (a start, a delivery, a run) may take on a busy shared machine.
WAIT_SECONDS = 45
STOP_SECONDS = 30
# The check's own Redis database; its queue names carry the run's id as well.
REDIS_DB = 14
SECURITY_HEADERS = (
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
)


class CheckFailed(Exception):
    """One check did not hold; the message says what was expected and what came."""


class Interrupted(BaseException):
    """SIGTERM or SIGINT: stop everything, as on a failure."""


STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"prod-check [{time.monotonic() - STARTED:5.1f} s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def run_id() -> str:
    """TEST_RUN_ID (from the environment or .env) keeps two checkouts' checks apart."""
    value = os.environ.get("TEST_RUN_ID", "")
    env_file = BASE_DIR / ".env"
    if not value and env_file.exists():
        for line in env_file.read_text().splitlines():
            if line.startswith("TEST_RUN_ID="):
                value = line.partition("=")[2].strip()
    return re.sub(r"[^a-z0-9]", "", value.lower()) or "local"


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    stdout: Path
    stderr: Path
    stop_signal: int = signal.SIGTERM

    def tail(self, lines: int = 15) -> str:
        parts = []
        for path in (self.stdout, self.stderr):
            text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
            if text:
                parts.append(f"--- {self.name} {path.name} ---\n" + "\n".join(text))
        return "\n".join(parts)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    set_cookies: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class Browser:
    """A cookie-keeping client that follows no redirect, trusts only the check's certificate,
    and sends Origin and Referer with its form posts as a browser does."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *arguments, **keywords):
            return None

    def __init__(self, certificate: Path) -> None:
        context = ssl.create_default_context(cafile=str(certificate))
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(self.cookies),
            self._NoRedirect,
        )

    def request(self, url: str, data: dict | None = None, referer: str | None = None) -> Response:
        encoded = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=encoded, headers={"User-Agent": "portal-prod-check"})
        if data is not None:
            parts = urllib.parse.urlsplit(url)
            request.add_header("Origin", f"{parts.scheme}://{parts.netloc}")
            request.add_header("Referer", referer or url)
        try:
            with self.opener.open(request, timeout=20) as answer:
                return self._response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            return self._response(error.code, error.headers, error.read())

    @staticmethod
    def _response(status: int, headers, body: bytes) -> Response:
        return Response(
            status=status,
            headers={name.lower(): value for name, value in headers.items()},
            body=body.decode("utf-8", errors="replace"),
            set_cookies=headers.get_all("Set-Cookie") or [],
        )

    def cookie(self, name: str) -> str | None:
        return next((cookie.value for cookie in self.cookies if cookie.name == name), None)


def form_token(page: Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if not match:
        raise CheckFailed(f"no CSRF token in the form page (status {page.status})")
    return match.group(1)


def sent_messages(folder: Path) -> list[str]:
    """The messages Django's file e-mail backend wrote, headers and decoded bodies as text
    (bodies in Italian are quoted-printable or base64 on disk)."""
    import email
    import email.policy

    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_text(errors="replace").split("-" * 79):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk.strip(), policy=email.policy.default)
            parts = [str(message["To"] or "")]
            for part in message.walk():
                if part.get_content_maintype() == "text":
                    parts.append(part.get_content())
            messages.append("\n".join(parts))
    return messages


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def wait_for(what: str, probe: Callable[[], object], stack: Stack, seconds: float = WAIT_SECONDS):
    """Call probe until it returns something truthy; fail early if a process of the stack died."""
    deadline = time.monotonic() + seconds
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        stack.require_running()
        try:
            result = probe()
        except (OSError, CheckFailed) as error:
            last_error, result = error, None
        if result:
            return result
        time.sleep(0.5)
    raise CheckFailed(
        f"{what}: not within {seconds:.0f} s" + (f" (last: {last_error})" if last_error else "")
    )


class Stack:
    """Every process the check starts, each in a process group of its own so that its
    children (gunicorn's and Celery's workers, nginx's) are found and stopped with it."""

    def __init__(self, folder: Path, environment: dict[str, str]) -> None:
        self.folder = folder
        self.environment = environment
        self.processes: list[Process] = []

    def start(self, name: str, command: list[str], stop_signal: int = signal.SIGTERM) -> Process:
        stdout, stderr = self.folder / f"{name}.out", self.folder / f"{name}.err"
        with stdout.open("wb") as out, stderr.open("wb") as err:
            popen = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=self.environment,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        process = Process(name, popen, stdout, stderr, stop_signal)
        self.processes.append(process)
        return process

    def require_running(self) -> None:
        for process in self.processes:
            if process.popen.poll() is not None:
                raise CheckFailed(
                    f"{process.name} exited with {process.popen.returncode} (its output follows)"
                )

    def stop(self) -> list[str]:
        """Stop each process the way production does (TERM; QUIT for nginx), wait, and list
        what did not go cleanly. Anything still alive after the wait is killed."""
        problems = []
        for process in reversed(self.processes):
            if process.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.popen.pid, process.stop_signal)
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes:
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                problems.append(f"{process.name} did not stop within {STOP_SECONDS} s")
            else:
                if process.popen.returncode != 0:
                    problems.append(f"{process.name} exited with {process.popen.returncode}")
            if group_alive(process.popen.pid):
                problems.append(f"{process.name} left processes behind")
                try:
                    os.killpg(process.popen.pid, signal.SIGKILL)
                    process.popen.wait(timeout=5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        return problems


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie leader counts as gone once it has been waited for; members may linger briefly.
    for _attempt in range(20):
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.1)
    return True


def manage(environment: dict[str, str], *arguments: str) -> str:
    answer = subprocess.run(
        [str(PYTHON), "manage.py", *arguments],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if answer.returncode != 0:
        raise CheckFailed(
            f"manage.py {' '.join(arguments)} failed:\n{answer.stdout[-2000:]}{answer.stderr[-2000:]}"
        )
    return answer.stdout


def data(environment: dict[str, str], *arguments: str) -> dict:
    answer = subprocess.run(
        [str(PYTHON), "deploy/prodcheck_data.py", *arguments],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if answer.returncode != 0:
        raise CheckFailed(f"prodcheck_data.py {' '.join(arguments)} failed:\n{answer.stderr[-3000:]}")
    return json.loads(answer.stdout.strip().splitlines()[-1])


def _connect(database_url: str, dbname: str):
    import psycopg2

    parts = urllib.parse.urlsplit(database_url)
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=dbname,
    )
    connection.autocommit = True
    return connection


def empty_database(database_url: str) -> None:
    """Create the check's database, or empty it if it is there. Emptying the schema rather
    than dropping the database spares PostgreSQL the checkpoint a DROP DATABASE forces,
    which takes minutes on a server busy with other writers."""
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    admin = _connect(database_url, "postgres")
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
                return
            # A check killed with SIGKILL may have left sessions behind.
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
            )
    finally:
        admin.close()
    database = _connect(database_url, name)
    try:
        with database.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        database.close()


def redis_forget_queues(redis_url: str, queues: list[str]) -> None:
    """Remove this run's queues and every key kombu made for them (bindings) from Redis,
    and nothing else."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = set(queues)
        for queue in queues:
            keys.update(client.scan_iter(match=f"*{queue}*"))
        client.delete(*keys)
    finally:
        client.close()


def make_certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "portal.crt", folder / "portal.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={HOST}",
            "-addext",
            f"subjectAltName=IP:{HOST},DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise CheckFailed("nginx is not installed: run `make deploy-packages` (Debian's nginx package)")
    return found


def write_nginx_config(
    folder: Path,
    *,
    https_port: int,
    http_port: int,
    socket_path: Path,
    certificate: Path,
    key: Path,
    acme_root: Path,
) -> Path:
    """A main nginx.conf of the check's own (pid, temp folders, logs in its folder) around
    the production site file rendered from the template."""
    prefix = folder / "nginx"
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "temp" / temp).mkdir(parents=True, exist_ok=True)
    site = render_nginx_site(
        server_name=HOST,
        upstream=f"unix:{socket_path}",
        static_root=str(BASE_DIR / "staticfiles"),
        certificate=str(certificate),
        certificate_key=str(key),
        listen_http=f"{HOST}:{http_port}",
        listen_https=f"{HOST}:{https_port}",
        https_port=https_port,
        access_log=str(folder / "nginx-access.log"),
        acme_root=str(acme_root),
    )
    (prefix / "portal.conf").write_text(site)
    # nginx drops its workers to `user` only when started as root; they must read the
    # static files and reach gunicorn's socket, which belong to whoever runs the check.
    user_line = f"user {os.environ.get('USER') or 'root'};" if os.geteuid() == 0 else ""
    main = f"""
{user_line}
worker_processes 2;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {prefix}/temp/client_body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    include {prefix}/portal.conf;
}}
"""
    config = prefix / "nginx.conf"
    config.write_text(main)
    return config


class ProdCheck:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.run = run_id()
        self.https_port, self.http_port = free_port(), free_port()
        self.origin = f"https://{HOST}:{self.https_port}"
        self.database_url = f"postgres://postgres@127.0.0.1:5432/portal_prodcheck_{self.run}"
        self.redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
        unique = f"prodcheck-{self.run}-{os.getpid()}"
        self.mail_queue, self.matching_queue = f"{unique}-mail", f"{unique}-matching"
        self.socket_path = folder / "gunicorn.sock"
        self.mail_folder = folder / "mail"
        self.protected = folder / "protected"
        self.acme_root = folder / "acme"
        self.email = f"prodcheck-{secrets.token_hex(4)}@prodcheck.invalid"
        self.password = secrets.token_urlsafe(16)
        self.stack: Stack | None = None
        self.database_created = False
        self.passed: list[str] = []

    def environment(self) -> dict[str, str]:
        keep = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "programme.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY_QUEUE": self.mail_queue,
            "CELERY_MATCHING_QUEUE": self.matching_queue,
            "ALLOWED_HOSTS": HOST,
            "SITE_URL": self.origin,
            "BEHIND_TLS_PROXY": "true",
            # django-environ drops one slash of the path: four make it absolute.
            "EMAIL_URL": f"filemail:///{self.mail_folder}",
            "PROTECTED_MEDIA_ROOT": str(self.protected),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "BEAT_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
            "WEB_CONCURRENCY": str(WEB_WORKERS),
            "PORTAL_BIND": f"unix:{self.socket_path}",
            "PYTHONUNBUFFERED": "1",
        }

    # --- preparing -------------------------------------------------------------------------

    def prepare(self, environment: dict[str, str]) -> Path:
        nginx = nginx_binary()
        self.mail_folder.mkdir()
        self.protected.mkdir()
        say(
            f"database portal_prodcheck_{self.run}, Redis db {REDIS_DB}, queues {self.mail_queue} and {self.matching_queue}"
        )
        empty_database(self.database_url)
        self.database_created = True
        manage(environment, "migrate", "--noinput", "-v", "0")
        manage(environment, "createcachetable")
        say("database created and migrated")
        # `make setup` collects them; collecting again costs half a minute of compression.
        if not (BASE_DIR / "staticfiles" / "staticfiles.json").exists():
            manage(environment, "collectstatic", "--noinput", "-v", "0")
        manage(environment, "check", "--deploy", "--fail-level", "WARNING")
        data(environment, "seed", self.email, self.password)
        say("deploy checks passed, accounts made")
        certificate, key = make_certificate(self.folder)
        self.certificate = certificate
        config = write_nginx_config(
            self.folder,
            https_port=self.https_port,
            http_port=self.http_port,
            socket_path=self.socket_path,
            certificate=certificate,
            key=key,
            acme_root=self.acme_root,
        )
        self.nginx_config = config
        tested = subprocess.run(
            [nginx, "-t", "-q", "-e", "stderr", "-p", str(config.parent), "-c", str(config)],
            capture_output=True,
            text=True,
            check=False,
        )
        if tested.returncode != 0:
            raise CheckFailed(f"nginx refuses the rendered configuration:\n{tested.stderr}")
        return config

    def start(self, environment: dict[str, str], nginx_config: Path) -> None:
        stack = self.stack = Stack(self.folder, environment)
        celery = [str(VENV_BIN / "celery"), "--quiet", "-A", "programme"]
        stack.start(
            "gunicorn", [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "programme.wsgi"]
        )
        stack.start(
            "worker-mail",
            [
                *celery,
                "worker",
                "-Q",
                self.mail_queue,
                "-n",
                f"mail@{self.mail_queue}",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
            ],
        )
        stack.start(
            "worker-matching",
            [
                *celery,
                "worker",
                "-Q",
                self.matching_queue,
                "-n",
                f"matching@{self.matching_queue}",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
            ],
        )
        stack.start("beat", [*celery, "beat", "-s", str(self.folder / "beat-schedule"), "--loglevel", "INFO"])
        stack.start(
            "nginx",
            [
                nginx_binary(),
                "-e",
                "stderr",
                "-p",
                str(nginx_config.parent),
                "-c",
                str(nginx_config),
                "-g",
                "daemon off;",
            ],
            stop_signal=signal.SIGQUIT,
        )
        browser = Browser(self.certificate)
        wait_for(
            "gunicorn answering through nginx",
            lambda: browser.request(f"{self.origin}/health/").status in (200, 503),
            stack,
        )
        for name in ("worker-mail", "worker-matching"):
            process = next(process for process in stack.processes if process.name == name)
            wait_for(f"{name} ready", lambda process=process: "ready" in process.stdout.read_text(), stack)
        say(
            f"stack up: nginx https {self.https_port} and http {self.http_port}, gunicorn x{WEB_WORKERS} "
            "on a unix socket, two workers, beat"
        )

    # --- the checks, in the order a person meets them ----------------------------------------

    def check_http_redirects_to_https(self) -> None:
        answer = Browser(self.certificate).request(f"http://{HOST}:{self.http_port}/?next=1")
        expect(answer.status == 301, f"http:// answered {answer.status}, expected 301")
        expect(
            answer.header("Location") == f"{self.origin}/?next=1",
            f"http:// redirected to {answer.header('Location')!r}",
        )

    def check_health(self) -> None:
        browser = Browser(self.certificate)
        answer = wait_for(
            "health 200 once beat has run",
            lambda: (lambda r: r if r.status == 200 else None)(browser.request(f"{self.origin}/health/")),
            self.stack,
        )
        body = json.loads(answer.body)
        expect(
            body["status"] == "ok" and all(check["ok"] for check in body["checks"].values()),
            f"health body: {body}",
        )
        expect(
            "@" not in answer.body and self.email not in answer.body, "health answer holds an e-mail address"
        )
        plain = browser.request(f"http://{HOST}:{self.http_port}/health/")
        expect(
            plain.status == 200, f"health over plain HTTP answered {plain.status}, expected 200 (no redirect)"
        )

    def check_landing_page_and_headers(self) -> None:
        answer = Browser(self.certificate).request(f"{self.origin}/")
        expect(answer.status == 200, f"landing page answered {answer.status}")
        expect(answer.header("Content-Type").startswith("text/html"), "landing page is not HTML")
        missing = [name for name in SECURITY_HEADERS if not answer.header(name)]
        expect(not missing, f"security headers missing on the landing page: {missing}")
        hsts = answer.header("Strict-Transport-Security")
        max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
        expect(max_age >= 31536000, f"HSTS max-age {max_age} is under a year")
        csp = answer.header("Content-Security-Policy")
        expect("frame-ancestors 'none'" in csp and "default-src 'self'" in csp, f"CSP too loose: {csp}")
        expect(answer.header("X-Content-Type-Options") == "nosniff", "X-Content-Type-Options is not nosniff")
        expect(answer.header("X-Frame-Options") == "DENY", "X-Frame-Options is not DENY")
        expect(answer.header("Referrer-Policy") == "same-origin", "Referrer-Policy is not same-origin")
        expect(
            answer.header("Server") == "nginx", f"Server header tells too much: {answer.header('Server')!r}"
        )
        self.landing = answer

    def check_static_files(self) -> None:
        stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', self.landing.body)
        expect(stylesheet is not None, "the landing page links no hashed stylesheet")
        answer = Browser(self.certificate).request(f"{self.origin}{stylesheet.group(1)}")
        expect(answer.status == 200, f"{stylesheet.group(1)} answered {answer.status}")
        expect(answer.header("Content-Type").startswith("text/css"), "stylesheet is not text/css")
        cache = answer.header("Cache-Control")
        expect(
            "immutable" in cache and "max-age=31536000" in cache,
            f"hashed static file is not cached for a year: {cache!r}",
        )

    def check_protected_store_not_served(self) -> None:
        secret = secrets.token_hex(16)
        (self.protected / "cv").mkdir(exist_ok=True)
        (self.protected / "cv" / "prodcheck.txt").write_text(secret)
        browser = Browser(self.certificate)
        for path in (
            "/media/cv/prodcheck.txt",
            "/protected/cv/prodcheck.txt",
            "/cv/prodcheck.txt",
            "/static/../protected/cv/prodcheck.txt",
            "/static/..%2fprotected/cv/prodcheck.txt",
        ):
            answer = browser.request(f"{self.origin}{path}")
            expect(secret not in answer.body, f"{path} served a file of the protected store")

    def check_sign_in(self) -> None:
        browser = Browser(self.certificate)
        login_url = f"{self.origin}/accounts/login/"
        page = browser.request(login_url)
        expect(page.status == 200, f"login page answered {page.status}")
        expect(browser.cookie("csrftoken") is not None, "no CSRF cookie on the login page")
        csrf_cookie = next(cookie for cookie in page.set_cookies if cookie.startswith("csrftoken="))
        expect("Secure" in csrf_cookie, "the CSRF cookie is not Secure")
        answer = browser.request(
            login_url,
            {"csrfmiddlewaretoken": form_token(page), "login": self.email, "password": self.password},
        )
        expect(answer.status == 302, f"sign-in answered {answer.status}, expected 302:\n{answer.body[:500]}")
        expect("/accounts/login/" not in answer.header("Location"), "sign-in sent back to the login page")
        session = next((cookie for cookie in answer.set_cookies if cookie.startswith("sessionid=")), "")
        expect("Secure" in session and "HttpOnly" in session, f"session cookie flags: {session!r}")
        inbox = browser.request(f"{self.origin}/notifiche/")
        expect(inbox.status == 200, f"a signed-in page answered {inbox.status} after sign-in")

    def check_reset_email_sent_by_worker(self) -> None:
        browser = Browser(self.certificate)
        reset_url = f"{self.origin}/accounts/password/reset/"
        page = browser.request(reset_url)
        answer = browser.request(reset_url, {"csrfmiddlewaretoken": form_token(page), "email": self.email})
        expect(answer.status == 302, f"password reset answered {answer.status}, expected 302")

        def delivered() -> str | None:
            for text in sent_messages(self.mail_folder):
                if self.email in text and "/accounts/password/reset/key/" in text:
                    return text
            return None

        text = wait_for("the password-reset e-mail from the mail worker", delivered, self.stack)
        link = re.search(re.escape(self.origin) + r"(/accounts/password/reset/key/[^\s\"<]+)", text)
        expect(link is not None, f"the e-mail holds no link to {self.origin}")
        followed = browser.request(f"{self.origin}{link.group(1)}")
        expect(followed.status in (200, 302), f"the e-mail's link answered {followed.status}")

    def check_queues_are_split(self) -> None:
        run = data(self.stack.environment, "start-matching")["run"]
        wait_for(
            "the matching worker taking the run",
            lambda: (lambda status: status["taken"] and status["status"] not in ("queued", "running"))(
                data(self.stack.environment, "matching-status", str(run))
            ),
            self.stack,
        )
        logs = {process.name: process.stdout.read_text() for process in self.stack.processes}
        expect(
            "assessments.tasks.run_matching" in logs["worker-matching"], "the matching worker ran no matching"
        )
        expect(
            "assessments.tasks.run_matching" not in logs["worker-mail"], "the mail worker ran a matching task"
        )
        expect(
            "programme.tasks.deliver_notification" in logs["worker-mail"], "the mail worker sent no e-mail"
        )
        expect(
            "programme.tasks.deliver_notification" not in logs["worker-matching"],
            "the matching worker sent an e-mail",
        )

    def check_certificate_renewal(self) -> None:
        """certbot's webroot challenge answers over plain HTTP, and a renewed certificate is
        served after the deploy hook's `nginx -t` and reload, with no restart."""
        token = secrets.token_urlsafe(32)
        challenges = self.acme_root / ".well-known" / "acme-challenge"
        challenges.mkdir(parents=True, exist_ok=True)
        (challenges / token).write_text(f"{token}.prodcheck")
        answer = Browser(self.certificate).request(
            f"http://{HOST}:{self.http_port}/.well-known/acme-challenge/{token}"
        )
        expect(
            answer.status == 200 and answer.body == f"{token}.prodcheck",
            f"the ACME challenge answered {answer.status} over plain HTTP, expected 200 with its content",
        )
        served_before = ssl.get_server_certificate((HOST, self.https_port))
        renewed = self.folder / "renewed"
        renewed.mkdir()
        new_certificate, new_key = make_certificate(renewed)
        # As certbot does: the new files where the old ones were, then the deploy hook.
        shutil.copyfile(new_key, self.certificate.with_name("portal.key"))
        shutil.copyfile(new_certificate, self.certificate)
        nginx = nginx_binary()
        prefix = ["-p", str(self.nginx_config.parent), "-c", str(self.nginx_config)]
        for arguments in (["-t", "-q"], ["-s", "reload"]):
            hook = subprocess.run(
                [nginx, *arguments, "-e", "stderr", *prefix], capture_output=True, text=True, check=False
            )
            expect(hook.returncode == 0, f"nginx {' '.join(arguments)} failed: {hook.stderr}")
        expected = ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(new_certificate.read_text()))
        expect(served_before != expected, "the renewed certificate is the same as the first")
        wait_for(
            "nginx serving the renewed certificate after its reload",
            lambda: ssl.get_server_certificate((HOST, self.https_port)) == expected,
            self.stack,
        )
        landing = Browser(self.certificate).request(f"{self.origin}/")
        expect(landing.status == 200, f"the landing page answered {landing.status} after the reload")

    def check_logs_are_json(self) -> None:
        for process in self.stack.processes:
            if process.name == "nginx":
                continue
            lines = [line for line in process.stdout.read_text().splitlines() if line.strip()]
            expect(lines, f"{process.name} logged nothing on standard output")
            for line in lines:
                try:
                    entry = json.loads(line)
                except ValueError:
                    raise CheckFailed(
                        f"{process.name} logged a line that is not JSON: {line[:200]!r}"
                    ) from None
                expect(
                    {"time", "level", "logger", "message"} <= entry.keys(),
                    f"{process.name} log line lacks time/level/logger/message: {line[:200]}",
                )
        access = [json.loads(line) for line in (self.folder / "nginx-access.log").read_text().splitlines()]
        expect(
            any(entry["uri"] == "/accounts/login/" and entry["status"] == 302 for entry in access),
            "nginx's JSON access log has no sign-in",
        )

    def run_checks(self) -> list[str]:
        failures = []
        for check in (
            self.check_http_redirects_to_https,
            self.check_health,
            self.check_landing_page_and_headers,
            self.check_static_files,
            self.check_protected_store_not_served,
            self.check_sign_in,
            self.check_reset_email_sent_by_worker,
            self.check_queues_are_split,
            self.check_certificate_renewal,
            self.check_logs_are_json,
        ):
            name = check.__name__.removeprefix("check_").replace("_", " ")
            try:
                check()
            except (CheckFailed, OSError, ValueError, KeyError, AttributeError) as error:
                failures.append(f"{name}: {error}")
                say(f"FAIL {name}: {error}")
            else:
                self.passed.append(name)
                say(f"ok   {name}")
        return failures

    def clean_up(self, keep: bool) -> list[str]:
        problems = self.stack.stop() if self.stack else []
        if self.stack and not problems:
            say("ok   clean shutdown: every process stopped with 0, none left behind")
        if self.socket_path.exists():
            problems.append("gunicorn's socket is still there")
        redis_forget_queues(self.redis_url, [self.mail_queue, self.matching_queue])
        if self.database_created and not keep:
            empty_database(self.database_url)
        return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start the production stack on loopback and check it.")
    parser.add_argument("--keep", action="store_true", help="keep the working folder and the database")
    arguments = parser.parse_args(argv)

    def interrupted(signum: int, _frame) -> None:
        raise Interrupted(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="portal-prodcheck-"))
    check = ProdCheck(folder)
    failures: list[str] = []
    try:
        environment = check.environment()
        nginx_config = check.prepare(environment)
        check.start(environment, nginx_config)
        failures = check.run_checks()
    except (CheckFailed, OSError, ValueError, subprocess.SubprocessError) as error:
        failures.append(str(error))
        say(f"FAIL {error}")
    except Interrupted as signal_name:
        failures.append(f"interrupted by {signal_name}")
    finally:
        # Signals would cut the clean-up short; it always runs to the end.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if failures and check.stack:
            for process in check.stack.processes:
                print(process.tail(), file=sys.stderr)
        try:
            failures += check.clean_up(arguments.keep)
        finally:
            if arguments.keep:
                say(f"kept {folder}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
    seconds = time.monotonic() - started
    if failures:
        say(f"FAILED after {seconds:.0f} s:")
        for failure in failures:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    say(f"all {len(check.passed) + 1} checks passed in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
