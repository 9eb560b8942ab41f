"""Checks that the Italian catalogue translates every string of the portal, none fuzzy.

The catalogue is brought up to date from the source in a scratch folder first, so
a string added to the code without a translation is caught too."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

COPY_IGNORED = [".git", ".venv", "staticfiles", "var", "__pycache__", "*.mo", "node_modules", ".env"]
IGNORED = ["static/*", "staticfiles/*", "var/*", "tests/*", "bench/*", "build/*", "*.egg-info/*"]


class Command(BaseCommand):
    help = "Fail if the Italian catalogue has untranslated or fuzzy entries."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--locale", default="it")

    def handle(self, *args, locale: str, **options) -> None:
        source = Path(settings.BASE_DIR)
        with tempfile.TemporaryDirectory() as scratch:
            # makemessages writes into the catalogue beside the sources it reads, so it
            # runs on a copy of the tree: the real catalogue is only read, never changed.
            tree = Path(scratch) / "tree"
            shutil.copytree(source, tree, ignore=shutil.ignore_patterns(*COPY_IGNORED))
            subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
                [
                    sys.executable,
                    "manage.py",
                    "makemessages",
                    "-l",
                    locale,
                    "--no-obsolete",
                    "-v",
                    "0",
                    *(f"--ignore={pattern}" for pattern in IGNORED),
                ],
                cwd=tree,
                # Extraction only: no secret key is needed, whatever the environment says.
                env={**os.environ, "DEBUG": "true"},
                check=True,
                capture_output=True,
                text=True,
            )
            catalogue = tree / "locale" / locale / "LC_MESSAGES" / "django.po"
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
