"""Pages of the manager's workspace and of the SME's visit log."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import Assessment, AssessmentStatus
from assessments.review import words as review_words
from assessments.work import queries, services
from assessments.work.forms import (
    FindingForm,
    MoveForm,
    OutlineForm,
    RecommendationForm,
    SummaryForm,
    VisitAnswerForm,
    VisitForm,
)
from assessments.work.rules import may_answer_visits, may_submit, may_write
from programme import queries as programme_queries
from programme.access import check, role_required
from programme.rules import is_manager, is_programme_staff, is_sme_member
from programme.views import attach_errors, report_errors

NEW_RECOMMENDATION = "new-recommendation"


# The report's sections as forms -----------------------------------------------------------


def _section_forms(workspace: queries.Workspace) -> dict[str, forms.Form]:
    """Every section of the report as an unbound form holding what is saved."""
    sections: dict[str, forms.Form] = {}
    for finding in workspace.findings:
        key = f"finding-{finding.dimension}"
        sections[key] = FindingForm(prefix=key, initial=FindingForm.initial_of(finding))
    for recommendation in workspace.recommendations:
        key = f"recommendation-{recommendation.pk}"
        sections[key] = RecommendationForm(prefix=key, initial=RecommendationForm.initial_of(recommendation))
    sections["outline"] = OutlineForm(prefix="outline", initial=OutlineForm.initial_of(workspace.outline))
    sections["summary"] = SummaryForm(prefix="summary", initial={"summary": workspace.assessment.summary})
    return sections


def _posted_sections(data: Any) -> dict[str, forms.Form]:
    """The sections present in a POST, bound: a section is there if one of its fields is."""
    keys = {name.rsplit("-", 1)[0] for name in data if "-" in name}
    sections: dict[str, forms.Form] = {}
    for key in sorted(keys):
        kind, _separator, rest = key.partition("-")
        if kind == "finding" and rest:
            sections[key] = FindingForm(data, prefix=key)
        elif kind == "recommendation" and rest.isdigit():
            sections[key] = RecommendationForm(data, prefix=key)
        elif key == "outline":
            sections[key] = OutlineForm(data, prefix=key)
        elif key == "summary":
            sections[key] = SummaryForm(data, prefix=key)
    return sections


def _save_sections(assessment: Assessment, sections: dict[str, forms.Form], by: Any) -> services.DraftResult:
    """Validate each posted section and save its valid fields; the refused ones end up
    as errors on their forms."""
    findings: dict[str, dict[str, Any]] = {}
    recommendations: dict[int, dict[str, Any]] = {}
    outline: dict[str, Any] | None = None
    summary: str | None = None
    for key, form in sections.items():
        form.is_valid()  # fills cleaned_data with the fields that are valid, errors with the others
        kind, _separator, rest = key.partition("-")
        if kind == "finding":
            findings[rest] = dict(form.cleaned_data)
        elif kind == "recommendation":
            recommendations[int(rest)] = dict(form.cleaned_data)
        elif key == "outline":
            outline = dict(form.cleaned_data)
        elif key == "summary" and "summary" in form.cleaned_data:
            summary = form.cleaned_data["summary"]
    result = services.draft_save(
        assessment=assessment,
        findings=findings,
        recommendations=recommendations,
        outline=outline,
        summary=summary,
        by=by,
    )
    for key, errors in result.errors.items():
        form = sections.get(key)
        if form is None:
            continue
        for name, field_messages in errors.items():
            for message in field_messages:
                form.add_error(name if name in form.fields else None, message)
    return result


def _section_errors(sections: dict[str, forms.Form]) -> dict[str, dict[str, list[str]]]:
    return {
        key: {name: [str(message) for message in field_errors] for name, field_errors in form.errors.items()}
        for key, form in sections.items()
        if form.errors
    }


# The manager's workspace ------------------------------------------------------------------


def _workspace_page(
    request: HttpRequest,
    assessment: Assessment,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    workspace = queries.workspace(assessment)
    writable = may_write.test(request.user, assessment)
    sections = _section_forms(workspace)
    sections.update(bound or {})
    new_recommendation = sections.pop(NEW_RECOMMENDATION, None) or RecommendationForm(
        prefix=NEW_RECOMMENDATION
    )
    return render(
        request,
        "assessments/work/workspace.html",
        {
            "assessment": assessment,
            "workspace": workspace,
            "application": assessment.application,
            "company": assessment.application.company,
            "writable": writable,
            "may_submit": may_submit.test(request.user, assessment),
            "finding_rows": [
                (finding, sections[f"finding-{finding.dimension}"]) for finding in workspace.findings
            ],
            "recommendation_rows": [
                (recommendation, sections[f"recommendation-{recommendation.pk}"])
                for recommendation in workspace.recommendations
            ],
            "outline_form": sections["outline"],
            "summary_form": sections["summary"],
            "new_recommendation_form": new_recommendation,
            "returned": assessment.status == AssessmentStatus.IN_PROGRESS
            and assessment.returned_at is not None,
            "autosave_seconds": 60,
            "timeline": programme_queries.described(
                programme_queries.timeline(assessment),
                actions=review_words.ACTION_LABELS,
                statuses=AssessmentStatus,
            ),
        },
        status=status,
    )


@role_required(is_manager | is_programme_staff)
def workspace(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager's one page for an accepted assessment; staff read it."""
    assessment = get_object_or_404(queries.workspaces_for(request.user), pk=pk)
    return _workspace_page(request, assessment)


def _wants_json(request: HttpRequest) -> bool:
    # The autosave asks for JSON; its last post when the page is left (a beacon) cannot
    # set headers and marks itself in the data instead.
    return "application/json" in request.headers.get("Accept", "") or request.POST.get("autosave") == "1"


def draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the sections posted: one section's button, or the page's autosave (JSON).

    A session that expired answers the autosave with 401 and the address to sign in
    again, which brings the manager back to the workspace (not here), with the draft
    as last saved."""
    workspace_url = reverse("work:workspace", args=[pk])
    if not request.user.is_authenticated:
        login_url = f"{reverse('account_login')}?{urlencode({'next': workspace_url})}"
        if _wants_json(request):
            return JsonResponse(
                {"error": _("Your session has expired: sign in again to go on."), "login_url": login_url},
                status=401,
            )
        return redirect(login_url)
    if request.method != "POST":
        return redirect(workspace_url)
    if not is_manager(request.user):
        raise PermissionDenied
    assessment = get_object_or_404(queries.workspaces_for(request.user), pk=pk)
    if not may_write.test(request.user, assessment):
        if _wants_json(request):
            return JsonResponse({"error": _("This report can no longer be changed.")}, status=403)
        raise PermissionDenied
    sections = _posted_sections(request.POST)
    result = _save_sections(assessment, sections, request.user)
    errors = _section_errors(sections)
    if _wants_json(request):
        local = timezone.localtime(result.saved_at)
        return JsonResponse(
            {
                "saved_at": local.isoformat(),
                "saved_at_display": formats.time_format(local, "TIME_FORMAT"),
                "errors": errors,
            },
            status=200,
        )
    if errors:
        messages.error(
            request, _("Some fields were not saved: they are marked below. Everything else is saved.")
        )
        assessment.refresh_from_db()
        return _workspace_page(request, assessment, bound=sections, status=400)
    messages.success(request, _("Saved."))
    anchor = next(iter(sections), "")
    return redirect(f"{workspace_url}#{anchor}" if anchor else workspace_url)


def _writable_assessment(request: HttpRequest, pk: int) -> Assessment:
    assessment = get_object_or_404(
        queries.workspaces_for(request.user).filter(manager__user=request.user), pk=pk
    )
    check(may_write, request.user, assessment)
    return assessment


@role_required(is_manager)
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(
        queries.workspaces_for(request.user).filter(manager__user=request.user), pk=pk
    )
    check(may_submit, request.user, assessment)
    try:
        services.assessment_submit(assessment=assessment, by=request.user)
    except ValidationError as error:
        messages.error(request, _("The report cannot be submitted yet:"))
        report_errors(request, error)
    else:
        messages.success(request, _("The report is submitted: staff will validate it."))
    return redirect("work:workspace", pk=assessment.pk)


# Recommendations -----------------------------------------------------------------------


@role_required(is_manager)
@require_POST
def recommendation_add(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _writable_assessment(request, pk)
    form = RecommendationForm(request.POST, prefix=NEW_RECOMMENDATION)
    if form.is_valid():
        try:
            services.recommendation_add(assessment=assessment, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("The recommendation is added."))
            return redirect(f"{reverse('work:workspace', args=[pk])}#recommendations")
    return _workspace_page(request, assessment, bound={NEW_RECOMMENDATION: form}, status=400)


def _recommendation(request: HttpRequest, pk: int):
    recommendation = get_object_or_404(queries.recommendations_writable_by(request.user), pk=pk)
    check(may_write, request.user, recommendation.assessment)
    return recommendation


@role_required(is_manager)
@require_POST
def recommendation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = _recommendation(request, pk)
    services.recommendation_delete(recommendation=recommendation, by=request.user)
    messages.info(request, _("The recommendation is deleted."))
    return redirect(f"{reverse('work:workspace', args=[recommendation.assessment_id])}#recommendations")


@role_required(is_manager)
@require_POST
def recommendation_move(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = _recommendation(request, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        services.recommendation_move(
            recommendation=recommendation, direction=form.cleaned_data["direction"], by=request.user
        )
    return redirect(f"{reverse('work:workspace', args=[recommendation.assessment_id])}#recommendations")


# Visits ---------------------------------------------------------------------------------


def _visit_page(request: HttpRequest, assessment: Assessment, form: VisitForm, visit=None, status: int = 200):
    return render(
        request,
        "assessments/work/visit_form.html",
        {
            "assessment": assessment,
            "company": assessment.application.company,
            "form": form,
            "visit": visit,
            "days_used": queries.days_used(assessment, excluding_visit=visit.pk if visit else None),
            "allowance": assessment.programme.support_days,
        },
        status=status,
    )


@role_required(is_manager)
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _writable_assessment(request, pk)
    form = VisitForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_record(assessment=assessment, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("The visit is logged; the company is asked to confirm it."))
            return redirect(f"{reverse('work:workspace', args=[pk])}#visits")
    return _visit_page(request, assessment, form, status=400 if request.method == "POST" else 200)


def _visit(request: HttpRequest, pk: int):
    visit = get_object_or_404(queries.visits_writable_by(request.user), pk=pk)
    check(may_write, request.user, visit.assessment)
    return visit


@role_required(is_manager)
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    form = VisitForm(request.POST or None, instance=visit)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_update(visit=visit, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("The visit is updated."))
            return redirect(f"{reverse('work:workspace', args=[visit.assessment_id])}#visits")
    return _visit_page(
        request, visit.assessment, form, visit=visit, status=400 if request.method == "POST" else 200
    )


@role_required(is_manager)
@require_POST
def visit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    try:
        services.visit_delete(visit=visit, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.info(request, _("The visit is deleted."))
    return redirect(f"{reverse('work:workspace', args=[visit.assessment_id])}#visits")


# The SME's side: confirming the visits ----------------------------------------------------


def _sme_visits_page(
    request: HttpRequest, bound: dict[int, VisitAnswerForm] | None = None, status: int = 200
):
    assessment = queries.sme_assessment_for_visits(request.user)
    visits = queries.sme_visits(assessment) if assessment else []
    answerable = assessment is not None and may_answer_visits.test(request.user, assessment)
    bound = bound or {}
    return render(
        request,
        "assessments/work/sme_visits.html",
        {
            "assessment": assessment,
            "answerable": answerable,
            "rows": [
                (visit, bound.get(visit.pk) or VisitAnswerForm(prefix=f"visit-{visit.pk}"))
                for visit in visits
            ],
            "days_used": sum((visit.days for visit in visits), 0),
            "allowance": assessment.programme.support_days if assessment else None,
        },
        status=status,
    )


@role_required(is_sme_member)
def sme_visits(request: HttpRequest) -> HttpResponse:
    """The company's visit log: the member confirms or disputes each visit of its manager."""
    return _sme_visits_page(request)


@role_required(is_sme_member)
@require_POST
def visit_answer(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(queries.visits_answerable_by(request.user), pk=pk)
    check(may_answer_visits, request.user, visit.assessment)
    form = VisitAnswerForm(request.POST, prefix=f"visit-{visit.pk}")
    if form.is_valid():
        try:
            services.visit_answer(
                visit=visit,
                confirmed=form.cleaned_data["answer"] == "confirm",
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            if form.cleaned_data["answer"] == "confirm":
                messages.success(request, _("Thank you: the visit is confirmed."))
            else:
                messages.info(request, _("Your comment is sent to the manager and to staff."))
            return redirect(f"{reverse('work:sme_visits')}#visit-{visit.pk}")
    return _sme_visits_page(request, bound={visit.pk: form}, status=400)
