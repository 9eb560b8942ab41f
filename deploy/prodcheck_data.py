"""The few rows `make prod-check` needs in its own database, and what it reads back.

Run by deploy/prod_check.py with the stack's environment:

    python deploy/prodcheck_data.py seed EMAIL PASSWORD   # an SME member, a staff member, a programme
    python deploy/prodcheck_data.py start-matching        # staff start a matching run: prints its id
    python deploy/prodcheck_data.py matching-status ID    # the run's status and when a worker took it
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "programme.settings")

STAFF_EMAIL = "prodcheck-staff@prodcheck.invalid"


def seed(email: str, password: str) -> dict:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group

    from programme.models import Programme, ProgrammeStatus, User
    from programme.roles import Role

    Programme.objects.create(
        name="Prod-check", slug="prod-check", status=ProgrammeStatus.RUNNING, is_current=True
    )
    created = {}
    for address, role, secret in ((email, Role.SME_MEMBER, password), (STAFF_EMAIL, Role.STAFF, None)):
        user = User.objects.create_user(address, secret, first_name="Prod", last_name="Check", language="en")
        EmailAddress.objects.create(user=user, email=address, primary=True, verified=True)
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        created[role] = user.pk
    return created


def start_matching() -> dict:
    from assessments.services import matching_run_start
    from programme.models import Programme, User

    run = matching_run_start(programme=Programme.objects.current(), by=User.objects.get(email=STAFF_EMAIL))
    return {"run": run.pk}


def matching_status(run_id: int) -> dict:
    from assessments.models import MatchingRun

    run = MatchingRun.objects.get(pk=run_id)
    return {"status": run.status, "taken": run.started_at is not None}


def main(argv: list[str]) -> int:
    import django

    django.setup()
    command, *arguments = argv
    if command == "seed":
        result = seed(*arguments)
    elif command == "start-matching":
        result = start_matching()
    elif command == "matching-status":
        result = matching_status(int(arguments[0]))
    else:
        raise SystemExit(f"unknown command {command!r}")
    # The last line of standard output is the answer; logging may have written before it.
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
