"""Pages of the manager pool: the manager's profile, CV, application, leaving and
unavailability; staff's ranking, review and decisions, and the competence database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from managers import queries, services
from managers.forms import (
    ConflictForm,
    CvForm,
    DecisionForm,
    LeaveForm,
    PoolFilterForm,
    ProfileForm,
    ReviewForm,
    SectorFormSet,
    SubmitForm,
    UnavailabilityForm,
)
from managers.merit import CRITERIA_KEYS
from managers.models import Manager, ManagerStatus, UnavailabilityPeriod
from managers.rules import (
    can_edit_profile,
    can_leave_pool,
    can_review,
    can_set_unavailability,
    can_submit_application,
)
from programme import exports
from programme import queries as programme_queries
from programme.access import check, role_required
from programme.models import Programme
from programme.pagination import CountedPaginator
from programme.rules import is_manager, is_programme_staff
from programme.views import attach_errors

PER_PAGE = 25


def _current_programme() -> Programme:
    programme = programme_queries.current_programme()
    if programme is None:
        raise Http404
    return programme


def _own_manager(request: HttpRequest) -> Manager:
    manager = queries.manager_of(request.user, _current_programme())
    if manager is None:
        raise Http404
    return manager


def _posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (an empty POST is falsy: `or None` would
    leave the form unbound and silently accept nothing), or None for a GET."""
    return request.POST if request.method == "POST" else None


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# The manager's pages


@role_required(is_manager)
def profile(request: HttpRequest) -> HttpResponse:
    """The profile at a glance: each section, what is still missing, the CV, and the way to submit."""
    programme = _current_programme()
    manager = queries.manager_of(request.user, programme)
    missing = queries.missing_for_application(manager) if manager else None
    return render(
        request,
        "managers/profile_detail.html",
        {
            "programme": programme,
            "manager": manager,
            "missing": missing,
            "can_edit": manager is None or can_edit_profile(request.user, manager),
            "can_submit": manager is not None and can_submit_application(request.user, manager),
        },
    )


@role_required(is_manager)
def profile_edit(request: HttpRequest) -> HttpResponse:
    programme = _current_programme()
    manager = queries.manager_of(request.user, programme) or Manager(programme=programme, user=request.user)
    if manager.pk and not can_edit_profile(request.user, manager):
        messages.info(request, _("Your profile can no longer be changed."))
        return redirect("managers:profile")
    existing_competences = (
        {rating.area: rating.level for rating in manager.competences.all()} if manager.pk else {}
    )
    existing_sectors = (
        [
            {"section": row.section, "division": row.division, "years": row.years}
            for row in manager.sector_experiences.all()
        ]
        if manager.pk
        else []
    )
    form = ProfileForm(
        _posted(request), instance=manager, user=request.user, competences=existing_competences
    )
    sector_forms = SectorFormSet(_posted(request), initial=existing_sectors, prefix="sectors")
    if request.method == "POST" and form.is_valid() and sector_forms.is_valid():
        try:
            services.profile_save(
                programme=programme,
                by=request.user,
                details=form.details(),
                first_name=form.cleaned_data["first_name"].strip(),
                last_name=form.cleaned_data["last_name"].strip(),
                sectors=sector_forms.rows(),
                competences=form.competences(),
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("managers:profile")
    return render(
        request,
        "managers/profile_edit.html",
        {"form": form, "sector_forms": sector_forms, "manager": manager, "programme": programme},
    )


@role_required(is_manager)
def cv_upload(request: HttpRequest) -> HttpResponse:
    programme = _current_programme()
    manager = queries.manager_of(request.user, programme)
    if manager is not None and not can_edit_profile(request.user, manager):
        messages.info(request, _("Your profile can no longer be changed."))
        return redirect("managers:profile")
    form = CvForm(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["cv"]
        try:
            services.cv_upload(
                programme=programme, by=request.user, file=upload, size=upload.size, name=upload.name
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Your CV is saved."))
            return redirect("managers:profile")
    return render(request, "managers/cv_upload.html", {"form": form, "manager": manager})


@role_required(is_manager | is_programme_staff)
def cv_download(request: HttpRequest, pk: int) -> FileResponse:
    """The CV, for the manager themselves and for staff only, always as a download."""
    manager = get_object_or_404(queries.visible_managers(request.user), pk=pk)
    if not manager.cv:
        raise Http404
    try:
        handle = services.cv_open(manager=manager, by=request.user)
    except FileNotFoundError as missing:
        raise Http404 from missing
    name = slugify(f"cv {manager.user.last_name} {manager.user.first_name}") or "cv"
    response = FileResponse(
        handle, as_attachment=True, filename=f"{name}.pdf", content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(is_manager)
def application_submit(request: HttpRequest) -> HttpResponse:
    manager = _own_manager(request)
    if not can_submit_application(request.user, manager):
        messages.info(request, _("Your application is already submitted."))
        return redirect("managers:profile")
    missing = queries.missing_for_application(manager)
    form = SubmitForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.manager_apply(manager=manager, by=request.user, truthful_declaration=True)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Your application is submitted. Staff will review it on merit."))
            return redirect("home:manager")
    return render(
        request, "managers/application_submit.html", {"form": form, "manager": manager, "missing": missing}
    )


@role_required(is_manager)
def pool_leave(request: HttpRequest) -> HttpResponse:
    manager = _own_manager(request)
    check(can_leave_pool, request.user, manager)
    form = LeaveForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.manager_leave(manager=manager, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request, _("You have left the pool. Thank you for your work with the programme.")
            )
            return redirect("home:manager")
    return render(request, "managers/pool_leave.html", {"form": form, "manager": manager})


@role_required(is_manager)
def unavailability(request: HttpRequest) -> HttpResponse:
    manager = _own_manager(request)
    allowed = can_set_unavailability(request.user, manager)
    form = UnavailabilityForm(_posted(request))
    if request.method == "POST":
        check(can_set_unavailability, request.user, manager)
        if form.is_valid():
            try:
                services.unavailability_add(manager=manager, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("The period is saved: you will be proposed no new SMEs then."))
                return redirect("managers:unavailability")
    periods = manager.unavailability_periods.order_by("starts_on")
    return render(
        request,
        "managers/unavailability_list.html",
        {
            "form": form,
            "manager": manager,
            "periods": periods,
            "allowed": allowed,
            "today": timezone.localdate(),
        },
    )


@role_required(is_manager)
@require_POST
def unavailability_delete(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(
        UnavailabilityPeriod.objects.select_related("manager"), pk=pk, manager__user=request.user
    )
    check(can_set_unavailability, request.user, period.manager)
    services.unavailability_remove(period=period, by=request.user)
    messages.success(request, _("The period is removed."))
    return redirect("managers:unavailability")


# Staff's pages


@role_required(is_programme_staff)
def ranking(request: HttpRequest) -> HttpResponse:
    """Applicants (or managers in another status) ranked by merit score."""
    programme = _current_programme()
    status = request.GET.get("stato", ManagerStatus.APPLIED)
    if status not in queries.RANKING_STATUSES:
        status = ManagerStatus.APPLIED
    counts = queries.kept_status_counts(programme)
    # The ranking is one status's managers: their number is among the counts by status.
    page = CountedPaginator(
        queries.ranking(programme, status, request.user), PER_PAGE, count=counts[status]
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "managers/manager_ranking.html",
        {
            "programme": programme,
            "page": page,
            "query": _query_without_page(request),
            "status": status,
            "statuses": [(value, ManagerStatus(value).label) for value in queries.RANKING_STATUSES],
            "counts": counts,
            "weights_outdated": queries.weights_outdated(programme),
            "weights": [(label, programme.merit_weights.get(key, 0)) for key, label in _criteria()],
        },
    )


def _criteria() -> list[tuple[str, str]]:
    from programme.forms import MERIT_CRITERIA

    return list(MERIT_CRITERIA)


@role_required(is_programme_staff)
@require_POST
def merit_recompute(request: HttpRequest) -> HttpResponse:
    count = services.merit_scores_recompute(programme=_current_programme(), by=request.user)
    messages.success(
        request, _("%(count)s reviews scored again with the current weights.") % {"count": count}
    )
    return redirect("managers:ranking")


def _detail_page(
    request: HttpRequest,
    manager: Manager,
    *,
    review_form: ReviewForm | None = None,
    conflict_form: ConflictForm | None = None,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    manager = queries.manager_detail(manager)
    reviews = list(manager.reviews.all())
    mine = next((review for review in reviews if review.reviewer_id == request.user.pk), None)
    conflicts = list(manager.review_conflicts.all())
    my_conflict = next((conflict for conflict in conflicts if conflict.reviewer_id == request.user.pk), None)
    is_self = manager.user_id == request.user.pk
    may_review = can_review(request.user, manager) and my_conflict is None
    if review_form is None and may_review:
        initial = {}
        if mine is not None:
            initial = {key: str(getattr(mine, key)) for key in CRITERIA_KEYS}
            initial.update({f"{key}_notes": getattr(mine, f"{key}_notes") for key in CRITERIA_KEYS})
        review_form = ReviewForm(initial=initial, weights=manager.programme.merit_weights)
    criteria = _criteria()
    return render(
        request,
        "managers/manager_detail.html",
        {
            "manager": manager,
            "reviews": [
                (
                    review,
                    [
                        (label, getattr(review, key), getattr(review, f"{key}_notes"))
                        for key, label in criteria
                    ],
                )
                for review in reviews
            ],
            "my_review": mine,
            "my_conflict": my_conflict,
            "conflicts": conflicts,
            "is_self": is_self,
            "review_form": review_form if may_review else None,
            "conflict_form": conflict_form or ConflictForm(),
            "decision_form": decision_form,
            "may_decide": not is_self and my_conflict is None,
            "timeline": queries.timeline(manager, for_manager=False),
            "today": timezone.localdate(),
        },
        status=status,
    )


def _staff_manager(request: HttpRequest, pk: int) -> Manager:
    return get_object_or_404(
        queries.visible_managers(request.user).exclude(status=ManagerStatus.DRAFT), pk=pk
    )


@role_required(is_programme_staff)
def manager_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _staff_manager(request, pk))


@role_required(is_programme_staff)
@require_POST
def review_save(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _staff_manager(request, pk)
    check(can_review, request.user, manager)
    form = ReviewForm(request.POST, weights=manager.programme.merit_weights)
    if form.is_valid():
        try:
            services.review_save(manager=manager, by=request.user, scores=form.scores(), notes=form.notes())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Your review is saved and the merit score updated."))
            return redirect("managers:detail", pk=manager.pk)
    return _detail_page(request, manager, review_form=form, status=400)


@role_required(is_programme_staff)
@require_POST
def conflict_declare(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _staff_manager(request, pk)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.review_conflict_declare(manager=manager, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("Your conflict of interest is recorded: you take no part in this manager's review."),
            )
            return redirect("managers:detail", pk=manager.pk)
    return _detail_page(request, manager, conflict_form=form, status=400)


# Lazy: shown in the language of the staff member who decides.
DECISIONS = {
    "select": (services.manager_select, gettext_lazy("The manager is selected and told.")),
    "not_select": (services.manager_not_select, gettext_lazy("The manager is not selected and is told why.")),
    "suspend": (services.manager_suspend, gettext_lazy("The manager is suspended and told why.")),
    "reinstate": (services.manager_reinstate, gettext_lazy("The manager is back in the pool and told.")),
}


@role_required(is_programme_staff)
@require_POST
def manager_decide(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _staff_manager(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        service, done = DECISIONS[form.cleaned_data["decision"]]
        try:
            service(manager=manager, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, str(done))
            return redirect("managers:detail", pk=manager.pk)
    return _detail_page(request, manager, decision_form=form, status=400)


@role_required(is_programme_staff)
def pool(request: HttpRequest) -> HttpResponse:
    """The competence database: search and filter the pool; export what is found."""
    programme = _current_programme()
    form = PoolFilterForm(request.GET or None)
    managers = queries.pool(programme, form.filters())
    page = Paginator(managers, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "managers/manager_pool.html",
        {
            "programme": programme,
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "today": timezone.localdate(),
        },
    )


def _pool_rows(managers: QuerySet[Manager]) -> Iterator[list[Any]]:
    """The pool as found by the filters: a header, then one row per manager, read in chunks."""
    yield [
        _("Last name"),
        _("First name"),
        _("E-mail address"),
        _("Telephone"),
        _("Status"),
        _("Merit score"),
        _("Town"),
        _("Province of residence"),
        _("Provinces where they can work"),
        _("Employment situation"),
        _("Years of managerial experience"),
        _("Roles held"),
        _("Competences (level)"),
        _("Sectors (years)"),
        _("Languages"),
        _("Capacity"),
        _("Open assessments"),
        _("Capacity left"),
        _("Available from"),
        _("Unavailable today"),
        _("ALDAI Federmanager number"),
    ]

    for manager in managers.iterator(chunk_size=500):
        yield [
            manager.user.last_name,
            manager.user.first_name,
            manager.user.email,
            manager.phone,
            manager.get_status_display(),
            "" if manager.merit_score is None else str(manager.merit_score).replace(".", ","),
            manager.city,
            manager.home_province,
            " ".join(manager.provinces),
            manager.get_employment_situation_display(),
            manager.years_of_experience,
            ", ".join(manager.roles_held_labels),
            "; ".join(f"{rating.get_area_display()} {rating.level}" for rating in manager.competences.all()),
            "; ".join(f"{row.code} {row.years}" for row in manager.sector_experiences.all()),
            " ".join(manager.languages),
            manager.capacity,
            manager.open_assessments,
            manager.capacity_left_now,
            manager.available_from.isoformat() if manager.available_from else "",
            _("yes") if manager.unavailable_today else _("no"),
            manager.aldai_number,
        ]


def _pool_export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The pool as filtered on the page; CSV and Excel share the rows, so they never differ."""
    programme = _current_programme()
    form = PoolFilterForm(request.GET or None)
    managers = queries.pool(programme, form.filters())
    stem = f"banca-dati-manager-{timezone.localtime().strftime('%Y%m%d-%H%M')}"
    return exports.download(file_format, stem, _pool_rows(managers), title=_("Manager pool"))


@role_required(is_programme_staff)
def pool_export(request: HttpRequest) -> HttpResponse:
    """The pool as filtered on the page, as CSV."""
    return _pool_export(request, exports.CSV)


@role_required(is_programme_staff)
def pool_export_xlsx(request: HttpRequest) -> HttpResponse:
    """The pool as filtered on the page, as an Excel workbook."""
    return _pool_export(request, exports.XLSX)
