"""Backup rotation: `manage.py backup --keep N` keeps the newest N backups of its folder and
removes the older ones, only once the new backup is whole, and never touches anything that is
not a backup."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from programme import backups

OLD_TIMES = ("20250101T021500Z", "20250102T021500Z", "20250103T021500Z")


def fake_backup(into: Path, time: str) -> Path:
    folder = into / f"portal-{time}"
    folder.mkdir(parents=True)
    (folder / backups.MANIFEST).write_text(json.dumps({"created_at": time}))
    return folder


@pytest.fixture
def into(tmp_path: Path) -> Path:
    folder = tmp_path / "backups"
    for time in OLD_TIMES:
        fake_backup(folder, time)
    # Not backups: an unfinished folder (no manifest), a folder of another name, a file.
    (folder / "portal-20241231T021500Z").mkdir()
    (folder / "keep-me").mkdir()
    (folder / "notes.txt").write_text("copied off-site on Mondays")
    return folder


def names(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


def test_rotation_keeps_the_newest_backups_and_nothing_else_is_touched(into):
    removed = backups.rotate(into=into, keep=2)
    assert [path.name for path in removed] == ["portal-20250101T021500Z"]
    assert names(into) == {
        "portal-20250102T021500Z",
        "portal-20250103T021500Z",
        "portal-20241231T021500Z",
        "keep-me",
        "notes.txt",
    }


def test_rotation_with_fewer_backups_than_kept_removes_nothing(into):
    before = names(into)
    assert backups.rotate(into=into, keep=5) == []
    assert names(into) == before
    assert backups.rotate(into=into.parent / "missing", keep=1) == []


def test_rotation_refuses_to_keep_none(into):
    with pytest.raises(backups.BackupError, match="at least 1"):
        backups.rotate(into=into, keep=0)
    assert len(backups.backups_in(into)) == 3


@pytest.mark.django_db
def test_the_backup_command_keeps_the_newest_n_with_the_new_one(into):
    output = StringIO()
    call_command("backup", "--into", str(into), "--keep", "2", stdout=output)
    kept = backups.backups_in(into)
    assert len(kept) == 2
    assert kept[0].name == "portal-20250103T021500Z"
    assert (kept[1] / backups.DATABASE_FILE).exists()
    assert backups.read_manifest(kept[1])["tables"]
    assert "removed" in output.getvalue() and "portal-20250101T021500Z" in output.getvalue()
    assert {"keep-me", "notes.txt", "portal-20241231T021500Z"} <= names(into)


def test_a_failed_backup_removes_no_older_one(into, monkeypatch):
    # No pg_dump to be found: the backup fails before anything is written.
    monkeypatch.setenv("PATH", str(into.parent))
    with pytest.raises(CommandError, match="pg_dump is not installed"):
        call_command("backup", "--into", str(into), "--keep", "1", stdout=StringIO())
    assert [path.name for path in backups.backups_in(into)] == [f"portal-{time}" for time in OLD_TIMES]


def test_the_backup_command_refuses_to_keep_none(into):
    with pytest.raises(CommandError, match="--keep must be at least 1"):
        call_command("backup", "--into", str(into), "--keep", "0", stdout=StringIO())
    assert len(backups.backups_in(into)) == 3
