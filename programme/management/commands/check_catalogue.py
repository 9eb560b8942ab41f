"""Checks that the Italian catalogue translates every string of the portal, none fuzzy.

The catalogue is brought up to date from the source in a scratch folder first, so
a string added to the code without a translation is caught too."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

IGNORED = ["static/*", "staticfiles/*", "var/*", "tests/*", "bench/*", "build/*", "*.egg-info/*"]


class Command(BaseCommand):
    help = "Fail if the Italian catalogue has untranslated or fuzzy entries."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--locale", default="it")

    def handle(self, *args, locale: str, **options) -> None:
        source = Path(settings.BASE_DIR) / "locale"
        with tempfile.TemporaryDirectory() as scratch:
            target = Path(scratch) / "locale"
            shutil.copytree(source, target)
            with override_settings(LOCALE_PATHS=[target]):
                call_command(
                    "makemessages", locale=[locale], ignore_patterns=IGNORED, no_obsolete=True, verbosity=0
                )
            catalogue = target / locale / "LC_MESSAGES" / "django.po"
            statistics = subprocess.run(  # noqa: S603 - fixed arguments, gettext's own tool
                ["msgfmt", "--statistics", "-o", "/dev/null", str(catalogue)],  # noqa: S607
                check=True,
                capture_output=True,
                text=True,
            ).stderr
        problems = re.findall(r"\d+ (?:fuzzy translations?|untranslated messages?)", statistics)
        if problems:
            raise CommandError(
                f"The {locale} catalogue is not complete ({', '.join(problems)}). "
                f"Run `make messages` and translate locale/{locale}/LC_MESSAGES/django.po."
            )
        self.stdout.write(f"The {locale} catalogue translates every string ({statistics.strip()})")
