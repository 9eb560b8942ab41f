"""A throwaway PostgreSQL primary and its streaming replica, each on a free loopback port,
in one temporary folder, for the test that serves the dashboard from a real replica.

The pair is made with the server programs of the machine's PostgreSQL (initdb, pg_ctl,
pg_basebackup), as the `postgres` user when the tests run as root, since the server refuses to
run as root. The shared server on port 5432 is only read from (the test database's schema), never
reconfigured: its pg_hba.conf need not allow replication, and nothing else on it is copied."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg2

HOST = "127.0.0.1"
WAIT_SECONDS = 60
# Light servers: a few connections, small buffers, no durability (the folder is thrown away),
# and every statement logged, so the test reads which server answered what.
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c max_connections=20 -c shared_buffers=16MB "
    "-c fsync=off -c full_page_writes=off "
    "-c log_statement=all -c log_min_messages=warning "
    "-c log_line_prefix='%m [%p] ' -c unix_socket_directories={folder}"
)


class ClusterError(Exception):
    """The pair could not be made or checked; the message says why."""


def server_programs() -> Path | None:
    """The bin folder of the newest PostgreSQL installed here (Debian keeps one per version)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_until(what: str, probe: Callable[[], object], seconds: float = WAIT_SECONDS) -> object:
    """Poll until probe answers something truthy; the wait has a deadline, the result none."""
    deadline = time.monotonic() + seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = probe()
        except psycopg2.Error as error:
            last, result = error, None
        if result:
            return result
        time.sleep(0.1)
    raise ClusterError(f"{what}: not within {seconds:.0f} s" + (f" (last: {last})" if last else ""))


@dataclass
class Server:
    name: str
    data: Path
    port: int
    log: Path

    def url(self, database: str) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def query(self, sql: str, database: str = "postgres") -> list[tuple]:
        connection = psycopg2.connect(host=HOST, port=self.port, user="postgres", dbname=database)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _checked(program: str, command: list[str]) -> None:
    """Run a command; its failure, with the end of what it printed, is a ClusterError."""
    answer = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if answer.returncode != 0:
        raise ClusterError(f"{program} failed: {answer.stdout[-1500:]}{answer.stderr[-1500:]}")


class ReplicaPair:
    """`with ReplicaPair() as pair:` a primary with a database `portal`, and a hot standby
    streaming from it. Leaving the block stops both servers and removes the folder, whatever
    happened inside."""

    def __init__(self, programs: Path) -> None:
        self.programs = programs
        self.folder = Path(tempfile.mkdtemp(prefix="portal-replica-"))
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            os.chown(self.folder, pwd.getpwnam("postgres").pw_uid, -1)
        self.primary = Server("primary", self.folder / "primary", free_port(), self.folder / "primary.log")
        self.replica = Server("replica", self.folder / "replica", free_port(), self.folder / "replica.log")
        self.started: list[Server] = []

    def _run(self, program: str, *arguments: str) -> None:
        """One of the server's programs, run as postgres when this process is root."""
        command = [str(self.programs / program), *arguments]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        _checked(program, command)

    def _start(self, server: Server) -> None:
        options = f"-p {server.port} " + SERVER_OPTIONS.format(folder=self.folder)
        self.started.append(server)
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            str(WAIT_SECONDS),
            "-D",
            str(server.data),
            "-l",
            str(server.log),
            "-o",
            options,
        )

    def __enter__(self) -> ReplicaPair:
        try:
            self._run(
                "initdb",
                "-D",
                str(self.primary.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            self._start(self.primary)
            self.check_primary_allows_replication()
            self.primary.query("CREATE DATABASE portal")
        except BaseException:
            self.close()
            raise
        return self

    def check_primary_allows_replication(self) -> None:
        """What a streaming replica needs of its primary: WAL with enough detail, senders for
        it, and pg_hba.conf letting the replica's address in for replication."""
        wal_level = self.primary.query("SHOW wal_level")[0][0]
        senders = int(self.primary.query("SHOW max_wal_senders")[0][0])
        rules = self.primary.query(
            "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' "
            "AND 'replication' = ANY(database) AND address = '127.0.0.1'"
        )
        if wal_level not in ("replica", "logical") or senders < 1 or ("trust",) not in rules:
            raise ClusterError(
                f"the primary cannot feed a replica: wal_level {wal_level}, max_wal_senders {senders}, "
                f"pg_hba rules for replication from 127.0.0.1: {rules}"
            )

    def load_schema(self, source_url: str) -> None:
        """The tables of `source_url` (a database the migrations made), without its rows."""
        dump = self.folder / "schema.dump"
        _checked(
            "pg_dump",
            [
                shutil.which("pg_dump") or "pg_dump",
                "--schema-only",
                "--no-owner",
                "--no-privileges",
                "-Fc",
                "-f",
                str(dump),
                source_url,
            ],
        )
        _checked(
            "pg_restore",
            [
                shutil.which("pg_restore") or "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "-d",
                self.primary.url("portal"),
                str(dump),
            ],
        )

    def start_replica(self) -> None:
        """pg_basebackup -R copies the primary and writes standby.signal with the connection
        back to it; started, the copy replays the primary's WAL as it streams in."""
        self._run(
            "pg_basebackup",
            "-h",
            HOST,
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.replica.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        self._start(self.replica)
        wait_until(
            "the replica streaming from the primary",
            lambda: self.primary.query("SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'"),
        )

    def wait_replayed(self) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        target = self.primary.query("SELECT pg_current_wal_insert_lsn()::text")[0][0]
        wait_until(
            f"the replica replaying up to {target}",
            lambda: self.replica.query(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0],
        )

    def close(self) -> None:
        for server in reversed(self.started):
            if (server.data / "postmaster.pid").exists():
                with contextlib.suppress(ClusterError, subprocess.TimeoutExpired):
                    self._run("pg_ctl", "stop", "-D", str(server.data), "-m", "immediate", "-w")
            self._kill_if_left(server)
        self.started = []
        shutil.rmtree(self.folder, ignore_errors=True)

    @staticmethod
    def _kill_if_left(server: Server) -> None:
        pid_file = server.data / "postmaster.pid"
        if not pid_file.exists():
            return
        with contextlib.suppress(ValueError, OSError, IndexError):
            pid = int(pid_file.read_text().splitlines()[0])
            # Only the server of this folder: a stale file may name a number now reused.
            if str(server.data).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, 9)

    def __exit__(self, *exc_info) -> None:
        self.close()
