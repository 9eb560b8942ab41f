"""Settings for the test suite: the real PostgreSQL and Redis, a Redis database
and queue of its own for each xdist worker, fast hashing, e-mail kept in memory."""

import os
import tempfile

os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "test-suite-secret-key-that-is-long-enough-for-checks-0123456789")

from kombu import Exchange, Queue

from programme.settings import *  # noqa: F403

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
WORKER_INDEX = int(WORKER[2:]) if WORKER.startswith("gw") and WORKER[2:].isdigit() else 0
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
# TEST_RUN_ID keeps two test runs on one machine (two checkouts, say) off each other's queues.
RUN_ID = os.environ.get("TEST_RUN_ID", "")
REDIS_URL = f"{REDIS_BASE}/{1 + WORKER_INDEX % 15}"
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = f"portal-test-{RUN_ID}{WORKER}"
CELERY_MATCHING_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-matching"
CELERY_TASK_ROUTES = {"assessments.tasks.run_matching": {"queue": CELERY_MATCHING_QUEUE}}
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name), routing_key=name) for name in (CELERY_TASK_DEFAULT_QUEUE, CELERY_MATCHING_QUEUE)
)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PROTECTED_MEDIA_ROOT = tempfile.mkdtemp(prefix=f"portal-protected-{WORKER}-")
MEDIA_ROOT = PROTECTED_MEDIA_ROOT
SITE_URL = "http://testserver"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# The replica alias as production has it with DATABASE_REPLICA_URL, here a second connection to
# the test database; the router stays off, as without a replica, except where a test turns it
# on (tests/programme/test_replicas.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASE_ROUTERS = []
