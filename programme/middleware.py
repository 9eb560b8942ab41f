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
from django.shortcuts import redirect, render
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


class RequestSizeLimitMiddleware:
    """Answers 413 to a request whose declared body is above REQUEST_BODY_MAX_BYTES, before
    anything reads it: the CSRF check reads the whole form, a CV included, and Django would
    spool a file of any size to disk before the form's own 5 MB check could refuse it. The
    answer comes from process_view, so it goes back through every middleware (headers, CSP)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared <= settings.REQUEST_BODY_MAX_BYTES:
            return None
        megabytes = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        return render(request, "413.html", {"megabytes": megabytes}, status=413)


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


# What a staff member or administrator reaches before the second factor: assets and the
# language switch; signing in and out (the authenticator-code step of signing in is not yet
# a signed-in session); and, while no authenticator is set up yet, setting
# one up (which asks for the password again). Every other page, the account pages
# included (e-mail addresses, password, authenticators), needs the second factor.
SECOND_FACTOR_EXEMPT_PREFIXES = ("/static/", "/i18n/", "/lingua/")
SIGN_IN_PAGES = ("account_login", "account_logout")
SET_UP_PAGES = ("mfa_activate_totp", "account_reauthenticate")


def session_passed_second_factor(request: HttpRequest) -> bool:
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def _is_one_of(request: HttpRequest, url_names: tuple[str, ...]) -> bool:
    return request.path in {reverse(name) for name in url_names}


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
            and not _is_one_of(request, SIGN_IN_PAGES)
        ):
            if not is_mfa_enabled(user, [Authenticator.Type.TOTP]):
                if _is_one_of(request, SET_UP_PAGES):
                    return self.get_response(request)
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
