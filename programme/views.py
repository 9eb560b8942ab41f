"""Pages of the programme app: the inbox, the language switch, staff's settings and invitations."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.views import ActivateTOTPView, DeactivateTOTPView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from programme import notifications, queries, services
from programme.access import role_required
from programme.forms import InviteForm, LanguageForm, ProgrammeSettingsForm
from programme.rules import is_programme_staff

NOTIFICATIONS_PER_PAGE = 20


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.inbox(request.user), NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "programme/notification_list.html", {"page": page})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification: it is marked read and the user goes where it points."""
    notification = get_object_or_404(queries.inbox(request.user), pk=pk)
    if request.method == "POST":
        notifications.mark_read(notification=notification)
        if notification.link and url_has_allowed_host_and_scheme(
            notification.link, allowed_hosts={request.get_host()}
        ):
            return redirect(notification.link)
        return redirect("programme:inbox")
    return render(request, "programme/notification_detail.html", {"notification": notification})


@login_required
@require_POST
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    from django.utils import timezone

    queries.inbox(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("All notifications are marked as read."))
    return redirect("programme:inbox")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch the language of the pages; a signed-in person keeps it in their profile, for e-mails too."""
    from django.conf import settings
    from django.utils import translation

    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            services.user_set_language(user=request.user, language=language)
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database, the broker and beat are all well, 503 otherwise, with each check."""
    from programme import health as portal_health

    healthy, body = portal_health.report()
    return JsonResponse(body, status=200 if healthy else 503)


@role_required(is_programme_staff)
def programme_settings(request: HttpRequest) -> HttpResponse:
    programme = queries.current_programme()
    if programme is None:
        raise Http404
    form = ProgrammeSettingsForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update_settings(programme=programme, changes=form.changes(), by=request.user)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("The programme's settings are saved."))
            return redirect("programme:settings")
    return render(
        request,
        "programme/programme_settings.html",
        {"form": form, "programme": programme, "timeline": queries.timeline(programme)},
    )


@role_required(is_programme_staff)
def user_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invited = services.user_invite(**form.cleaned_data, by=request.user)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("%(email)s is invited: they will receive a link to choose a password.")
                % {"email": invited.email},
            )
            return redirect("programme:invite")
    return render(request, "programme/user_invite.html", {"form": form})


class ActivateSecondFactorView(ActivateTOTPView):
    """allauth's set-up of an authenticator app. Entering a valid code here proves the
    second factor for this session too, so staff go on without signing in again."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        record_authentication(self.request, self.request.user, "mfa", type="totp", activated=True)
        return response


class DeactivateSecondFactorView(DeactivateTOTPView):
    """allauth's removal of the authenticator app. Staff and administrators must keep theirs:
    the page refuses them at once (403), rather than ask for the password again and then
    show a form that can never be sent."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            authenticator = Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).first()
            if authenticator is not None and not get_mfa_adapter().can_delete_authenticator(authenticator):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def report_errors(request: HttpRequest, error: ValidationError) -> None:
    """A service's refusal of an action with no form of its own, shown as messages."""
    for message in error.messages:
        messages.error(request, message)


def attach_errors(form, error: ValidationError) -> None:
    """A service's refusal shown beside the fields it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)
