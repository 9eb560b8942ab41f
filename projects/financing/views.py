"""Pages of financing: the administrators' board, the portfolio of financed projects, and
one project's financing with the actions each person may take on it."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.predicates import Predicate

from programme import queries as programme_queries
from programme.access import check, role_required
from programme.models import Programme
from programme.pagination import KeysFirstPaginator
from programme.rules import is_administrator, is_manager, is_programme_staff, is_sme_member
from programme.views import attach_errors
from projects.financing import queries, rules, services
from projects.financing.forms import (
    ApproveForm,
    CodesForm,
    ConflictForm,
    FinalReportForm,
    MilestoneReachedForm,
    PayForm,
    PortfolioFilterForm,
    RejectForm,
    RevokeForm,
    StartForm,
)
from projects.models import Milestone, MilestoneStatus, Project

PROJECTS_PER_PAGE = 25
may_see_projects = is_programme_staff | is_administrator | is_sme_member | is_manager


def _programme() -> Programme:
    programme = programme_queries.current_programme()
    if programme is None:
        raise Http404
    return programme


@role_required(is_administrator)
def decision_board(request: HttpRequest) -> HttpResponse:
    """The eligible projects ranked by score, with the envelope and each project's decision state."""
    programme = _programme()
    return render(
        request,
        "projects/financing/decision_board.html",
        {
            "programme": programme,
            "envelope": queries.envelope(programme),
            "projects": queries.decision_board(programme),
            "recent": queries.recent_decisions(programme),
        },
    )


@role_required(is_programme_staff | is_administrator)
def portfolio(request: HttpRequest) -> HttpResponse:
    """The financed projects, those with milestones to check first."""
    programme = _programme()
    form = PortfolioFilterForm(request.GET or None)
    status = form.selected_status()
    counts = queries.kept_portfolio_counts(programme)
    page = KeysFirstPaginator(
        queries.portfolio(programme, status),
        PROJECTS_PER_PAGE,
        count=queries.portfolio_count(counts, status),
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/financing/portfolio.html",
        {
            "programme": programme,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "counts": counts,
            "envelope": queries.envelope(programme),
        },
    )


def _project(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(
        queries.with_details(queries.visible_projects(request.user, _programme())), pk=pk
    )


def _render_detail(request: HttpRequest, project: Project, status: int = 200, **forms: Form) -> HttpResponse:
    user = request.user
    may_pay = rules.may_pay_tranche.test(user, project)
    milestones = list(project.milestones.all())
    for milestone in milestones:
        milestone.pay_form = forms.get(f"pay_form_{milestone.pk}") or PayForm(
            initial={"amount": services.suggested_payment(project, milestone)} if may_pay else None,
            prefix=f"milestone-{milestone.pk}",
        )
        milestone.reached_form = forms.get(f"reached_form_{milestone.pk}") or MilestoneReachedForm(
            prefix=f"milestone-{milestone.pk}"
        )
    first_approval = next(
        (approval for approval in project.approvals.all() if approval.decision == "approve"), None
    )
    return render(
        request,
        "projects/financing/project_detail.html",
        {
            "project": project,
            "company": project.assessment.application.company,
            "programme": project.programme,
            "milestones": milestones,
            "decision": queries.decision_state(project, project.programme, queries.administrators()),
            "first_approval": first_approval,
            "envelope": queries.envelope(project.programme) if is_administrator(user) else None,
            "is_staff_side": is_programme_staff(user) or is_administrator(user),
            "may_decide": rules.may_decide.test(user, project),
            "may_recuse": rules.may_recuse.test(user, project),
            "has_recused": is_administrator(user) and rules.has_recused.test(user, project),
            "may_record_codes": rules.may_record_codes.test(user, project),
            "may_start": rules.may_start.test(user, project),
            "may_report_milestone": rules.may_report_milestone.test(user, project),
            "may_pay": may_pay,
            "may_write_final_report": rules.may_write_final_report.test(user, project),
            "may_close": rules.may_close.test(user, project),
            "may_revoke": rules.may_revoke.test(user, project),
            "approve_form": forms.get("approve_form")
            or ApproveForm(initial={"amount": project.financing_requested}),
            "reject_form": forms.get("reject_form") or RejectForm(),
            "conflict_form": forms.get("conflict_form") or ConflictForm(),
            "codes_form": forms.get("codes_form")
            or CodesForm(initial={"cup_code": project.cup_code, "state_aid_code": project.state_aid_code}),
            "start_form": forms.get("start_form") or StartForm(),
            "final_report_form": forms.get("final_report_form")
            or FinalReportForm(initial={"final_report": project.final_report}),
            "revoke_form": forms.get("revoke_form") or RevokeForm(),
            "timeline": queries.timeline(project),
        },
        status=status,
    )


@role_required(may_see_projects)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _project(request, pk))


def _act(
    request: HttpRequest,
    pk: int,
    *,
    predicate: Predicate,
    form_class: type[Form] | None,
    form_name: str,
    action: Callable[[Project, dict], object],
    success: str,
    prefix: str | None = None,
) -> HttpResponse:
    """The shape every action shares: fetch what the user sees (404), check the action (403),
    parse, call the service, show its refusals beside the fields."""
    project = _project(request, pk)
    check(predicate, request.user, project)
    form = form_class(request.POST, prefix=prefix) if form_class else Form(request.POST)
    if form.is_valid():
        try:
            action(project, form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("financing:detail", pk=project.pk)
    return _render_detail(request, _project(request, pk), status=400, **{form_name: form})


@role_required(is_administrator)
@require_POST
def project_approve(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    # The second administrator confirms the first one's amount: no amount to type.
    second = rules.is_awaiting_second_approval.test(request.user, project)
    return _act(
        request,
        pk,
        predicate=rules.may_decide,
        form_class=None if second else ApproveForm,
        form_name="approve_form",
        action=lambda project, data: services.project_approve(
            project=project, amount=data.get("amount"), by=request.user
        ),
        success=_("Your approval is recorded."),
    )


@role_required(is_administrator)
@require_POST
def project_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        predicate=rules.may_decide,
        form_class=RejectForm,
        form_name="reject_form",
        action=lambda project, data: services.project_reject(
            project=project, reason=data["reason"], by=request.user
        ),
        success=_("The project is rejected; the company and its manager are told why."),
    )


@role_required(is_administrator)
@require_POST
def project_declare_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        predicate=rules.may_recuse,
        form_class=ConflictForm,
        form_name="conflict_form",
        action=lambda project, data: services.project_declare_conflict(
            project=project, reason=data["reason"], by=request.user
        ),
        success=_("Your conflict of interest is recorded: you take no part in this decision."),
    )


@role_required(is_programme_staff)
@require_POST
def project_record_codes(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        predicate=rules.may_record_codes,
        form_class=CodesForm,
        form_name="codes_form",
        action=lambda project, data: services.project_record_codes(project=project, **data, by=request.user),
        success=_("The codes are recorded."),
    )


@role_required(is_programme_staff)
@require_POST
def project_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        predicate=rules.may_start,
        form_class=StartForm,
        form_name="start_form",
        action=lambda project, data: services.project_start(
            project=project, started_on=data["started_on"], by=request.user
        ),
        success=_("The project is started; the company and its manager are told."),
    )


def _milestone(project: Project, milestone_pk: int) -> Milestone:
    return get_object_or_404(Milestone.objects.filter(project=project), pk=milestone_pk)


@role_required(is_sme_member | is_manager)
@require_POST
def milestone_reached(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    milestone = _milestone(_project(request, pk), milestone_pk)
    return _act(
        request,
        pk,
        predicate=rules.may_report_milestone,
        form_class=MilestoneReachedForm,
        form_name=f"reached_form_{milestone.pk}",
        prefix=f"milestone-{milestone.pk}",
        action=lambda project, data: services.milestone_report_reached(
            milestone=milestone, evidence=data["evidence"], by=request.user
        ),
        success=_("The milestone is reported as reached; staff will check it."),
    )


@role_required(is_programme_staff)
@require_POST
def milestone_pay(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    project = _project(request, pk)
    milestone = _milestone(project, milestone_pk)
    # A project where no tranche may be paid refuses with 403 before looking at the milestone.
    check(rules.may_pay_tranche, request.user, project)
    if milestone.status != MilestoneStatus.REACHED:
        messages.error(
            request, _("Only a milestone the company reported as reached can be checked and paid.")
        )
        return redirect("financing:detail", pk=pk)
    return _act(
        request,
        pk,
        predicate=rules.may_pay_tranche,
        form_class=PayForm,
        form_name=f"pay_form_{milestone.pk}",
        prefix=f"milestone-{milestone.pk}",
        action=lambda project, data: services.milestone_pay(
            milestone=milestone, amount=data["amount"], by=request.user
        ),
        success=_("The milestone is checked and its tranche paid; the company is told."),
    )


@role_required(is_sme_member | is_manager)
@require_POST
def project_final_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        predicate=rules.may_write_final_report,
        form_class=FinalReportForm,
        form_name="final_report_form",
        action=lambda project, data: services.project_submit_final_report(
            project=project, report=data["final_report"], by=request.user
        ),
        success=_("The final report is saved; staff are told."),
    )


@role_required(is_programme_staff)
@require_POST
def project_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        predicate=rules.may_close,
        form_class=None,
        form_name="close_form",
        action=lambda project, data: services.project_close(project=project, by=request.user),
        success=_("The project is closed; what was not paid is back in the envelope."),
    )


@role_required(is_administrator)
@require_POST
def project_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        predicate=rules.may_revoke,
        form_class=RevokeForm,
        form_name="revoke_form",
        action=lambda project, data: services.project_revoke(
            project=project, reason=data["reason"], by=request.user
        ),
        success=_("The financing is revoked; what was not paid is back in the envelope."),
    )
