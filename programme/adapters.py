"""django-allauth adapters: account e-mails go through the portal's notifications."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.core.mail import EmailMultiAlternatives
from django.utils import translation

from programme.models import Language, User
from programme.notifications import store_and_schedule
from programme.rules import needs_second_factor


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render allauth's message in the recipient's language and hand it to the
        notification pipeline instead of sending it from the request."""
        recipient = User.objects.filter(email__iexact=email).first()
        language = recipient.language if recipient else (translation.get_language() or Language.ITALIAN)[:2]
        if language not in Language.values:
            language = Language.ITALIAN
        with translation.override(language):
            message = self.render_mail(template_prefix, email, {"email": email, **context})
        html = ""
        if isinstance(message, EmailMultiAlternatives):
            html = next(
                (content for content, mimetype in message.alternatives if mimetype == "text/html"), ""
            )
        store_and_schedule(
            recipient=recipient,
            email=email,
            event="account_" + template_prefix.rsplit("/", 1)[-1],
            language=language,
            subject=str(message.subject),
            body_text=str(message.body),
            body_html=str(html),
            in_inbox=False,
        )

    def is_open_for_signup(self, request) -> bool:
        return True


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Staff and administrators must keep their second factor.
        if authenticator.type == Authenticator.Type.TOTP and needs_second_factor(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
