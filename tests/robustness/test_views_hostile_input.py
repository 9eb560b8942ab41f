"""Every form of the portal, fed hostile input one field at a time (hypothesis).

The table FORMS names each form with the persona allowed to submit it, its address on a
real object of the world (tests/robustness/world.py) and a valid payload; a form of the
apps' forms.py missing from the table fails `test_every_form_of_the_portal_is_in_the_table`.
For each form, each example takes the valid payload and replaces one field with something
hostile (very long text, control characters and NUL, markup and script, SQL, wrong types,
several values where one is expected, a missing field, numbers out of any range, dates far
off, unicode oddities). Every example asserts:

- no request raises (the test client re-raises a view's exception) and none answers 500;
- a refused submission (the form shown again) leaves every row of the portal as it was;
- markup accepted and shown again, on the refused form or on the page after saving, is
  escaped: the raw markup never reaches a page.

Each example runs in a savepoint rolled back afterwards, so all start from the same world.
The number of examples whose request reached a form's validation is counted and written
to var/robustness/ (the figure the closing note quotes)."""

from __future__ import annotations

import contextlib
import copy
import datetime
import importlib
import inspect
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django import forms as django_forms
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from managers.merit import CRITERIA_KEYS
from programme.reference import AssessmentArea
from tests.conftest import totp_code
from tests.factories import PASSWORD, pdf_bytes
from tests.robustness import snapshot
from tests.robustness.world import World, filled_form

pytestmark = pytest.mark.django_db

# The apps' form modules, searched for forms so that a new one cannot be forgotten.
FORM_MODULES = (
    "programme.forms",
    "programme.home.forms",
    "smes.forms",
    "managers.forms",
    "assessments.forms",
    "assessments.work.forms",
    "assessments.review.forms",
    "assessments.reports.forms",
    "projects.proposal.forms",
    "projects.financing.forms",
)
EXAMPLES_PER_FORM = int(os.environ.get("FUZZ_EXAMPLES_PER_FORM", "10"))
TODAY = timezone.localdate()


def day(offset: int) -> str:
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


@dataclass(frozen=True)
class FormCase:
    """One form as its persona submits it. `payload(world, page)` gives the valid values;
    `page` is what the form's page fills in by itself (when `page_url` is given)."""

    name: str
    form: str
    persona: str
    url: Callable[[World], str]
    payload: Callable[[World, dict], dict]
    page_url: Callable[[World], str] | None = None
    method: str = "post"
    # The fields to make hostile; by default every field of the payload.
    fields: Callable[[dict], list[str]] | None = None
    files: Callable[[World], dict] | None = None
    # Signing in stores nothing of the portal's own (the session is the sign-in machinery's).
    stores: bool = True
    # Tables a refusal writes by design (a refused sign-in is recorded in the audit trail).
    refusal_records: tuple[str, ...] = ()
    # The workspace's draft saves each valid field and refuses only the bad one (by design:
    # a manager's autosave never loses what was typed right). For it, `stored(world, field)`
    # reads the field's stored value, which a refusal must leave as it was.
    stored: Callable[[World, str], Any] | None = None
    # The apps whose tables are compared (the account forms' own are allauth's).
    watch: tuple[str, ...] = snapshot.OWN_APPS


def same(url_of: Callable[[World], str]) -> Callable[[World], str]:
    return url_of


def rev(name: str, *args: Callable[[World], Any]) -> Callable[[World], str]:
    return lambda world: reverse(name, args=[arg(world) for arg in args])


def prefixed(prefix: str) -> Callable[[dict], list[str]]:
    return lambda payload: [key for key in payload if key.startswith(prefix)]


def not_prefixed(prefix: str) -> Callable[[dict], list[str]]:
    return lambda payload: [key for key in payload if not key.startswith(prefix)]


def page(world: World, values: dict, **overrides: Any) -> dict:
    return {**values, **overrides}


def _first_proposal_with_alternatives(world: World):
    return next(proposal for proposal in world.run.proposals.order_by("pk") if proposal.alternatives)


def _finding_value(world: World, target: str) -> Any:
    column = target.rsplit("-", 1)[-1]
    dimension = target.split("-")[1]
    return list(world.in_progress.findings.filter(dimension=dimension).values_list(column, flat=True))


def _outline_value(world: World, target: str) -> Any:
    from assessments.models import ProjectOutline

    column = target.removeprefix("outline-")
    return list(ProjectOutline.objects.filter(assessment=world.in_progress).values_list(column, flat=True))


def _summary_value(world: World, target: str) -> Any:
    from assessments.models import Assessment

    return Assessment.objects.filter(pk=world.in_progress.pk).values_list("summary", flat=True).get()


def _first_recommendation(world: World):
    return world.in_progress.recommendations.order_by("position").first()


NEW_PASSWORD = "Una-password-nuova-2026"
ACCOUNT_APPS = (*snapshot.OWN_APPS, "account", "mfa")

FORMS: list[FormCase] = [
    # programme
    FormCase(
        "signup",
        "programme.forms.SignupForm",
        "anonymous",
        rev("account_signup"),
        lambda world, values: page(
            world,
            values,
            role="sme_member",
            first_name="Nuova",
            last_name="Persona",
            email="nuova.persona@esempio.it",
            password1="Una-password-nuova-2026",
            password2="Una-password-nuova-2026",
            language="en",
        ),
        page_url=rev("account_signup"),
    ),
    FormCase(
        "login",
        "allauth.account.forms.LoginForm",
        "anonymous",
        rev("account_login"),
        lambda world, values: {"login": world.users["applicant"].email, "password": PASSWORD},
        stores=False,
        refusal_records=("programme.AuditEntry",),
    ),
    # The account pages (django-allauth), each as its person reaches it.
    FormCase(
        "password_change",
        "allauth.account.forms.ChangePasswordForm",
        "applicant",
        rev("account_change_password"),
        lambda world, values: {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        watch=ACCOUNT_APPS,
    ),
    FormCase(
        "password_reset",
        "allauth.account.forms.ResetPasswordForm",
        "anonymous",
        rev("account_reset_password"),
        lambda world, values: {"email": world.users["applicant"].email},
        watch=ACCOUNT_APPS,
    ),
    FormCase(
        "password_reset_from_key",
        "allauth.account.forms.ResetPasswordKeyForm",
        "reset_link",
        lambda world: world.reset_url,
        lambda world, values: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        watch=ACCOUNT_APPS,
    ),
    FormCase(
        "email_add",
        "allauth.account.forms.AddEmailForm",
        "applicant",
        rev("account_email"),
        lambda world, values: {"action_add": "", "email": "secondo.indirizzo@esempio.it"},
        watch=ACCOUNT_APPS,
    ),
    FormCase(
        "reauthenticate",
        "allauth.account.forms.ReauthenticateForm",
        "applicant",
        rev("account_reauthenticate"),
        lambda world, values: {"password": PASSWORD},
        stores=False,
        # A wrong password is a refused sign-in, on the person's trail.
        refusal_records=("programme.AuditEntry",),
        watch=ACCOUNT_APPS,
    ),
    FormCase(
        "totp_activate",
        "allauth.mfa.totp.forms.ActivateTOTPForm",
        "manager_free",
        rev("mfa_activate_totp"),
        lambda world, values: {"code": totp_code(world.clients["manager_free"].session["mfa.totp.secret"])},
        watch=ACCOUNT_APPS,
    ),
    FormCase(
        "second_factor",
        "allauth.mfa.base.forms.AuthenticateForm",
        "staff_password_only",
        rev("mfa_authenticate"),
        lambda world, values: {"code": totp_code(world.users["staff_password_only"].totp_secret)},
        stores=False,
        # A wrong code is recorded on the person's trail.
        refusal_records=("programme.AuditEntry",),
        watch=ACCOUNT_APPS,
    ),
    FormCase(
        "second_factor_again",
        "allauth.mfa.base.forms.ReauthenticateForm",
        "administrator",
        rev("mfa_reauthenticate"),
        lambda world, values: {"code": unused_code(world.users["administrator"])},
        stores=False,
        # A wrong code when confirming who one is is recorded on the person's trail too.
        refusal_records=("programme.AuditEntry",),
        watch=ACCOUNT_APPS,
    ),
    # programme.home: a person's data (the applicant's, as staff find and erase it)
    FormCase(
        "person_search",
        "programme.home.forms.PersonSearchForm",
        "staff",
        rev("home:people"),
        lambda world, values: {"q": "Officine", "page": "1"},
        method="get",
    ),
    FormCase(
        "person_erase",
        "programme.home.forms.ErasureForm",
        "staff",
        rev("home:person_erase", lambda world: world.users["applicant"].pk),
        lambda world, values: {
            "email": world.users["applicant"].email,
            "reason": "Richiesta scritta del 3 novembre, verificata per telefono.",
        },
    ),
    FormCase(
        "invite",
        "programme.forms.InviteForm",
        "staff",
        rev("programme:invite"),
        lambda world, values: {
            "email": "collega.nuova@esempio.it",
            "first_name": "Luca",
            "last_name": "Galli",
            "role": "programme_staff",
            "language": "it",
        },
    ),
    FormCase(
        "language",
        "programme.forms.LanguageForm",
        "applicant",
        rev("programme:language"),
        lambda world, values: {"language": "it", "next": "/pmi/"},
    ),
    FormCase(
        "programme_settings",
        "programme.forms.ProgrammeSettingsForm",
        "staff",
        rev("programme:settings"),
        lambda world, values: page(world, values, description="Edizione 2026 del programma."),
        page_url=rev("programme:settings"),
    ),
    # smes
    FormCase(
        "application_company",
        "smes.forms.CompanyForm",
        "applicant",
        lambda world: reverse("smes:application_step", args=[world.draft_application.pk, "impresa"]),
        lambda world, values: values,
        page_url=lambda world: reverse("smes:application_step", args=[world.draft_application.pk, "impresa"]),
    ),
    FormCase(
        "application_people",
        "smes.forms.PeopleForm",
        "applicant",
        lambda world: reverse("smes:application_step", args=[world.draft_application.pk, "referenti"]),
        lambda world, values: values,
        page_url=lambda world: reverse(
            "smes:application_step", args=[world.draft_application.pk, "referenti"]
        ),
    ),
    FormCase(
        "application_needs",
        "smes.forms.NeedsForm",
        "applicant",
        lambda world: reverse("smes:application_step", args=[world.draft_application.pk, "esigenze"]),
        lambda world, values: values,
        page_url=lambda world: reverse(
            "smes:application_step", args=[world.draft_application.pk, "esigenze"]
        ),
    ),
    FormCase(
        "application_declarations",
        "smes.forms.DeclarationsForm",
        "applicant",
        lambda world: reverse("smes:application_step", args=[world.draft_application.pk, "dichiarazioni"]),
        lambda world, values: values,
        page_url=lambda world: reverse(
            "smes:application_step", args=[world.draft_application.pk, "dichiarazioni"]
        ),
    ),
    FormCase(
        "application_withdraw",
        "smes.forms.WithdrawForm",
        "applicant",
        rev("smes:application_withdraw", lambda world: world.draft_application.pk),
        lambda world, values: {"reason": "Abbiamo cambiato i piani."},
    ),
    FormCase(
        "colleague_invite",
        "smes.forms.InviteColleagueForm",
        "applicant",
        rev("smes:company_members"),
        lambda world, values: {
            "email": "collega.impresa@esempio.it",
            "first_name": "Anna",
            "last_name": "Neri",
            "language": "it",
        },
    ),
    FormCase(
        "application_decide",
        "smes.forms.DecisionForm",
        "staff",
        rev("smes:staff_decide", lambda world: world.submitted_application.pk),
        lambda world, values: {"decision": "ineligible", "reason": "Il fatturato supera il limite."},
    ),
    FormCase(
        "application_overrule",
        "smes.forms.OverruleForm",
        "staff",
        rev("smes:staff_overrule", lambda world: world.submitted_application.pk),
        lambda world, values: {
            "rule": world.submitted_application.eligibility_results[0]["rule"],
            "reason": "Verificato con la Camera di commercio.",
        },
    ),
    FormCase(
        "application_staff_withdraw",
        "smes.forms.StaffWithdrawForm",
        "staff",
        rev("smes:staff_withdraw", lambda world: world.submitted_application.pk),
        lambda world, values: {"reason": "Richiesta dell'impresa per telefono."},
    ),
    FormCase(
        "application_filter",
        "smes.forms.ApplicationFilterForm",
        "staff",
        rev("smes:staff_list"),
        lambda world, values: {
            "q": "Officine",
            "status": "submitted",
            "province": "BG",
            "sector": "C",
            "size_class": "small",
            "submitted_from": day(-300),
            "submitted_to": day(1),
            "sort": "name",
            "page": "1",
        },
        method="get",
    ),
    # managers
    FormCase(
        "manager_profile",
        "managers.forms.ProfileForm",
        "manager_draft",
        rev("managers:profile_edit"),
        lambda world, values: values,
        page_url=rev("managers:profile_edit"),
        fields=not_prefixed("sectors-"),
    ),
    FormCase(
        "manager_sectors",
        "managers.forms.SectorForm",
        "manager_draft",
        rev("managers:profile_edit"),
        lambda world, values: values,
        page_url=rev("managers:profile_edit"),
        fields=prefixed("sectors-"),
    ),
    FormCase(
        "manager_cv",
        "managers.forms.CvForm",
        "manager_draft",
        rev("managers:cv_upload"),
        lambda world, values: {},
        files=lambda world: {"cv": ("curriculum.pdf", pdf_bytes())},
        fields=lambda payload: ["cv", "cv:name"],
    ),
    FormCase(
        "manager_submit",
        "managers.forms.SubmitForm",
        "manager_draft",
        rev("managers:submit"),
        lambda world, values: {"truthful_declaration": "on"},
    ),
    FormCase(
        "manager_review",
        "managers.forms.ReviewForm",
        "staff",
        rev("managers:review", lambda world: world.applied_manager.pk),
        lambda world, values: {
            **{key: "4" for key in CRITERIA_KEYS},
            **{f"{key}_notes": "Esperienza solida." for key in CRITERIA_KEYS},
        },
    ),
    FormCase(
        "manager_conflict",
        "managers.forms.ConflictForm",
        "staff",
        rev("managers:conflict", lambda world: world.applied_manager.pk),
        lambda world, values: {"note": "Ex collega di lavoro."},
    ),
    FormCase(
        "manager_decide",
        "managers.forms.DecisionForm",
        "staff",
        rev("managers:decide", lambda world: world.applied_manager.pk),
        lambda world, values: {"decision": "not_select", "reason": "Profilo non in linea."},
    ),
    FormCase(
        "manager_leave",
        "managers.forms.LeaveForm",
        "manager_free",
        rev("managers:leave"),
        lambda world, values: {"reason": "Nuovo incarico.", "confirm": "on"},
    ),
    FormCase(
        "manager_unavailability",
        "managers.forms.UnavailabilityForm",
        "manager_free",
        rev("managers:unavailability"),
        lambda world, values: {"starts_on": day(10), "ends_on": day(20), "note": "Ferie"},
    ),
    FormCase(
        "manager_pool_filter",
        "managers.forms.PoolFilterForm",
        "staff",
        rev("managers:pool"),
        lambda world, values: {
            "text": "Milano",
            "area": AssessmentArea.DIGITAL_STRATEGY.value,
            "minimum_level": "2",
            "sector": "C",
            "province": "MI",
            "available_on": day(30),
            "minimum_capacity_left": "1",
            "status": "selected",
            "page": "1",
        },
        method="get",
    ),
    # assessments: matching and the answer
    FormCase(
        "assessment_decline",
        "assessments.forms.DeclineForm",
        "manager",
        rev("assessments:decline", lambda world: world.assigned.pk),
        lambda world, values: {"reason": "Conosco il titolare."},
    ),
    FormCase(
        "proposal_swap",
        "assessments.forms.SwapForm",
        "staff",
        rev("assessments:proposal_swap", lambda world: _first_proposal_with_alternatives(world).pk),
        lambda world, values: {
            "manager": str(_first_proposal_with_alternatives(world).alternatives[0]["manager"])
        },
    ),
    # assessments: the manager's work
    FormCase(
        "visit_add",
        "assessments.work.forms.VisitForm",
        "manager",
        rev("work:visit_add", lambda world: world.in_progress.pk),
        lambda world, values: {
            "held_on": day(-1),
            "duration_unit": "hours",
            "duration": "3",
            "mode": "on_site",
            "participants": "Mario Rossi, titolare",
            "preparation_hours": "1",
            "notes": "Giro dello stabilimento.",
            "over_allowance_reason": "",
        },
    ),
    FormCase(
        "visit_answer",
        "assessments.work.forms.VisitAnswerForm",
        "sme_visited",
        rev("work:visit_answer", lambda world: world.pending_visit.pk),
        lambda world, values: {
            f"visit-{world.pending_visit.pk}-answer": "dispute",
            f"visit-{world.pending_visit.pk}-comment": "La visita è durata due ore.",
        },
    ),
    FormCase(
        "draft_finding",
        "assessments.work.forms.FindingForm",
        "manager",
        rev("work:draft", lambda world: world.in_progress.pk),
        lambda world, values: {
            f"finding-{AssessmentArea.DIGITAL_STRATEGY.value}-{name}": value
            for name, value in {
                "current_level": "2",
                "target_level": "4",
                "evidence": "Gestionale non integrato.",
                "strengths": "Personale motivato.",
                "gaps": "Nessun dato di produzione.",
            }.items()
        },
        stored=_finding_value,
    ),
    FormCase(
        "recommendation_add",
        "assessments.work.forms.RecommendationForm",
        "manager",
        rev("work:recommendation_add", lambda world: world.in_progress.pk),
        lambda world, values: {
            f"new-recommendation-{name}": value
            for name, value in {
                "title": "Collegare le macchine",
                "dimension": AssessmentArea.DIGITAL_READINESS.value,
                "description": "Sensori sulle presse.",
                "priority": "high",
                "impact": "high",
                "effort": "medium",
                "horizon_months": "6",
            }.items()
        },
    ),
    FormCase(
        "draft_outline",
        "assessments.work.forms.OutlineForm",
        "manager",
        rev("work:draft", lambda world: world.in_progress.pk),
        lambda world, values: {
            "outline-title": "Fabbrica connessa",
            "outline-objectives": "Ridurre i fermi macchina.",
            "outline-dimensions": [AssessmentArea.DIGITAL_READINESS.value],
            "outline-estimated_cost": "65000",
            "outline-duration_months": "12",
        },
        stored=_outline_value,
    ),
    FormCase(
        "draft_summary",
        "assessments.work.forms.SummaryForm",
        "manager",
        rev("work:draft", lambda world: world.in_progress.pk),
        lambda world, values: {"summary-summary": "Un'impresa solida che deve digitalizzare la produzione."},
        stored=_summary_value,
    ),
    FormCase(
        "recommendation_move",
        "assessments.work.forms.MoveForm",
        "manager",
        rev("work:recommendation_move", lambda world: _first_recommendation(world).pk),
        lambda world, values: {"direction": "down"},
    ),
    # assessments: staff's review
    FormCase(
        "assessment_filter",
        "assessments.review.forms.AssessmentFilterForm",
        "staff",
        rev("review:list"),
        lambda world, values: {
            "q": "Officine",
            "status": "in_progress",
            "manager": world.manager.user.last_name,
            "province": "MI",
            "sector": "C",
            "overdue": "on",
            "manager_left": "",
        },
        method="get",
    ),
    FormCase(
        "assessment_return",
        "assessments.review.forms.ReturnForm",
        "staff",
        rev("review:return", lambda world: world.submitted.pk),
        lambda world, values: {"comments": "Mancano le evidenze della dimensione dati."},
    ),
    FormCase(
        "assessment_cancel",
        "assessments.review.forms.CancelForm",
        "staff",
        rev("review:cancel", lambda world: world.in_progress.pk),
        lambda world, values: {"reason": "L'impresa ha chiuso lo stabilimento."},
    ),
    FormCase(
        "assessment_hand_over",
        "assessments.review.forms.HandOverForm",
        "staff",
        rev("review:hand_over", lambda world: world.in_progress.pk),
        lambda world, values: {"manager": str(world.free_manager.pk), "reason": "Malattia del manager."},
    ),
    FormCase(
        "report_feedback",
        "assessments.reports.forms.FeedbackForm",
        "sme_assessed",
        rev("reports:feedback", lambda world: world.completed.pk),
        lambda world, values: {"rating": "4", "comment": "Molto utile."},
    ),
    # projects: the proposal
    FormCase(
        "project_general",
        "projects.proposal.forms.GeneralForm",
        "sme_assessed",
        rev("proposal:edit", lambda world: world.draft_project.pk, lambda world: "progetto"),
        lambda world, values: page(world, values, title="Fabbrica connessa", objectives="Meno fermi."),
        page_url=rev("proposal:edit", lambda world: world.draft_project.pk, lambda world: "progetto"),
    ),
    FormCase(
        "project_plan",
        "projects.proposal.forms.MilestoneForm",
        "sme_assessed",
        rev("proposal:edit", lambda world: world.draft_project.pk, lambda world: "piano-di-lavoro"),
        lambda world, values: {
            "milestones-TOTAL_FORMS": "1",
            "milestones-INITIAL_FORMS": "0",
            "milestones-MIN_NUM_FORMS": "0",
            "milestones-MAX_NUM_FORMS": "1000",
            "milestones-0-title": "Analisi",
            "milestones-0-description": "Progetto esecutivo.",
            "milestones-0-due_on": day(60),
            "milestones-0-tranche": "20000",
        },
    ),
    FormCase(
        "project_costs",
        "projects.proposal.forms.CostsForm",
        "sme_assessed",
        rev("proposal:edit", lambda world: world.draft_project.pk, lambda world: "costi"),
        lambda world, values: {"total_cost": "100000", "financing_requested": "60000", "own_share": "40000"},
    ),
    FormCase(
        "project_de_minimis",
        "projects.proposal.forms.DeMinimisForm",
        "sme_assessed",
        rev("proposal:edit", lambda world: world.draft_project.pk, lambda world: "de-minimis"),
        lambda world, values: {"received": "10000", "confirmed": "on"},
    ),
    FormCase(
        "project_filter",
        "projects.proposal.forms.ProjectFilterForm",
        "staff",
        rev("proposal:staff_list"),
        lambda world, values: {
            "q": "Fabbrica",
            "status": "submitted",
            "manager": world.manager.user.last_name,
            "province": "BG",
        },
        method="get",
    ),
    FormCase(
        "project_judge",
        "projects.proposal.forms.EligibilityForm",
        "staff",
        rev("proposal:staff_judge", lambda world: world.submitted_project.pk),
        lambda world, values: page(world, values, decision="save", reason="Da approfondire."),
        page_url=rev("proposal:staff_detail", lambda world: world.submitted_project.pk),
    ),
    # projects: financing
    FormCase(
        "project_approve",
        "projects.financing.forms.ApproveForm",
        "administrator",
        rev("financing:approve", lambda world: world.eligible_project.pk),
        lambda world, values: {"amount": "60000"},
    ),
    FormCase(
        "project_reject",
        "projects.financing.forms.RejectForm",
        "administrator",
        rev("financing:reject", lambda world: world.eligible_project.pk),
        lambda world, values: {"reason": "Il piano non è sostenibile."},
    ),
    FormCase(
        "project_conflict",
        "projects.financing.forms.ConflictForm",
        "administrator",
        rev("financing:conflict", lambda world: world.eligible_project.pk),
        lambda world, values: {"reason": "Un parente lavora nell'impresa."},
    ),
    FormCase(
        "project_codes",
        "projects.financing.forms.CodesForm",
        "staff",
        rev("financing:codes", lambda world: world.approved_project.pk),
        lambda world, values: {"cup_code": "J41B26000120007", "state_aid_code": "1234567"},
    ),
    FormCase(
        "project_start",
        "projects.financing.forms.StartForm",
        "staff",
        rev("financing:start", lambda world: world.coded_project.pk),
        lambda world, values: {"started_on": day(0)},
    ),
    FormCase(
        "milestone_reached",
        "projects.financing.forms.MilestoneReachedForm",
        "sme_financed",
        lambda world: reverse(
            "financing:milestone_reached", args=[world.started_project.pk, world.open_milestone.pk]
        ),
        lambda world, values: {f"milestone-{world.open_milestone.pk}-evidence": "Verbale di collaudo."},
    ),
    FormCase(
        "milestone_pay",
        "projects.financing.forms.PayForm",
        "staff",
        lambda world: reverse(
            "financing:milestone_pay", args=[world.started_project.pk, world.reached_milestone.pk]
        ),
        lambda world, values: {
            f"milestone-{world.reached_milestone.pk}-amount": str(world.reached_milestone.tranche)
        },
    ),
    FormCase(
        "project_final_report",
        "projects.financing.forms.FinalReportForm",
        "sme_financed",
        rev("financing:final_report", lambda world: world.started_project.pk),
        lambda world, values: {"final_report": "Obiettivi raggiunti: fermi ridotti del 22%."},
    ),
    FormCase(
        "project_revoke",
        "projects.financing.forms.RevokeForm",
        "administrator",
        rev("financing:revoke", lambda world: world.approved_project.pk),
        lambda world, values: {"reason": "Il progetto non è partito entro i termini."},
    ),
    FormCase(
        "portfolio_filter",
        "projects.financing.forms.PortfolioFilterForm",
        "staff",
        rev("financing:portfolio"),
        lambda world, values: {"status": "started"},
        method="get",
    ),
]

# Forms that are a part of another entry's page (a formset's rows, a section of the
# workspace) are listed above under their own class; forms only ever used as a base class
# of another are not submitted on their own and are left out by the discovery below.


def discovered_forms() -> set[str]:
    # The sign-up library reads programme.forms.SignupForm while its own forms load: load
    # them first, as the URL configuration does, so the import below is not circular.
    importlib.import_module("allauth.account.forms")
    found: dict[str, type] = {}
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, django_forms.BaseForm) and value.__module__ == module_name:
                found[f"{module_name}.{value.__name__}"] = value
    bases = {
        name
        for name, cls in found.items()
        if any(other is not cls and issubclass(other, cls) for other in found.values())
    }
    return set(found) - bases


def test_every_form_of_the_portal_is_in_the_table():
    listed = {case.form for case in FORMS}
    missing = discovered_forms() - listed
    assert not missing, f"forms without a fuzz entry: {sorted(missing)}"
    assert len({case.name for case in FORMS}) == len(FORMS)


@pytest.fixture(scope="module", autouse=True)
def account_flows_do_not_lapse():
    """The world's part-way account flows (a password confirmed, a sign-in waiting for its
    code) are made once for the module, which runs for minutes: they must not lapse."""
    with override_settings(ACCOUNT_REAUTHENTICATION_TIMEOUT=24 * 3600, ACCOUNT_LOGIN_TIMEOUT=24 * 3600):
        yield


def unused_code(user) -> str:
    """The user's authenticator code now, usable once more: the record that the sign-in used
    it (allauth refuses a code twice in its period) is forgotten, as the next period would."""
    from django.core.cache import cache

    code = totp_code(user.totp_secret)
    cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    return code


# The sign-up library's forms that the portal's account pages take: each has an entry above.
ACCOUNT_FORMS = {
    "allauth.account.forms.LoginForm",
    "allauth.account.forms.ChangePasswordForm",
    "allauth.account.forms.ResetPasswordForm",
    "allauth.account.forms.ResetPasswordKeyForm",
    "allauth.account.forms.AddEmailForm",
    "allauth.account.forms.ReauthenticateForm",
    "allauth.mfa.totp.forms.ActivateTOTPForm",
    "allauth.mfa.base.forms.AuthenticateForm",
    "allauth.mfa.base.forms.ReauthenticateForm",
}


def test_every_account_form_is_in_the_table():
    assert {case.form for case in FORMS} >= ACCOUNT_FORMS


# Counting the examples that reached a form's validation.

COUNTS: dict[str, dict[str, int]] = {}
_REACHED = {"now": False}


@pytest.fixture(scope="module", autouse=True)
def count_validation():
    original = django_forms.BaseForm.full_clean

    def counting_full_clean(self) -> None:
        if self.is_bound:
            _REACHED["now"] = True
        return original(self)

    django_forms.BaseForm.full_clean = counting_full_clean
    try:
        yield
    finally:
        django_forms.BaseForm.full_clean = original
        if COUNTS:
            folder = Path(settings.BASE_DIR) / "var" / "robustness"
            folder.mkdir(parents=True, exist_ok=True)
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            totals = {
                "examples": sum(item["examples"] for item in COUNTS.values()),
                "reached_validation": sum(item["reached_validation"] for item in COUNTS.values()),
                "forms": COUNTS,
            }
            (folder / f"fuzz-counts-{worker}.json").write_text(json.dumps(totals, indent=2, sort_keys=True))


# Hostile values.

MARKUP = (
    "<script>alert('fuzz')</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
)
FIXED = (
    "",
    " ",
    "\x00",
    "abc\x00def",
    "\x01\x02\x1b[31m\x7f",
    "\r\n\t\x0b\x0c",
    "'; DROP TABLE smes_company; --",
    "1' OR '1'='1",
    "1; SELECT pg_sleep(10)",
    "%s%s%s%n",
    "{{ 7*7 }}{% debug %}",
    "../../../../etc/passwd",
    "=cmd|' /C calc'!A0",
    "x" * 100_000,
    "é" * 5_000,
    "-1",
    "-0",
    "0",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999999999999999",
    "-99999999999999999999999999999999999999",
    "0.0000000000000000000001",
    "1,5",
    "0x1F",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2026-02-30",
    "31/12/2026",
    "1970-01-01T00:00:00Z",
    "true",
    "null",
    "[]",
    '{"a": 1}',
    "\u202eevil\u202c",
    "\u200b\u200d\ufeff",
    "\ud7ff\ue000\U0010ffff",
    "Z̸̢̛͎a̶l̷g̵o̸",
    "🙂" * 50,
    "ﬁ",
    "İ",
)
MISSING = object()


@st.composite
def hostile_values(draw) -> Any:
    return draw(
        st.one_of(
            st.sampled_from(FIXED),
            st.sampled_from(MARKUP),
            st.builds(
                lambda before, markup, after: before + markup + after,
                st.text(max_size=20),
                st.sampled_from(MARKUP),
                st.text(max_size=20),
            ),
            st.text(max_size=200),
            st.integers(min_value=-(10**40), max_value=10**40).map(str),
            st.floats(allow_nan=True, allow_infinity=True).map(repr),
            st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(str),
            st.lists(st.sampled_from(FIXED + MARKUP), min_size=2, max_size=4),
            st.just(MISSING),
        )
    )


def markup_in(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [markup for markup in MARKUP for item in values if isinstance(item, str) and markup in item]


def _files(case: FormCase, world: World, target: str | None, value: Any) -> dict:
    if case.files is None:
        return {}
    built = {}
    for key, (name, content) in case.files(world).items():
        if target == key:
            if value is MISSING:
                continue
            text = value if isinstance(value, str) else "".join(value)
            content = text.encode("utf-8", "surrogatepass")
        elif target == f"{key}:name" and value is not MISSING:
            name = value if isinstance(value, str) else "".join(value)
        try:
            built[key] = SimpleUploadedFile(name, content, content_type="application/pdf")
        except SuspiciousFileOperation:
            # A name the test client itself cannot send ("", "..", "/"): the server never
            # sees it as a file (Django drops a part whose sanitised name is empty).
            built[key] = SimpleUploadedFile("cv.pdf", content, content_type="application/pdf")
    return built


def _valid_payload(case: FormCase, world: World) -> dict:
    values = {}
    if case.page_url is not None:
        client = world.clients[case.persona]
        shown = client.get(case.page_url(world))
        assert shown.status_code == 200, (case.name, shown.status_code)
        values = filled_form(shown.content.decode(), case.url(world))
    return case.payload(world, values)


@contextlib.contextmanager
def _cookies_kept(case: FormCase, world: World) -> Iterator[None]:
    """The persona's cookies as they were: a request may sign out, change the password or
    rotate the session key, and the session it moved to is rolled back with the example."""
    client = world.clients[case.persona]
    kept = copy.deepcopy(client.cookies)
    try:
        yield
    finally:
        client.cookies = kept


def _submit(case: FormCase, world: World, payload: dict, files: dict):
    client = world.clients[case.persona]
    if case.method == "get":
        return client.get(case.url(world), payload)
    return client.post(case.url(world), {**payload, **files})


def _page_after(case: FormCase, world: World, response) -> str:
    """The page the person sees next: the same page for a refused form, the page the
    redirect leads to after saving (only within the portal)."""
    if response.status_code in (301, 302) and response["Location"].startswith("/"):
        follow = world.clients[case.persona].get(response["Location"].split("#")[0])
        assert follow.status_code < 500
        return follow.content.decode(errors="replace")
    return response.content.decode(errors="replace")


def _is_refused(case: FormCase, response) -> bool:
    return case.method == "post" and response.status_code in (200, 400)


def _errors(response) -> str:
    context = getattr(response, "context", None)
    if not context:
        return ""
    found = []
    for key in ("form", "decision_form", "overrule_form", "withdraw_form", "review_form", "conflict_form"):
        form = context.get(key) if hasattr(context, "get") else None
        if form is not None and hasattr(form, "errors"):
            found.append(f"{key}: {dict(form.errors)}")
    return "; ".join(found)


@pytest.mark.parametrize("case", FORMS, ids=[case.name for case in FORMS])
def test_hostile_input_in_any_field_is_refused_or_stored_and_shown_safely(case, world):
    with transaction.atomic(), _cookies_kept(case, world):
        valid = _valid_payload(case, world)
        # Every example starts from this same state (each is rolled back): one digest serves all.
        before = snapshot.fingerprint(case.watch)
        # The table is real: the valid payload is accepted, so hostile input in a single
        # field is what makes any difference below.
        response = _submit(case, world, valid, _files(case, world, None, None))
        if case.method == "get":
            assert response.status_code == 200
        else:
            assert response.status_code == 302, (case.name, response.status_code, _errors(response))
            if case.stores:
                assert snapshot.fingerprint(case.watch) != before, f"{case.name} saved nothing"
        transaction.set_rollback(True)
    targets = case.fields(valid) if case.fields else list(valid)
    assert targets, case.name
    counts = COUNTS.setdefault(case.name, {"examples": 0, "reached_validation": 0})

    @_hypothesis(EXAMPLES_PER_FORM)
    @given(target=st.sampled_from(targets), value=hostile_values())
    def one_example(target: str, value: Any) -> None:
        payload = dict(valid)
        if target in payload:
            if value is MISSING:
                payload.pop(target)
            else:
                payload[target] = value
        with transaction.atomic(), _cookies_kept(case, world):
            before_field = case.stored(world, target) if case.stored else None
            _REACHED["now"] = False
            response = _submit(case, world, payload, _files(case, world, target, value))
            counts["examples"] += 1
            counts["reached_validation"] += _REACHED["now"]
            assert response.status_code < 500, (case.name, target, response.status_code)
            if case.method == "get" or _is_refused(case, response):
                if case.stored:
                    # Left as it was, or, when the other fields created the row, at its default.
                    after_field = case.stored(world, target)
                    assert after_field == before_field or (
                        before_field == [] and len(after_field) == 1 and not after_field[0]
                    ), (case.name, target, after_field)
                else:
                    after = snapshot.fingerprint(case.watch)
                    changed = [label for label in before if before[label] != after[label]]
                    assert [label for label in changed if label not in case.refusal_records] == [], (
                        case.name,
                        target,
                    )
            if case.name == "language" and response.status_code == 302:
                location = urlsplit(response["Location"])
                assert location.netloc in ("", "testserver") and location.scheme in ("", "http", "https")
            found = markup_in(value)
            if found:
                shown = _page_after(case, world, response)
                for markup in found:
                    assert markup not in shown, (case.name, target, "markup shown unescaped")
            transaction.set_rollback(True)

    one_example()


def _hypothesis(examples: int) -> Callable:
    return hypothesis_settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        # Without the explain phase, which traces every line run and is very slow here.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# Edit pages, saved a second time: the object was saved once with valid values, then the same
# form comes back with one field hostile. A refusal keeps everything the first save stored.
SECOND_SAVE = (
    "programme_settings",
    "application_company",
    "application_people",
    "application_needs",
    "application_declarations",
    "manager_profile",
    "manager_sectors",
    "project_general",
    "project_plan",
    "project_costs",
    "project_de_minimis",
    "email_add",
)


@pytest.mark.parametrize(
    "case", [case for case in FORMS if case.name in SECOND_SAVE], ids=lambda case: f"{case.name}-second-save"
)
def test_a_second_save_with_hostile_input_keeps_what_the_first_saved(case, world):
    with transaction.atomic(), _cookies_kept(case, world):
        valid = _valid_payload(case, world)
        transaction.set_rollback(True)
    targets = case.fields(valid) if case.fields else list(valid)
    counts = COUNTS.setdefault(f"{case.name} (second save)", {"examples": 0, "reached_validation": 0})

    @_hypothesis(max(1, EXAMPLES_PER_FORM // 2))
    @given(target=st.sampled_from(targets), value=hostile_values())
    def one_example(target: str, value: Any) -> None:
        payload = dict(valid)
        if value is MISSING:
            payload.pop(target, None)
        else:
            payload[target] = value
        with transaction.atomic(), _cookies_kept(case, world):
            first = _submit(case, world, valid, _files(case, world, None, None))
            assert first.status_code == 302, (case.name, first.status_code, _errors(first))
            saved = snapshot.fingerprint(case.watch)
            _REACHED["now"] = False
            response = _submit(case, world, payload, _files(case, world, target, value))
            counts["examples"] += 1
            counts["reached_validation"] += _REACHED["now"]
            assert response.status_code < 500, (case.name, target, response.status_code)
            if _is_refused(case, response):
                after = snapshot.fingerprint(case.watch)
                lost = [label for label in saved if saved[label] != after[label]]
                assert [label for label in lost if label not in case.refusal_records] == [], (
                    case.name,
                    target,
                )
            for markup in markup_in(value):
                assert markup not in _page_after(case, world, response), (case.name, target, "markup shown")
            transaction.set_rollback(True)

    one_example()


@dataclass(frozen=True)
class Action:
    """A button that posts no field of its own (submit, confirm, approve, delete)."""

    name: str
    persona: str
    url: Callable[[World], str]


ACTIONS = [
    Action("mark_all_read", "applicant", rev("programme:mark_all_read")),
    Action(
        "application_submit", "applicant", rev("smes:application_submit", lambda w: w.draft_application.pk)
    ),
    Action("application_enrol", "staff", rev("smes:staff_enrol", lambda w: w.submitted_application.pk)),
    Action("merit_recompute", "staff", rev("managers:recompute")),
    Action("matching_start", "staff", rev("assessments:matching_start")),
    Action("run_confirm", "staff", rev("assessments:run_confirm", lambda w: w.run.pk)),
    Action("run_discard", "staff", rev("assessments:run_discard", lambda w: w.run.pk)),
    Action(
        "proposal_drop",
        "staff",
        rev("assessments:proposal_drop", lambda w: w.run.proposals.order_by("pk").first().pk),
    ),
    Action("assessment_accept", "manager", rev("assessments:accept", lambda w: w.assigned.pk)),
    Action("assessment_submit", "manager", rev("work:submit", lambda w: w.in_progress.pk)),
    Action("visit_delete", "manager", rev("work:visit_delete", lambda w: w.pending_visit.pk)),
    Action(
        "recommendation_delete",
        "manager",
        rev("work:recommendation_delete", lambda w: _first_recommendation(w).pk),
    ),
    Action("assessment_complete", "staff", rev("review:complete", lambda w: w.submitted.pk)),
    Action("project_submit", "sme_assessed", rev("proposal:submit", lambda w: w.draft_project.pk)),
    Action("project_close", "staff", rev("financing:close", lambda w: w.started_project.pk)),
    Action("recovery_codes_generate", "manager_free", rev("mfa_generate_recovery_codes")),
]
# Names a form might read if it had them: posted to a button, they must be ignored too.
JUNK_NAMES = (
    "status",
    "manager",
    "quota",
    "amount",
    "programme",
    "by",
    "pk",
    "id",
    "user",
    "is_superuser",
    "role",
    "__proto__",
    "confirm",
    "reason",
    *MARKUP,
    *FIXED[:14],
)


def _outcome(response) -> tuple[int, str]:
    # Where the action leads, ids left out (a new run or row has a new one each time).
    return response.status_code, re.sub(r"\d+", "0", response.get("Location", ""))


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


@pytest.mark.parametrize("action", ACTIONS, ids=[action.name for action in ACTIONS])
def test_junk_posted_to_a_button_changes_nothing_it_would_not_change(action, world):
    """The same answer and the same tables changed as the button alone: junk fields (a
    `status`, an `amount`, markup, control characters) are ignored, never a 500."""
    case = FormCase(action.name, "", action.persona, action.url, lambda world, values: {})
    client = world.clients[action.persona]
    with transaction.atomic(), _cookies_kept(case, world):
        before = snapshot.fingerprint(ACCOUNT_APPS)
        clean = client.post(action.url(world))
        expected = (_outcome(clean), _changed(before, snapshot.fingerprint(ACCOUNT_APPS)))
        transaction.set_rollback(True)
    assert clean.status_code < 500
    counts = COUNTS.setdefault(f"{action.name} (button)", {"examples": 0, "reached_validation": 0})

    @_hypothesis(EXAMPLES_PER_FORM)
    @given(
        junk=st.dictionaries(
            st.one_of(st.sampled_from(JUNK_NAMES), st.text(min_size=1, max_size=30)),
            hostile_values().filter(lambda value: value is not MISSING),
            min_size=1,
            max_size=4,
        )
    )
    def one_example(junk: dict) -> None:
        junk.pop("csrfmiddlewaretoken", None)
        with transaction.atomic(), _cookies_kept(case, world):
            _REACHED["now"] = False
            response = client.post(action.url(world), junk)
            counts["examples"] += 1
            counts["reached_validation"] += _REACHED["now"]
            assert response.status_code < 500, (action.name, junk)
            outcome = (_outcome(response), _changed(before, snapshot.fingerprint(ACCOUNT_APPS)))
            assert outcome == expected, (action.name, junk)
            shown = response.content.decode(errors="replace")
            for markup in [markup for value in junk.values() for markup in markup_in(value)]:
                assert markup not in shown, (action.name, "markup shown")
            transaction.set_rollback(True)

    one_example()
