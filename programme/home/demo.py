"""Builds the demo programme from a fixed seed, calling each app's demo module in turn."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from assessments import demo as assessment_demo
from managers import demo as manager_demo
from programme import demo as programme_demo
from programme.models import EmailStatus, Notification, Programme, User
from projects import demo as project_demo
from smes import demo as sme_demo

DEMO_SEED = 20260301


@dataclass
class DemoContext:
    """What the app demos share: the programme, the fixed random source, the one password hash."""

    programme: Programme
    random: random.Random
    password_hash: str
    accounts: dict[str, User] = field(default_factory=dict)


@transaction.atomic
def rebuild() -> DemoContext:
    """Delete the demo programme's own data and create it again, the same every time."""
    # Projects protect their assessments, and assessments their managers: they go first.
    project_demo.delete()
    assessment_demo.delete()
    programme_demo.delete()
    password_hash = make_password(programme_demo.DEMO_PASSWORD)
    context = DemoContext(
        programme=programme_demo.create_programme(),
        random=random.Random(DEMO_SEED),
        password_hash=password_hash,
    )
    context.accounts = programme_demo.create_accounts(password_hash)
    sme_demo.create(context)
    manager_demo.create(context)
    assessment_demo.create(context)
    project_demo.create(context)
    # The demo's history happened in the past: nobody is e-mailed about it.
    Notification.objects.filter(
        email__endswith=f"@{programme_demo.DEMO_EMAIL_DOMAIN}", email_status=EmailStatus.PENDING
    ).update(email_status=EmailStatus.SKIPPED)
    return context
