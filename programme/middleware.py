"""Request middleware: idle sessions end, the user's language applies, staff and
administrators reach none of their pages without the second factor, and refusals of
access are logged."""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from programme import audit
from programme.queries import current_programme, current_programme_read_once
from programme.rules import needs_second_factor

LAST_SEEN_KEY = "portal_last_seen"
IDLE_LIMIT_KEY = "portal_idle_seconds"
# The last-seen time is written at most this often, so that most requests do not
# write the session row.
TOUCH_EVERY_SECONDS = 60
DEFAULT_IDLE_SECONDS = 30 * 60


class CurrentProgrammeMiddleware:
    """The current programme is read at most once per request, however many parts of the
    page (middleware, view, the layout) ask for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with current_programme_read_once():
            return self.get_response(request)


class IdleSessionMiddleware:
    """Ends a signed-in session idle for longer than the programme's idle time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            limit = request.session.get(IDLE_LIMIT_KEY)
            if limit is None:
                programme = current_programme()
                limit = programme.session_idle_minutes * 60 if programme else DEFAULT_IDLE_SECONDS
                request.session[IDLE_LIMIT_KEY] = limit
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            if now - last_seen > limit:
                logout(request)
                messages.info(
                    request, _("Your session ended after a period of inactivity. Please sign in again.")
                )
                # The request goes on as an anonymous one, so that each page answers as it does
                # to a signed-out visitor: a page sends to sign in and back, and the workspace's
                # autosave gets its 401 with the way back instead of a sign-in page it cannot read.
                return self.get_response(request)
            if now - last_seen >= TOUCH_EVERY_SECONDS or LAST_SEEN_KEY not in request.session:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class LanguageMiddleware:
    """Italian unless the person chose English: a signed-in person's profile decides, then
    the language switch's cookie. The browser's own preference is not followed, so the
    portal opens in Italian for everyone until they switch."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if request.user.is_authenticated and request.user.language:
            language = request.user.language
        elif chosen in dict(settings.LANGUAGES):
            language = chosen
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# Pages a staff member or administrator reaches before the second factor: the
# account pages (sign-in, set-up of the authenticator, sign-out) and assets.
SECOND_FACTOR_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/lingua/")


def session_passed_second_factor(request: HttpRequest) -> bool:
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(SECOND_FACTOR_EXEMPT_PREFIXES)
            and needs_second_factor(user)
            and not session_passed_second_factor(request)
        ):
            if not is_mfa_enabled(user, [Authenticator.Type.TOTP]):
                messages.warning(
                    request,
                    _("Your role needs two-factor authentication: set up an authenticator app to continue."),
                )
                return redirect("mfa_activate_totp")
            logout(request)
            messages.warning(request, _("Please sign in with your authenticator code."))
            return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
        return self.get_response(request)


class RefusalLogMiddleware:
    """Logs every refusal of access (403, 404) with who, what and from where."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (403, 404):
            audit.record_refusal(request=request, status=response.status_code)
        return response
