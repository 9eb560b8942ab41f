from django.core.management.base import BaseCommand

from programme import demo as programme_demo
from programme.home import demo


class Command(BaseCommand):
    help = "Rebuild the demo programme (always the same data) without touching anything else."

    def handle(self, *args, **options) -> None:
        context = demo.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Demo programme ready: {context.programme.name}"))
        self.stdout.write(f"Demo logins (password {programme_demo.DEMO_PASSWORD}):")
        for account in programme_demo.DEMO_ACCOUNTS:
            line = f"  {account.role:<16} {account.email}"
            if account.totp_secret:
                line += f"  authenticator secret {account.totp_secret} (code now: `manage.py demo_code {account.email}`)"
            self.stdout.write(line)
