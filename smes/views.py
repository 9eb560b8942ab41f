"""Pages of the SME app: the applicant's steps, their colleagues, and staff's list and decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programme import exports
from programme import queries as programme_queries
from programme.access import check, role_required
from programme.models import Programme
from programme.pagination import KeysFirstPaginator
from programme.rules import is_programme_staff, is_sme_member
from programme.views import attach_errors, report_errors
from smes import identifiers, queries, services
from smes import rules as sme_rules
from smes.forms import (
    ApplicationFilterForm,
    CompanyForm,
    DecisionForm,
    DeclarationsForm,
    InviteColleagueForm,
    NeedsForm,
    OverruleForm,
    PeopleForm,
    StaffWithdrawForm,
    WithdrawForm,
)
from smes.models import Application, ApplicationStatus, ApplicationStep

APPLICATIONS_PER_PAGE = 25

# Steps as they appear in the address (Italian) and the form of each.
STEP_SLUGS = {
    "impresa": ApplicationStep.COMPANY,
    "referenti": ApplicationStep.PEOPLE,
    "esigenze": ApplicationStep.NEEDS,
    "dichiarazioni": ApplicationStep.DECLARATIONS,
}
SLUG_OF_STEP = {step: slug for slug, step in STEP_SLUGS.items()}
STEP_FORMS = {
    ApplicationStep.PEOPLE: PeopleForm,
    ApplicationStep.NEEDS: NeedsForm,
}


def _current_programme() -> Programme:
    programme = programme_queries.current_programme()
    if programme is None:
        raise Http404
    return programme


def _steps(application: Application | None, current: str) -> list[dict[str, Any]]:
    done = application.steps_done if application else []
    return [
        {
            "step": step,
            "label": label,
            "slug": SLUG_OF_STEP[step],
            "done": step in done,
            "current": step == current,
        }
        for step, label in ApplicationStep.choices
    ]


def _next_step_url(application: Application, step: str) -> str:
    """The first step after this one still to do, else the next one, else the summary."""
    order = list(ApplicationStep.values)
    following = order[order.index(step) + 1 :]
    target = next((candidate for candidate in following if candidate not in application.steps_done), None)
    if target is None and following:
        target = following[0]
    if target is None:
        return reverse("smes:application_detail", args=[application.pk])
    return reverse("smes:application_step", kwargs={"pk": application.pk, "slug": SLUG_OF_STEP[target]})


# The applicant --------------------------------------------------------------------------


@role_required(is_sme_member)
def application_mine(request: HttpRequest) -> HttpResponse:
    """Where "my application" leads: the company's application in this programme, or a new one."""
    application = queries.member_application(request.user, _current_programme())
    if application is None:
        return redirect("smes:application_new")
    return redirect("smes:application_detail", pk=application.pk)


def _render_step(request: HttpRequest, application: Application | None, step: str, form, status: int = 200):
    context = {
        "application": application,
        "form": form,
        "step": step,
        "step_label": ApplicationStep(step).label,
        "steps": _steps(application, step),
        "municipalities": identifiers.lombard_municipalities() if step == ApplicationStep.COMPANY else (),
    }
    return render(request, "smes/application_step.html", context, status=status)


@role_required(is_sme_member)
def application_new(request: HttpRequest) -> HttpResponse:
    """The first step for a company that has not applied to this programme yet."""
    programme = _current_programme()
    existing = queries.member_application(request.user, programme)
    if existing is not None:
        return redirect("smes:application_detail", pk=existing.pk)
    if not programme.applications_open():
        messages.info(request, _("Applications to the programme are closed at the moment."))
        return redirect("home:sme")
    membership = queries.membership_of(request.user)
    form = CompanyForm(request.POST or None, instance=membership.company if membership else None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_save_company(
                programme=programme, values=form.values(), by=request.user
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("The company's details are saved as a draft."))
            return redirect(_next_step_url(application, ApplicationStep.COMPANY))
    return _render_step(request, None, ApplicationStep.COMPANY, form)


@role_required(is_sme_member)
def application_step(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """One step of a draft: shows what is saved, saves what is sent, keeps what was typed on error."""
    application = get_object_or_404(queries.member_applications(request.user), pk=pk)
    step = STEP_SLUGS.get(slug)
    if step is None:
        raise Http404
    check(sme_rules.can_edit_application, request.user, application)
    data = request.POST if request.method == "POST" else None
    if step == ApplicationStep.COMPANY:
        form = CompanyForm(data, instance=application.company)
    elif step == ApplicationStep.DECLARATIONS:
        initial = {
            name: getattr(application, name)
            for name in (
                "privacy_accepted",
                "declares_sme",
                "declares_not_in_difficulty",
                "declares_de_minimis",
                "declares_truthful",
            )
        }
        form = DeclarationsForm(data, initial=initial)
        if not application.legal_representative_name:
            messages.info(
                request, _("Give the legal representative first: the declarations are made in their name.")
            )
            return redirect(
                "smes:application_step", pk=application.pk, slug=SLUG_OF_STEP[ApplicationStep.PEOPLE]
            )
    else:
        form = STEP_FORMS[step](data, instance=application)
    if data is not None and form.is_valid():
        try:
            if step == ApplicationStep.COMPANY:
                services.application_save_company(
                    programme=application.programme,
                    values=form.values(),
                    by=request.user,
                    application=application,
                )
            else:
                services.application_save_step(
                    application=application, step=step, values=form.values(), by=request.user
                )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Saved. You can come back and change it until you submit."))
            application.refresh_from_db()
            return redirect(_next_step_url(application, step))
    return _render_step(request, application, step, form)


@role_required(is_sme_member)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(queries.member_applications(request.user), pk=pk)
    steps = _steps(application, "")
    return render(
        request,
        "smes/application_detail.html",
        {
            "application": application,
            "company": application.company,
            "steps": steps,
            "next_step": next((item for item in steps if not item["done"]), None),
            "timeline": queries.timeline(application, for_members=True),
            "can_edit": sme_rules.can_edit_application.test(request.user, application),
            "can_withdraw": sme_rules.can_withdraw_application.test(request.user, application),
        },
    )


@role_required(is_sme_member)
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(queries.member_applications(request.user), pk=pk)
    check(sme_rules.can_submit_application, request.user, application)
    try:
        services.application_submit(application=application, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(
            request, _("Your application is submitted. We will tell you when staff have checked it.")
        )
    return redirect("smes:application_detail", pk=application.pk)


@role_required(is_sme_member)
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(queries.member_applications(request.user), pk=pk)
    check(sme_rules.can_withdraw_application, request.user, application)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Your application is withdrawn."))
            return redirect("smes:application_detail", pk=application.pk)
    return render(request, "smes/application_withdraw.html", {"application": application, "form": form})


@role_required(is_sme_member)
def company_members(request: HttpRequest) -> HttpResponse:
    """The people who act for the company, and the invitation of a colleague."""
    membership = queries.membership_of(request.user)
    if membership is None:
        messages.info(
            request, _("Start your application first: your company is registered with its first step.")
        )
        return redirect("smes:application_mine")
    company = membership.company
    form = InviteColleagueForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        try:
            invited = services.company_invite_member(company=company, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("%(email)s can now act for %(company)s.") % {"email": invited.email, "company": company},
            )
            return redirect("smes:company_members")
    return render(
        request,
        "smes/company_members.html",
        {"company": company, "members": queries.company_members(company), "form": form},
    )


# Staff ----------------------------------------------------------------------------------


def _filtered(request: HttpRequest, programme: Programme):
    form = ApplicationFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    return form, queries.filter_applications(queries.staff_applications(programme), filters)


@role_required(is_programme_staff)
def staff_list(request: HttpRequest) -> HttpResponse:
    programme = _current_programme()
    form, applications = _filtered(request, programme)
    page = KeysFirstPaginator(applications, APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "smes/staff_application_list.html",
        {
            "programme": programme,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "counts": queries.status_counts(programme),
        },
    )


def _export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The list as filtered on the page; CSV and Excel share the rows, so they never differ."""
    programme = _current_programme()
    _form, applications = _filtered(request, programme)
    stem = f"candidature-pmi-{timezone.localdate().isoformat()}"
    return exports.download(file_format, stem, queries.export_rows(applications), title=_("SME applications"))


@role_required(is_programme_staff)
def staff_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered on the page, as CSV."""
    return _export(request, exports.CSV)


@role_required(is_programme_staff)
def staff_export_xlsx(request: HttpRequest) -> HttpResponse:
    """The list as filtered on the page, as an Excel workbook."""
    return _export(request, exports.XLSX)


def _staff_application(request: HttpRequest, pk: int) -> Application:
    return get_object_or_404(queries.staff_application(_current_programme()), pk=pk)


def _render_staff_detail(
    request: HttpRequest, application: Application, status: int = 200, **forms
) -> HttpResponse:
    context = {
        "application": application,
        "company": application.company,
        "timeline": queries.timeline(application, for_members=False),
        "members": queries.company_members(application.company),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "overrule_form": forms.get("overrule_form") or OverruleForm(),
        "withdraw_form": forms.get("withdraw_form") or StaffWithdrawForm(),
        "can_decide": application.status == ApplicationStatus.SUBMITTED,
        "can_enrol": application.status == ApplicationStatus.ELIGIBLE
        or (application.status == ApplicationStatus.WAITLISTED and application.programme.slots_left > 0),
        "can_withdraw": application.is_open and application.status != ApplicationStatus.DRAFT,
        "slots_left": application.programme.slots_left,
    }
    return render(request, "smes/staff_application_detail.html", context, status=status)


@role_required(is_programme_staff)
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_staff_detail(request, _staff_application(request, pk))


@role_required(is_programme_staff)
@require_POST
def staff_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = _staff_application(request, pk)
    check(sme_rules.can_decide_application, request.user, application)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.application_decide(
                application=application,
                eligible=form.cleaned_data["decision"] == "eligible",
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("The decision is recorded and the company is told."))
            return redirect("smes:staff_detail", pk=application.pk)
    return _render_staff_detail(request, application, decision_form=form)


@role_required(is_programme_staff)
@require_POST
def staff_overrule(request: HttpRequest, pk: int) -> HttpResponse:
    application = _staff_application(request, pk)
    check(sme_rules.can_decide_application, request.user, application)
    form = OverruleForm(request.POST)
    if form.is_valid():
        try:
            services.application_overrule_rule(
                application=application,
                rule=form.cleaned_data["rule"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("The rule is overruled; the reason is kept in the audit trail."))
            return redirect("smes:staff_detail", pk=application.pk)
    return _render_staff_detail(request, application, overrule_form=form)


@role_required(is_programme_staff)
@require_POST
def staff_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    application = _staff_application(request, pk)
    check(sme_rules.can_enrol_application, request.user, application)
    try:
        enrolled = services.application_enrol(application=application, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        if enrolled.status == ApplicationStatus.ENROLLED:
            messages.success(request, _("The company is enrolled and told."))
        else:
            messages.warning(
                request,
                _("The quota is full: the company is on the waiting list at position %(position)s, and told.")
                % {"position": enrolled.waitlist_position},
            )
    return redirect("smes:staff_detail", pk=application.pk)


@role_required(is_programme_staff)
@require_POST
def staff_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _staff_application(request, pk)
    check(sme_rules.can_withdraw_application, request.user, application)
    form = StaffWithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.application_withdraw(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("The application is withdrawn and the company is told."))
            return redirect("smes:staff_detail", pk=application.pk)
    return _render_staff_detail(request, application, withdraw_form=form)
