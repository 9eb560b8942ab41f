"""`manage.py restore`: a backup folder into a named database and a files folder."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from programme import backups


class Command(BaseCommand):
    help = (
        "Restore a backup folder into a database (created when missing) and its protected files into "
        "a folder. A database with tables or a folder with files is refused unless --force."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup", help="the backup's folder, as `manage.py backup` printed it")
        parser.add_argument("--database", required=True, help="the database to restore into")
        parser.add_argument(
            "--files-to",
            default=str(settings.PROTECTED_MEDIA_ROOT),
            help="where the protected files go (default: PROTECTED_MEDIA_ROOT)",
        )
        parser.add_argument("--force", action="store_true", help="replace a database or folder that has data")

    def handle(self, *args, backup: str, database: str, files_to: str, force: bool, **options) -> None:
        try:
            manifest = backups.restore(
                folder=Path(backup), database=database, files_to=Path(files_to), force=force
            )
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{database}: restored the backup of {manifest['created_at']} "
            f"({sum(manifest['tables'].values())} rows, the same as backed up; "
            f"{manifest['protected_files']} protected files in {files_to})"
        )
