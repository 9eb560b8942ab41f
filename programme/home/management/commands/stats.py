import json

from django.core.management.base import BaseCommand

from programme.home import queries
from programme.queries import current_programme


class Command(BaseCommand):
    help = "Print the current programme's headline figures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON object with the figures")

    def handle(self, *args, **options) -> None:
        programme = current_programme()
        figures = queries.headline_figures(programme)
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(programme.name if programme else "No current programme")
        for key, value in figures.items():
            self.stdout.write(f"  {key.replace('_', ' '):<24} {value}")
