"""The systemd units in deploy/systemd: systemd's own checker accepts them, and each starts what
the deployment guide says with arguments the portal understands.

The units name the production paths (/srv/portal); the checks read them with the checkout in
its place, so that the programs they start are this checkout's own."""

from __future__ import annotations

import configparser
import importlib.util
import runpy
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from programme.management.commands.backup import Command as BackupCommand

UNITS = Path(settings.BASE_DIR) / "deploy" / "systemd"
INSTALLED_AT = "/srv/portal"
SERVICES = (
    "portal-web.service",
    "portal-worker-mail.service",
    "portal-worker-matching.service",
    "portal-beat.service",
    "portal-backup.service",
)


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze") or (
        "/usr/bin/systemd-analyze" if Path("/usr/bin/systemd-analyze").exists() else None
    )
    if not found:
        pytest.fail("systemd-analyze is not installed: run `make deploy-packages` (Debian's systemd package)")
    return found


def read_unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str
    unit.read_string((UNITS / name).read_text())
    return unit


def command_line(unit: configparser.ConfigParser) -> list[str]:
    """ExecStart as words, the shell's own command when it is `/bin/sh -c '...'`, with
    systemd's escapes ($$, %%) undone."""
    words = shlex.split(unit["Service"]["ExecStart"])
    if words[:2] == ["/bin/sh", "-c"]:
        words = shlex.split(words[2].removeprefix("exec "))
    return [word.replace("$$", "$").replace("%%", "%") for word in words]


def in_checkout(path: str) -> Path:
    assert path.startswith(f"{INSTALLED_AT}/"), path
    return Path(settings.BASE_DIR) / path.removeprefix(f"{INSTALLED_AT}/")


def test_the_unit_files_are_all_known():
    assert {path.name for path in UNITS.iterdir()} == {*SERVICES, "portal-backup.timer"}


def test_systemd_analyze_verify_accepts_every_unit(tmp_path):
    for path in UNITS.iterdir():
        (tmp_path / path.name).write_text(path.read_text().replace(INSTALLED_AT, str(settings.BASE_DIR)))
    answer = subprocess.run(
        [systemd_analyze(), "verify", *sorted(str(path) for path in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Unknown keys and values are warnings with status 0: any output at all is a failure.
    assert (answer.returncode, answer.stdout, answer.stderr) == (0, "", "")


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_a_program_of_the_checkout_as_the_portal_user(name):
    service = read_unit(name)["Service"]
    assert (service["User"], service["WorkingDirectory"], service["EnvironmentFile"]) == (
        "portal",
        INSTALLED_AT,
        "/etc/portal/portal.env",
    )
    program = in_checkout(command_line(read_unit(name))[0])
    assert program.is_file() and program.stat().st_mode & 0o111, program


def test_the_web_unit_starts_gunicorn_with_the_portal_s_configuration_and_application():
    program, *arguments = command_line(read_unit("portal-web.service"))
    assert Path(program).name == "gunicorn"
    assert arguments[:2] == ["-c", "deploy/gunicorn.conf.py"]
    assert (Path(settings.BASE_DIR) / arguments[1]).is_file()
    assert (
        importlib.util.find_spec(arguments[2]) is not None
        and arguments[2] == settings.WSGI_APPLICATION.rpartition(".")[0]
    )


@pytest.mark.parametrize(
    ("name", "variable", "setting"),
    [
        ("portal-worker-mail.service", "CELERY_QUEUE", "CELERY_TASK_DEFAULT_QUEUE"),
        ("portal-worker-matching.service", "CELERY_MATCHING_QUEUE", "CELERY_MATCHING_QUEUE"),
    ],
)
def test_each_worker_takes_the_queue_the_settings_send_its_tasks_to(monkeypatch, name, variable, setting):
    words = command_line(read_unit(name))
    assert words[1:4] == ["-A", "programme", "worker"]
    assert importlib.util.find_spec("programme.celery") is not None
    queue = words[words.index("-Q") + 1]
    expected_variable, _, default = queue.removeprefix("${").removesuffix("}").partition(":-")
    assert expected_variable == variable
    # Without the variable, the unit's default is the settings' default.
    monkeypatch.delenv(variable, raising=False)
    production = runpy.run_path(str(Path(settings.BASE_DIR) / "programme" / "settings.py"))
    assert production[setting] == default


def test_beat_keeps_its_schedule_in_the_state_folder_systemd_makes_for_it():
    unit = read_unit("portal-beat.service")
    words = command_line(unit)
    assert words[1:4] == ["-A", "programme", "beat"]
    schedule = Path(words[words.index("-s") + 1])
    assert schedule.parent == Path("/var/lib") / unit["Service"]["StateDirectory"]


def test_the_backup_runs_nightly_with_arguments_the_command_accepts():
    timer = read_unit("portal-backup.timer")["Timer"]
    assert timer["OnCalendar"] == "*-*-* 02:15:00 Europe/Rome"
    assert timer["Persistent"] == "true"
    service = read_unit("portal-backup.service")
    assert service["Service"]["Type"] == "oneshot"
    program, manage, command, *arguments = command_line(service)
    assert (Path(program).name, manage, command) == ("python", "manage.py", "backup")
    options = BackupCommand().create_parser("manage.py", "backup").parse_args(arguments)
    assert options.keep >= 1 and Path(options.into).is_absolute()
