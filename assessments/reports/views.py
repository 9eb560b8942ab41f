"""The report's page, its PDF, and the SME's feedback."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import Assessment
from assessments.reports import pdf, queries, services
from assessments.reports.forms import FeedbackForm
from assessments.reports.rules import may_give_feedback, may_read_feedback, may_read_reports
from programme.access import check, role_required
from programme.rules import is_sme_member
from programme.views import attach_errors


def _report_assessment(request: HttpRequest, pk: int) -> Assessment:
    return get_object_or_404(queries.report_queryset(request.user), pk=pk)


def _context(request: HttpRequest, assessment: Assessment, **extra) -> dict:
    may_feedback = may_give_feedback.test(request.user, assessment)
    return {
        "report": queries.report(assessment),
        "assessment": assessment,
        "company": assessment.application.company,
        "show_feedback": may_read_feedback.test(request.user, assessment),
        "may_give_feedback": may_feedback,
        "is_member": is_sme_member.test(request.user),
        "feedback_form": extra.pop("feedback_form", None) or (FeedbackForm() if may_feedback else None),
        **extra,
    }


@role_required(may_read_reports)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The report: company, manager, visits, the chart, findings, recommendations, score."""
    assessment = _report_assessment(request, pk)
    return render(request, "assessments/reports/report_detail.html", _context(request, assessment))


@role_required(may_read_reports)
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The same report as a PDF, in the reader's language (the one the request runs in)."""
    assessment = _report_assessment(request, pk)
    content = pdf.render_pdf(_context(request, assessment))
    response = HttpResponse(content, content_type="application/pdf")
    name = slugify(assessment.application.company.legal_name) or str(assessment.pk)
    # Translators: the start of the PDF's file name; no spaces or accents.
    prefix = _("report")
    response["Content-Disposition"] = f'attachment; filename="{prefix}-{name}.pdf"'
    # A report holds a company's figures: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(is_sme_member)
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """The SME's rating of its completed assessment, once."""
    assessment = _report_assessment(request, pk)
    check(may_give_feedback, request.user, assessment)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_give(
                assessment=assessment,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Thank you: your feedback goes to the programme's staff."))
            return redirect("reports:report", pk=assessment.pk)
    return render(
        request,
        "assessments/reports/report_detail.html",
        _context(request, assessment, feedback_form=form),
        status=400,
    )
