from django.core.management.base import BaseCommand, CommandError

from programme import demo as programme_demo


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo staff or administrator account."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", nargs="?", default=programme_demo.DEMO_ACCOUNTS[2].email)

    def handle(self, *args, email: str, **options) -> None:
        account = next((item for item in programme_demo.DEMO_ACCOUNTS if item.email == email), None)
        if account is None or not account.totp_secret:
            raise CommandError(f"{email} is not a demo account with an authenticator")
        self.stdout.write(programme_demo.current_code(account.totp_secret))
