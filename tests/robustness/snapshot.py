"""What the portal holds, as plain values, so a test can say "nothing changed" or "the
second run changed nothing more than the first"."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import mail

# The apps whose rows are the portal's state. Sessions, the rate-limit counters and the
# second-factor records belong to the sign-in machinery, not to what a form or a task stores.
OWN_APPS = ("programme", "smes", "managers", "assessments", "projects", "home")
# Columns that move by themselves while nothing of substance changes.
VOLATILE = {"last_login", "beat_at"}
# The portal's own session table (programme.sessions) is sign-in machinery too.
SIGN_IN_MODELS = {"programme.Session"}


def _own(model, apps_of_interest: tuple[str, ...]) -> bool:
    return (
        model._meta.app_label in apps_of_interest
        and not model._meta.proxy
        and model._meta.label not in SIGN_IN_MODELS
    )


def database(apps_of_interest: tuple[str, ...] = OWN_APPS) -> dict[str, list[dict[str, Any]]]:
    """Every row of the portal's own tables, ordered by key, volatile columns left out."""
    state = {}
    for model in apps.get_models():
        if not _own(model, apps_of_interest):
            continue
        rows = list(model.objects.order_by("pk").values())
        state[model._meta.label] = [
            {key: value for key, value in row.items() if key not in VOLATILE} for row in rows
        ]
    return state


def outbox() -> list[tuple[tuple[str, ...], str]]:
    return [(tuple(message.to), message.subject) for message in mail.outbox]


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))


def fingerprint(apps_of_interest: tuple[str, ...] = OWN_APPS, ignore: tuple[str, ...] = ()) -> dict[str, str]:
    """A digest of each of the portal's tables, in one query: cheap enough to take before
    and after every request of the fuzz tests. `ignore` names columns left out."""
    from django.db import connection

    dropped = sorted(VOLATILE | set(ignore))
    parts: list[str] = []
    params: list[Any] = []
    for model in apps.get_models():
        if not _own(model, apps_of_interest):
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        # The table name comes from the models and is quoted; the values are parameters.
        parts.append(
            "SELECT %s, md5(coalesce(string_agg(row_value, '|' ORDER BY row_value), '')) "  # noqa: S608 - a quoted table name of our models
            "FROM (SELECT (to_jsonb(t) - %s::text[])::text AS row_value FROM " + table + " t) rows"
        )
        params.extend([model._meta.label, dropped])
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return dict(cursor.fetchall())
