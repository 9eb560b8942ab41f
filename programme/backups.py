"""Backups of the portal: the PostgreSQL database (pg_dump's custom format) and the protected
files (a gzipped tar), in one timestamped folder with a manifest of checksums and row counts;
and their restore into a named database.

Used by `manage.py backup` and `manage.py restore`; pg_dump and pg_restore come from Debian's
postgresql-client package (`make deploy-packages`)."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from django.conf import settings
from psycopg2 import sql

DATABASE_FILE = "database.dump"
FILES_ARCHIVE = "protected.tar.gz"
MANIFEST = "manifest.json"
# A backup folder's name is its UTC time, so names sort oldest first.
FOLDER_NAME = re.compile(r"portal-\d{8}T\d{6}Z")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class Server:
    host: str
    port: str
    user: str
    password: str

    @classmethod
    def from_settings(cls, alias: str = "default") -> Server:
        database = settings.DATABASES[alias]
        return cls(
            host=database.get("HOST") or "127.0.0.1",
            port=str(database.get("PORT") or 5432),
            user=database.get("USER") or "postgres",
            password=database.get("PASSWORD") or "",
        )

    def environment(self) -> dict[str, str]:
        # The password goes to pg_dump by environment, never on its command line.
        return {**os.environ, "PGPASSWORD": self.password} if self.password else dict(os.environ)

    def connect(self, database: str):
        connection = psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password or None, dbname=database
        )
        connection.autocommit = True
        return connection

    def arguments(self) -> list[str]:
        return ["--host", self.host, "--port", self.port, "--username", self.user, "--no-password"]


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not installed: run `make deploy-packages` (Debian's postgresql-client)."
        )
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_row_counts(server: Server, database: str) -> dict[str, int]:
    """Every table of the public schema and its number of rows: what a restore must give back."""
    connection = server.connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            tables = [row[0] for row in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                counts[table] = cursor.fetchone()[0]
            return counts
    finally:
        connection.close()


def backup(*, into: Path, now: datetime.datetime | None = None) -> Path:
    """Write a new backup folder under `into` and return it."""
    server = Server.from_settings()
    database = settings.DATABASES["default"]["NAME"]
    now = now or datetime.datetime.now(tz=datetime.UTC)
    folder = into / f"portal-{now:%Y%m%dT%H%M%SZ}"
    folder.mkdir(parents=True, exist_ok=False)
    try:
        dumped = subprocess.run(  # noqa: S603 - our own arguments, no shell
            [
                _tool("pg_dump"),
                *server.arguments(),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(folder / DATABASE_FILE),
                database,
            ],
            env=server.environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        if dumped.returncode != 0:
            raise BackupError(f"pg_dump failed: {dumped.stderr.strip()}")
        protected = Path(settings.PROTECTED_MEDIA_ROOT)
        files = 0
        with tarfile.open(folder / FILES_ARCHIVE, "w:gz") as archive:
            if protected.exists():
                for path in sorted(protected.rglob("*")):
                    if path.is_file():
                        archive.add(path, arcname=str(path.relative_to(protected)))
                        files += 1
        manifest = {
            "created_at": now.isoformat(),
            "database": database,
            "tables": table_row_counts(server, database),
            "protected_files": files,
            "checksums": {name: _sha256(folder / name) for name in (DATABASE_FILE, FILES_ARCHIVE)},
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def backups_in(into: Path) -> list[Path]:
    """The whole backups under `into` (named by their time, with a manifest), oldest first.
    Anything else there, an unfinished folder included, is not a backup to count or remove."""
    if not into.is_dir():
        return []
    return sorted(
        path
        for path in into.iterdir()
        if path.is_dir() and FOLDER_NAME.fullmatch(path.name) and (path / MANIFEST).is_file()
    )


def rotate(*, into: Path, keep: int) -> list[Path]:
    """Keep the newest `keep` backups under `into`, remove the older ones, return those removed."""
    if keep < 1:
        raise BackupError("the number of backups to keep must be at least 1.")
    found = backups_in(into)
    removed = found[: max(0, len(found) - keep)]
    for folder in removed:
        shutil.rmtree(folder)
    return removed


def read_manifest(folder: Path) -> dict:
    """The backup's manifest, after checking that its files are whole."""
    path = folder / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} is not a backup of the portal (no {MANIFEST}).")
    manifest = json.loads(path.read_text())
    for name, expected in manifest["checksums"].items():
        if not (folder / name).exists() or _sha256(folder / name) != expected:
            raise BackupError(f"{folder / name} is missing or damaged (its checksum differs).")
    return manifest


def _database_state(server: Server, database: str) -> str:
    """'missing', 'empty' (no table in its public schema) or 'in use'."""
    connection = server.connect("postgres")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cursor.fetchone() is None:
                return "missing"
    finally:
        connection.close()
    connection = server.connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            return "empty" if cursor.fetchone()[0] == 0 else "in use"
    finally:
        connection.close()


def _empty_schema(server: Server, database: str) -> None:
    connection = server.connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        connection.close()


def restore(*, folder: Path, database: str, files_to: Path, force: bool = False) -> dict:
    """Restore a backup into `database` (created when missing) and its files into `files_to`.

    A database with tables, or a files folder with files, is refused unless `force`, which
    empties them first. Returns the manifest."""
    manifest = read_manifest(folder)
    server = Server.from_settings()
    if database == settings.DATABASES["default"]["NAME"] and not force:
        raise BackupError(f"{database} is the database this portal runs on: pass --force to replace it.")
    state = _database_state(server, database)
    if state == "in use" and not force:
        raise BackupError(f"the database {database} is not empty: pass --force to replace its contents.")
    if files_to.exists() and any(files_to.iterdir()) and not force:
        raise BackupError(f"{files_to} is not empty: pass --force to replace its files.")
    if state == "missing":
        connection = server.connect("postgres")
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        finally:
            connection.close()
    elif state == "in use":
        _empty_schema(server, database)
    restored = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [
            _tool("pg_restore"),
            *server.arguments(),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            database,
            str(folder / DATABASE_FILE),
        ],
        env=server.environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if restored.returncode != 0:
        raise BackupError(f"pg_restore failed: {restored.stderr.strip()}")
    if files_to.exists() and force:
        shutil.rmtree(files_to)
    files_to.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / FILES_ARCHIVE, "r:gz") as archive:
        # The "data" filter refuses absolute paths, links out of the folder and device files.
        archive.extractall(files_to, filter="data")
    counts = table_row_counts(server, database)
    if counts != manifest["tables"]:
        differing = sorted(
            name
            for name in manifest["tables"].keys() | counts.keys()
            if manifest["tables"].get(name) != counts.get(name)
        )
        raise BackupError(f"the restored database differs from the backup in: {', '.join(differing)}")
    return manifest
