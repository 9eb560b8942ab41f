"""A mail backend whose server never answers, for the tests of failed deliveries."""

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise OSError("mail server unreachable")
