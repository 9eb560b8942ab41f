"""`manage.py backup`: the database and the protected files into one timestamped folder."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from programme import backups


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the protected files into a new timestamped folder."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--into",
            default=str(settings.BASE_DIR / "var" / "backups"),
            help="the folder that receives the backup's own folder (default: var/backups)",
        )

    def handle(self, *args, into: str, **options) -> None:
        try:
            folder = backups.backup(into=Path(into))
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        manifest = backups.read_manifest(folder)
        self.stdout.write(
            f"{folder}: {len(manifest['tables'])} tables, {sum(manifest['tables'].values())} rows, "
            f"{manifest['protected_files']} protected files"
        )
