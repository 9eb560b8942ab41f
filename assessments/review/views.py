"""Staff's pages of assessments: the list and its export, one assessment with its
report, and the decisions on it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import Assessment
from assessments.review import queries, rules, services
from assessments.review.forms import AssessmentFilterForm, CancelForm, HandOverForm, ReturnForm
from managers.models import Manager, ManagerStatus
from programme import exports
from programme import queries as programme_queries
from programme.access import check, role_required
from programme.models import Programme
from programme.pagination import KeysFirstPaginator
from programme.rules import is_programme_staff
from programme.views import attach_errors, report_errors

ASSESSMENTS_PER_PAGE = 25


def _programme() -> Programme:
    programme = programme_queries.current_programme()
    if programme is None:
        raise Http404
    return programme


def _filtered(request: HttpRequest, programme: Programme) -> tuple[AssessmentFilterForm, object]:
    form = AssessmentFilterForm(request.GET or None)
    assessments = queries.filter_assessments(queries.staff_assessments(programme), form.filters())
    return form, assessments


@role_required(is_programme_staff)
def assessment_list(request: HttpRequest) -> HttpResponse:
    """Every assessment of the programme with its days used, the overdue ones and those
    whose manager left the pool first."""
    programme = _programme()
    form, assessments = _filtered(request, programme)
    counts = queries.kept_status_counts(programme, timezone.localdate())
    page = KeysFirstPaginator(
        assessments, ASSESSMENTS_PER_PAGE, count=queries.counted(form.filters(), counts)
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/review/assessment_list.html",
        {
            "programme": programme,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "counts": counts,
            "averages": queries.average_levels(programme),
        },
    )


def _export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The list as filtered on the page; CSV and Excel share the rows, so they never differ."""
    programme = _programme()
    _form, assessments = _filtered(request, programme)
    stem = f"assessment-{timezone.localdate().isoformat()}"
    rows = queries.export_rows(assessments, programme)
    return exports.download(file_format, stem, rows, title=_("Assessments"))


@role_required(is_programme_staff)
def assessment_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered on the page, as CSV."""
    return _export(request, exports.CSV)


@role_required(is_programme_staff)
def assessment_export_xlsx(request: HttpRequest) -> HttpResponse:
    """The list as filtered on the page, as an Excel workbook."""
    return _export(request, exports.XLSX)


def _assessment(pk: int) -> Assessment:
    return get_object_or_404(queries.staff_assessment(_programme()), pk=pk)


def _render_detail(request: HttpRequest, assessment: Assessment, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    may_hand_over = rules.may_hand_over.test(user, assessment)
    return render(
        request,
        "assessments/review/assessment_detail.html",
        {
            "assessment": assessment,
            "company": assessment.application.company,
            "application": assessment.application,
            "detail": queries.assessment_detail(assessment),
            "overdue": assessment.is_overdue,
            "manager_left": assessment.manager.status == ManagerStatus.LEFT,
            "may_validate": rules.may_validate.test(user, assessment),
            "may_cancel": rules.may_cancel.test(user, assessment),
            "may_hand_over": may_hand_over,
            "return_form": forms.get("return_form") or ReturnForm(),
            "cancel_form": forms.get("cancel_form") or CancelForm(),
            "hand_over_form": forms.get("hand_over_form")
            or HandOverForm(
                candidates=queries.handover_candidates(assessment)
                if may_hand_over
                else Manager.objects.none()
            ),
            "timeline": queries.timeline(assessment),
        },
        status=status,
    )


@role_required(is_programme_staff)
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _assessment(pk))


@role_required(is_programme_staff)
@require_POST
def assessment_complete(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(pk)
    check(rules.may_validate, request.user, assessment)
    try:
        services.assessment_complete(assessment=assessment, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(request, _("The assessment is completed; the manager and the company are told."))
    return redirect("review:detail", pk=assessment.pk)


@role_required(is_programme_staff)
@require_POST
def assessment_return(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(pk)
    check(rules.may_validate, request.user, assessment)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_return(
                assessment=assessment, comments=form.cleaned_data["comments"], by=request.user
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("The report is back with the manager, with your comments."))
            return redirect("review:detail", pk=assessment.pk)
    return _render_detail(request, assessment, status=400, return_form=form)


@role_required(is_programme_staff)
@require_POST
def assessment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(pk)
    check(rules.may_cancel, request.user, assessment)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_cancel(
                assessment=assessment, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request, _("The assessment is cancelled; the company waits for a new match and is told.")
            )
            return redirect("review:detail", pk=assessment.pk)
    return _render_detail(request, assessment, status=400, cancel_form=form)


@role_required(is_programme_staff)
@require_POST
def assessment_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(pk)
    check(rules.may_hand_over, request.user, assessment)
    form = HandOverForm(request.POST, candidates=queries.handover_candidates(assessment))
    if form.is_valid():
        try:
            services.assessment_hand_over(
                assessment=assessment,
                manager=form.cleaned_data["manager"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("%(manager)s now holds the assessment; both managers and the company are told.")
                % {"manager": form.cleaned_data["manager"]},
            )
            return redirect("review:detail", pk=assessment.pk)
    return _render_detail(request, assessment, status=400, hand_over_form=form)
