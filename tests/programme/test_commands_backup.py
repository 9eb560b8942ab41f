"""Backups: `manage.py backup` writes the database and the protected files; `manage.py restore`
puts them into a scratch database where the same figures come back, and refuses to overwrite."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from managers.models import ManagerStatus
from programme import backups
from smes.models import ApplicationStatus
from tests.factories import ApplicationFactory, ManagerFactory, ProgrammeFactory

# pg_dump reads the database from its own connection: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scratch_database():
    """A database of this test worker's own to restore into. It is emptied rather than
    dropped afterwards: DROP DATABASE forces a checkpoint, slow on a busy shared server."""
    name = f"{connection.settings_dict['NAME']}_restore"
    server = backups.Server.from_settings()
    if backups._database_state(server, name) == "in use":
        backups._empty_schema(server, name)
    yield name
    if backups._database_state(server, name) == "in use":
        backups._empty_schema(server, name)


@pytest.fixture
def programme_with_data():
    programme = ProgrammeFactory()
    for status in (ApplicationStatus.ENROLLED, ApplicationStatus.ENROLLED, ApplicationStatus.WAITLISTED):
        ApplicationFactory(
            programme=programme, status=status, **({"waitlist_position": 1} if status == "waitlisted" else {})
        )
    ManagerFactory.create_batch(2, programme=programme, status=ManagerStatus.SELECTED)
    protected = Path(settings.PROTECTED_MEDIA_ROOT)
    (protected / "cv").mkdir(parents=True, exist_ok=True)
    (protected / "cv" / "curriculum.pdf").write_bytes(b"%PDF-1.7 a manager's CV")
    (protected / "reports").mkdir(exist_ok=True)
    (protected / "reports" / "report-1.pdf").write_bytes(b"%PDF-1.7 a report")
    return programme


def backup_folder(tmp_path: Path) -> Path:
    call_command("backup", "--into", str(tmp_path / "backups"), stdout=StringIO())
    [folder] = (tmp_path / "backups").iterdir()
    return folder


def figures_in(database: str) -> dict:
    """`manage.py stats --json` run against another database, as an operator would."""
    source = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "programme.settings",
        "DATABASE_URL": f"postgres://{source['USER']}@{source['HOST']}:{source['PORT']}/{database}",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    answer = subprocess.run(
        [sys.executable, "manage.py", "stats", "--json"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def test_a_restored_backup_has_the_same_figures_rows_and_files(
    programme_with_data, scratch_database, tmp_path
):
    folder = backup_folder(tmp_path)
    assert folder.name.startswith("portal-")
    assert {path.name for path in folder.iterdir()} == {"database.dump", "protected.tar.gz", "manifest.json"}
    stdout = StringIO()
    call_command("stats", "--json", stdout=stdout)
    figures_before = json.loads(stdout.getvalue())
    assert (figures_before["smes_enrolled"], figures_before["managers_selected"]) == (2, 2)

    call_command(
        "restore",
        str(folder),
        "--database",
        scratch_database,
        "--files-to",
        str(tmp_path / "files"),
        stdout=StringIO(),
    )

    assert figures_in(scratch_database) == figures_before
    server = backups.Server.from_settings()
    assert backups.table_row_counts(server, scratch_database) == backups.table_row_counts(
        server, connection.settings_dict["NAME"]
    )
    assert (tmp_path / "files" / "cv" / "curriculum.pdf").read_bytes() == b"%PDF-1.7 a manager's CV"
    assert (tmp_path / "files" / "reports" / "report-1.pdf").read_bytes() == b"%PDF-1.7 a report"


def test_restore_refuses_a_database_with_data_unless_forced(programme_with_data, scratch_database, tmp_path):
    folder = backup_folder(tmp_path)
    call_command(
        "restore",
        str(folder),
        "--database",
        scratch_database,
        "--files-to",
        str(tmp_path / "a"),
        stdout=StringIO(),
    )

    with pytest.raises(CommandError, match="not empty"):
        call_command(
            "restore", str(folder), "--database", scratch_database, "--files-to", str(tmp_path / "b")
        )

    call_command(
        "restore",
        str(folder),
        "--database",
        scratch_database,
        "--files-to",
        str(tmp_path / "a"),
        "--force",
        stdout=StringIO(),
    )
    assert figures_in(scratch_database)["smes_enrolled"] == 2


def test_restore_refuses_a_files_folder_with_files_unless_forced(
    programme_with_data, scratch_database, tmp_path
):
    folder = backup_folder(tmp_path)
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("someone's file")

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(folder), "--database", scratch_database, "--files-to", str(occupied))
    assert backups._database_state(backups.Server.from_settings(), scratch_database) != "in use"


def test_restore_refuses_the_running_database_without_force(programme_with_data, tmp_path):
    folder = backup_folder(tmp_path)
    with pytest.raises(CommandError, match="runs on"):
        call_command(
            "restore",
            str(folder),
            "--database",
            connection.settings_dict["NAME"],
            "--files-to",
            str(tmp_path / "f"),
        )


def test_restore_refuses_a_damaged_backup(programme_with_data, scratch_database, tmp_path):
    folder = backup_folder(tmp_path)
    dump = folder / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-10])

    with pytest.raises(CommandError, match="damaged"):
        call_command(
            "restore", str(folder), "--database", scratch_database, "--files-to", str(tmp_path / "f")
        )
