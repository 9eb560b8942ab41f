"""Reads of the heavy, read-only pages from a PostgreSQL read replica.

When `DATABASE_REPLICA_URL` is set, the settings add a "replica" database and install
`ReplicaRouter`. A view marked with `reads_from_replica` then sends its reads there for
the length of a GET or HEAD request, through a context variable, so that nothing outside
the view (Celery tasks, commands, other requests in the same process) is affected.

What stays on the primary, whatever the flag says:
- every write, and every read that locks (`select_for_update`, `get_or_create`), since
  Django asks the router for the write database for those;
- sessions, accounts, groups, authenticators and the cache (rate limits): a person who has
  just signed in, changed role or been locked out must be seen as such at once, and a
  replica a moment behind would not;
- everything when no replica is configured: the router is not installed then;
- a marked page's reads too when the replica cannot be reached: the page comes from the
  primary, a warning is logged, and the next request tries the replica again.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA_DB_ALIAS = "replica"

# The apps whose rows decide who someone is and what they may do, and the cache table.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "account", "mfa", "django_cache"})
# The models of the same kind in the programme app: the users, and the portal's own
# session table (programme.sessions).
PRIMARY_ONLY_MODELS = frozenset({settings.AUTH_USER_MODEL, "programme.Session"})

_reads_from_replica: ContextVar[bool] = ContextVar("reads_from_replica", default=False)

logger = logging.getLogger(__name__)


def reading_from_replica() -> bool:
    return _reads_from_replica.get()


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block the router sends reads to the replica."""
    token = _reads_from_replica.set(True)
    try:
        yield
    finally:
        _reads_from_replica.reset(token)


def reads_from_replica(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a read-only page: its GET and HEAD requests read from the replica when one is
    configured. Placed under the access decorators, so that who may see the page is decided
    on the primary."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not _replica_reachable(request):
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapped


def _replica_reachable(request: HttpRequest) -> bool:
    """Whether the router is installed and the replica answers. Connecting first (the page
    would connect anyway) lets a replica that is down cost its two pages their offload, not
    their answer."""
    if not any(isinstance(installed, ReplicaRouter) for installed in router.routers):
        return False
    try:
        connections[REPLICA_DB_ALIAS].ensure_connection()
    except DatabaseError as error:
        # The error's type only: its message names the server's address.
        logger.warning(
            "read replica unreachable (%s): %s read from the primary", type(error).__name__, request.path
        )
        return False
    return True


def _primary_only(model: type[Model]) -> bool:
    return model._meta.app_label in PRIMARY_ONLY_APPS or model._meta.label in PRIMARY_ONLY_MODELS


class ReplicaRouter:
    """Reads of marked pages to the replica; every write and every other read to the primary."""

    def db_for_read(self, model: type[Model], **hints) -> str | None:
        if not _reads_from_replica.get():
            return None
        return DEFAULT_DB_ALIAS if _primary_only(model) else REPLICA_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints) -> bool:
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
