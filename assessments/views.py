"""Pages of matching (staff) and of the manager's answer."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import queries, services, words
from assessments.forms import DeclineForm, SwapForm
from assessments.models import AssessmentStatus, MatchingRun, Proposal, RunStage, RunStatus
from assessments.rules import may_answer
from programme import queries as programme_queries
from programme.access import check, role_required
from programme.models import Programme
from programme.rules import is_manager, is_programme_staff
from programme.views import attach_errors, report_errors


def _programme() -> Programme:
    programme = programme_queries.current_programme()
    if programme is None:
        raise Http404
    return programme


def _run(pk: int) -> MatchingRun:
    return get_object_or_404(MatchingRun.objects.select_related("programme", "started_by"), pk=pk)


# Staff ---------------------------------------------------------------------------


@role_required(is_programme_staff)
def matching(request: HttpRequest) -> HttpResponse:
    """The matching page: who waits for a manager, the places left, the runs."""
    programme = _programme()
    before_a_run = queries.matching_figures(programme)
    recent = queries.runs(programme)
    return render(
        request,
        "assessments/matching.html",
        {
            "programme": programme,
            "waiting": before_a_run["waiting"],
            "places": before_a_run["places"],
            "runs": recent,
            "active": queries.active_run(recent),
        },
    )


@role_required(is_programme_staff)
@require_POST
def matching_start(request: HttpRequest) -> HttpResponse:
    programme = _programme()
    try:
        run = services.matching_run_start(programme=programme, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
        return redirect("assessments:matching")
    messages.success(request, _("The matching run has started: this page follows its progress."))
    return redirect("assessments:run", pk=run.pk)


@role_required(is_programme_staff)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(pk)
    proposals = queries.run_proposals(run)
    alternative_ids = {item["manager"] for proposal in proposals for item in proposal.alternatives}
    names = queries.manager_names(alternative_ids)
    unmatched_applications = queries.applications_by_id({item["application"] for item in run.unmatched})
    rows = [
        {
            "proposal": proposal,
            "parts": words.breakdown_in_words(proposal.breakdown),
            "alternatives": [
                {"manager": item["manager"], "name": names.get(item["manager"], "?"), "fit": item["fit"]}
                for item in proposal.alternatives
            ],
        }
        for proposal in proposals
    ]
    unmatched = [
        {
            "application": unmatched_applications.get(item["application"]),
            "reason": words.UNMATCHED_LABELS.get(item["reason"], item["reason"]),
        }
        for item in run.unmatched
    ]
    return render(
        request,
        "assessments/run_detail.html",
        {
            "run": run,
            "rows": rows,
            "kept": sum(1 for proposal in proposals if not proposal.dropped),
            "unmatched": unmatched,
            "stage_labels": dict(RunStage.choices),
            "timeline": programme_queries.described(
                programme_queries.timeline(run), actions=words.ACTION_LABELS, statuses=RunStatus
            ),
        },
    )


@role_required(is_programme_staff)
def run_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The run's progress, for the page to follow without reloading."""
    run = _run(pk)
    labels = dict(RunStage.choices)
    return JsonResponse(
        {
            "status": run.status,
            "status_label": str(run.get_status_display()),
            "stage": run.stage,
            "stage_label": str(labels.get(run.stage, run.stage)),
            "stages": [
                {
                    "stage": item["stage"],
                    "label": str(labels.get(item["stage"], item["stage"])),
                    "at": item["at"],
                }
                for item in run.stages
            ],
            "finished": run.status not in (RunStatus.QUEUED, RunStatus.RUNNING),
            "failure_reason": run.failure_reason,
        }
    )


@role_required(is_programme_staff)
@require_POST
def run_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(pk)
    try:
        assessments = services.matching_run_confirm(run=run, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(
            request,
            _("%(count)s assessments are assigned; each manager is asked to accept.")
            % {"count": len(assessments)},
        )
    return redirect("assessments:run", pk=run.pk)


@role_required(is_programme_staff)
@require_POST
def run_discard(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(pk)
    try:
        services.matching_run_discard(run=run, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.info(request, _("The proposals are set aside; nothing was assigned."))
    return redirect("assessments:run", pk=run.pk)


def _proposal(pk: int) -> Proposal:
    return get_object_or_404(Proposal.objects.select_related("run"), pk=pk)


@role_required(is_programme_staff)
@require_POST
def proposal_swap(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    form = SwapForm(request.POST, choices=[(item["manager"], "") for item in proposal.alternatives])
    if not form.is_valid():
        messages.error(request, _("Choose one of the alternatives shown for this SME."))
        return redirect("assessments:run", pk=proposal.run_id)
    try:
        services.proposal_swap(proposal=proposal, manager_id=form.cleaned_data["manager"], by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(request, _("The proposal now has the manager you chose."))
    return redirect("assessments:run", pk=proposal.run_id)


@role_required(is_programme_staff)
@require_POST
def proposal_drop(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    try:
        services.proposal_drop(proposal=proposal, dropped=request.POST.get("dropped") == "1", by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    return redirect("assessments:run", pk=proposal.run_id)


# The manager ----------------------------------------------------------------------


@role_required(is_manager)
def answer(request: HttpRequest, pk: int, decline_form: DeclineForm | None = None) -> HttpResponse:
    """The SME proposed to the manager: its profile and needs; contact details once accepted."""
    assessment = get_object_or_404(queries.visible_to_manager(request.user), pk=pk)
    return render(
        request,
        "assessments/assessment_answer.html",
        {
            "assessment": assessment,
            "application": assessment.application,
            "company": assessment.application.company,
            "parts": words.breakdown_in_words(assessment.breakdown),
            "may_answer": may_answer.test(request.user, assessment),
            "decline_form": decline_form or DeclineForm(),
            "timeline": programme_queries.described(
                programme_queries.timeline(assessment), actions=words.ACTION_LABELS, statuses=AssessmentStatus
            ),
        },
        status=400 if decline_form is not None else 200,
    )


@role_required(is_manager)
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(queries.visible_to_manager(request.user), pk=pk)
    check(may_answer, request.user, assessment)
    try:
        services.assessment_accept(assessment=assessment, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(
            request, _("You accepted: the company's contact details are below, and it has yours.")
        )
    return redirect("assessments:answer", pk=assessment.pk)


@role_required(is_manager)
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(queries.visible_to_manager(request.user), pk=pk)
    check(may_answer, request.user, assessment)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_decline(
                assessment=assessment, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.info(request, _("You declined; staff will propose the company to another manager."))
            return redirect("home:manager")
    return answer(request, pk, decline_form=form)
