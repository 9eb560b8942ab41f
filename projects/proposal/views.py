"""Pages of the proposal: the company and its manager write the project step by step and
the company submits it; staff list the projects and judge their eligibility."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from programme import exports
from programme import queries as programme_queries
from programme.access import check, role_required
from programme.models import Programme
from programme.pagination import KeysFirstPaginator
from programme.rules import is_manager, is_programme_staff, is_sme_member
from programme.views import attach_errors, report_errors
from projects import checklist
from projects.models import Project, ProjectStatus
from projects.proposal import queries, rules, services
from projects.proposal.forms import (
    CostsForm,
    Decision,
    DeMinimisForm,
    EligibilityForm,
    GeneralForm,
    MilestoneFormSet,
    ProjectFilterForm,
    milestone_initial,
)
from projects.queries import EVER_ELIGIBLE

PROJECTS_PER_PAGE = 25

# The steps of the draft: key, slug in the address, title.
STEPS: tuple[tuple[str, str, Any], ...] = (
    ("general", "progetto", gettext_lazy("The project")),
    ("plan", "piano-di-lavoro", gettext_lazy("Work plan")),
    ("costs", "costi", gettext_lazy("Costs")),
    ("de_minimis", "de-minimis", gettext_lazy("De minimis declaration")),
)
STEP_BY_SLUG = {slug: key for key, slug, _title in STEPS}
SLUG_BY_STEP = {key: slug for key, slug, _title in STEPS}

may_propose = is_sme_member | is_manager


def _programme() -> Programme:
    programme = programme_queries.current_programme()
    if programme is None:
        raise Http404
    return programme


# The company and its manager ----------------------------------------------------------------


@role_required(is_sme_member)
def project_start(request: HttpRequest, assessment_pk: int) -> HttpResponse:
    """Propose a development project from the company's completed assessment."""
    assessment = get_object_or_404(queries.proposable_assessment(request.user), pk=assessment_pk)
    existing = Project.objects.filter(assessment=assessment).first()
    if existing is not None:
        return redirect("proposal:detail", pk=existing.pk)
    if request.method == "POST":
        try:
            project = services.project_create(assessment=assessment, by=request.user)
        except ValidationError as error:
            report_errors(request, error)
        else:
            messages.success(request, _("The draft is saved: go on step by step, your manager can help you."))
            return redirect("proposal:edit", pk=project.pk, step=SLUG_BY_STEP["general"])
    return render(
        request,
        "projects/proposal/project_start.html",
        {
            "assessment": assessment,
            "company": assessment.application.company,
            "outline": getattr(assessment, "project_outline", None),
            "programme": assessment.programme,
        },
    )


def _project(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(queries.visible_projects(request.user), pk=pk)


def _steps_status(missing: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"key": key, "slug": slug, "title": title, "missing": missing.get(key, "")}
        for key, slug, title in STEPS
    ]


@role_required(may_propose)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The project as the company and its manager read it: the plan, the costs, the
    checklist as it stands, the decision and its reason once taken."""
    project = _project(request, pk)
    detail = queries.project_detail(project)
    missing = services.missing_for_submission(project, detail.milestones)
    is_draft = project.status == ProjectStatus.DRAFT
    return render(
        request,
        "projects/proposal/project_detail.html",
        {
            "project": project,
            "detail": detail,
            "company": project.assessment.application.company,
            "steps": _steps_status(missing),
            "missing": missing,
            # The draft shows the checklist as it stands; later, as staff last computed it.
            "checks": queries.checklist_lines(
                services.compute_checklist(project) if is_draft else project.checklist
            ),
            "may_edit": rules.may_edit.test(request.user, project),
            "may_submit": rules.may_submit.test(request.user, project),
            "decided": project.status not in (ProjectStatus.DRAFT, ProjectStatus.SUBMITTED),
            "in_financing": project.status in EVER_ELIGIBLE,
            "timeline": queries.timeline(project),
        },
    )


def _step_forms(project: Project, detail: queries.ProjectDetail, step: str, data: Any = None) -> Any:
    assessment = project.assessment
    if step == "general":
        return GeneralForm(
            data,
            initial=GeneralForm.initial_of(project, detail.recommendations),
            recommendations=assessment.recommendations.order_by("position", "pk"),
            facilitators=services.facilitator_choices(assessment),
        )
    if step == "plan":
        return MilestoneFormSet(data, initial=milestone_initial(detail.milestones), prefix="milestones")
    if step == "costs":
        return CostsForm(
            data,
            programme=project.programme,
            initial={
                "total_cost": project.total_cost,
                "financing_requested": project.financing_requested,
                "own_share": project.own_share,
            },
        )
    return DeMinimisForm(
        data,
        company=assessment.application.company.legal_name,
        ceiling=project.programme.de_minimis_ceiling,
        initial={"received": project.de_minimis_received, "confirmed": project.de_minimis_declared},
    )


def _save_step(project: Project, step: str, form: Any, by: Any) -> None:
    data = form.cleaned_data if step != "plan" else None
    if step == "general":
        services.project_save_general(
            project=project,
            title=data["title"],
            objectives=data["objectives"],
            recommendations=list(data["recommendations"]),
            facilitator=data["facilitator"],
            by=by,
        )
    elif step == "plan":
        services.project_save_plan(project=project, milestones=form.plans(), by=by)
    elif step == "costs":
        services.project_save_costs(project=project, **data, by=by)
    else:
        services.de_minimis_declare(
            project=project, received=data["received"], confirmed=data["confirmed"], by=by
        )


def _after_saving(project: Project, step: str, *, stay: bool) -> str:
    """Where a saved step leads: the same step, the next one, or the project after the last."""
    keys = [item[0] for item in STEPS]
    position = keys.index(step)
    if stay:
        return reverse("proposal:edit", args=[project.pk, SLUG_BY_STEP[step]])
    if position + 1 < len(STEPS):
        return reverse("proposal:edit", args=[project.pk, STEPS[position + 1][1]])
    return reverse("proposal:detail", args=[project.pk])


@role_required(may_propose)
def project_edit(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of the draft. Saving keeps what is written and goes to the next step."""
    project = _project(request, pk)
    key = STEP_BY_SLUG.get(step)
    if key is None:
        raise Http404
    check(rules.may_edit, request.user, project)
    # The declaration is the company's own: the manager reads the step, the company makes it.
    may_declare = rules.may_declare.test(request.user, project)
    detail = queries.project_detail(project)
    status = 200
    if request.method == "POST" and key == "de_minimis":
        check(rules.may_declare, request.user, project)
    form = _step_forms(project, detail, key, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                _save_step(project, key, form, request.user)
            except ValidationError as error:
                if key == "plan":
                    form._non_form_errors = form.error_class(error.messages)
                else:
                    attach_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(_after_saving(project, key, stay="stay" in request.POST))
        status = 400
    missing = services.missing_for_submission(project, detail.milestones)
    return render(
        request,
        "projects/proposal/project_edit.html",
        {
            "project": project,
            "detail": detail,
            "company": project.assessment.application.company,
            "programme": project.programme,
            "step": key,
            "step_slug": step,
            "step_title": {item[0]: item[2] for item in STEPS}[key],
            "steps": _steps_status(missing),
            "form": form,
            "may_declare": may_declare,
        },
        status=status,
    )


@role_required(is_sme_member)
@require_POST
def project_submit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    check(rules.may_submit, request.user, project)
    try:
        services.project_submit(project=project, by=request.user)
    except ValidationError as error:
        report_errors(request, error)
    else:
        messages.success(request, _("The project is submitted: programme staff will check its eligibility."))
    return redirect("proposal:detail", pk=project.pk)


# Staff ---------------------------------------------------------------------------------------


def _filtered(request: HttpRequest, programme: Programme) -> tuple[ProjectFilterForm, Any]:
    form = ProjectFilterForm(request.GET or None)
    return form, queries.filter_projects(queries.staff_projects(programme), form.filters())


@role_required(is_programme_staff)
def staff_list(request: HttpRequest) -> HttpResponse:
    """Every project of the programme, those waiting for staff first."""
    programme = _programme()
    form, projects = _filtered(request, programme)
    counts = queries.kept_status_counts(programme)
    page = KeysFirstPaginator(
        projects, PROJECTS_PER_PAGE, count=queries.counted(form.filters(), counts)
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/proposal/staff_list.html",
        {
            "programme": programme,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "counts": counts,
        },
    )


def _export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The list as filtered on the page; CSV and Excel share the rows, so they never differ."""
    programme = _programme()
    _form, projects = _filtered(request, programme)
    stem = f"progetti-{timezone.localdate().isoformat()}"
    return exports.download(file_format, stem, queries.export_rows(projects), title=_("Development projects"))


@role_required(is_programme_staff)
def staff_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered on the page, as CSV."""
    return _export(request, exports.CSV)


@role_required(is_programme_staff)
def staff_export_xlsx(request: HttpRequest) -> HttpResponse:
    """The list as filtered on the page, as an Excel workbook."""
    return _export(request, exports.XLSX)


def _staff_project(pk: int) -> Project:
    return get_object_or_404(queries.staff_project(_programme()), pk=pk)


def _render_staff_detail(
    request: HttpRequest, project: Project, form: EligibilityForm | None = None, status: int = 200
) -> HttpResponse:
    criteria = queries.criteria_of(project)
    may_judge = rules.may_judge.test(request.user, project)
    return render(
        request,
        "projects/proposal/staff_detail.html",
        {
            "project": project,
            "detail": queries.project_detail(project),
            "company": project.assessment.application.company,
            "assessment": project.assessment,
            "checks": queries.checklist_lines(
                services.compute_checklist(project) if may_judge else project.checklist
            ),
            "criteria": criteria,
            "judgement_labels": [
                (label, project.judgement.get(key)) for key, label in checklist.JUDGEMENT_CHECKS
            ],
            "may_judge": may_judge,
            "in_financing": project.status in EVER_ELIGIBLE,
            "form": form or EligibilityForm(criteria=criteria, project=project),
            "timeline": queries.timeline(project),
        },
        status=status,
    )


@role_required(is_programme_staff)
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The eligibility page: the computed checklist, the checks of judgement, the scores."""
    return _render_staff_detail(request, _staff_project(pk))


@role_required(is_programme_staff)
@require_POST
def staff_judge(request: HttpRequest, pk: int) -> HttpResponse:
    project = _staff_project(pk)
    check(rules.may_judge, request.user, project)
    form = EligibilityForm(request.POST, criteria=queries.criteria_of(project), project=project)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            if decision == Decision.SAVE:
                services.eligibility_save(
                    project=project, judgement=form.judgement(), scores=form.scores(), by=request.user
                )
            else:
                services.eligibility_declare(
                    project=project,
                    eligible=decision == Decision.ELIGIBLE,
                    reason=form.cleaned_data["reason"],
                    judgement=form.judgement(),
                    scores=form.scores(),
                    by=request.user,
                )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            if decision == Decision.SAVE:
                messages.success(request, _("The checks and scores are saved."))
            elif decision == Decision.ELIGIBLE:
                messages.success(request, _("The project is eligible for financing; the company is told."))
            else:
                messages.success(request, _("The project is declared not eligible; the company is told."))
            return redirect("proposal:staff_detail", pk=project.pk)
    return _render_staff_detail(request, project, form=form, status=400)
