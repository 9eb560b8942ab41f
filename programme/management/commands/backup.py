"""`manage.py backup`: the database and the protected files into one timestamped folder;
with `--keep N`, the older backups beyond the newest N are removed once the new one is whole."""

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
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            metavar="N",
            help="after a successful backup, keep the newest N backups in that folder and remove the older ones",
        )

    def handle(self, *args, into: str, keep: int | None, **options) -> None:
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1: the backup just made is always kept.")
        try:
            folder = backups.backup(into=Path(into))
        except backups.BackupError as error:
            # A failed backup removes nothing: the older ones are all there is.
            raise CommandError(str(error)) from error
        manifest = backups.read_manifest(folder)
        self.stdout.write(
            f"{folder}: {len(manifest['tables'])} tables, {sum(manifest['tables'].values())} rows, "
            f"{manifest['protected_files']} protected files"
        )
        if keep is not None:
            for removed in backups.rotate(into=Path(into), keep=keep):
                self.stdout.write(f"removed {removed}")
