"""Settings of the Celery worker that the browser journeys start: the test settings, pointed at
the test database, the mail folder and the upload folder of the test process that started it."""

import os

from tests.settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["E2E_DATABASE_NAME"]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["E2E_MAIL_DIR"]
PROTECTED_MEDIA_ROOT = os.environ["E2E_PROTECTED_MEDIA_ROOT"]
MEDIA_ROOT = PROTECTED_MEDIA_ROOT
SITE_URL = os.environ["E2E_SITE_URL"]
