"""The access-control matrix, written by hand: for every page of the portal, what each
persona gets for GET and for POST, on the scenario's objects (tests/security/scenario.py).

The columns are the personas in this order:

    anonymous, sme (member of SME A), other_sme (member of SME B), manager (manager A, assigned
    to SME A's completed assessment and to SME C's assessment in progress), other_manager
    (manager B, assigned to SME B), staff, administrator

and each cell is one of

    L    302 to the sign-in page (anonymous: the refusal rule sends them to sign in)
    S    302 to the sign-in page after the action is done (an e-mail address confirmed by its key)
    200  the page is shown (or a form shown again)
    302  the action is done, or the page sends elsewhere (not to sign in)
    400  the action's form is refused beside its fields
    403  another role's page, or an action not allowed on an object the persona sees
    404  an object the persona may not see
    405  a page that only takes POST (or GET)

The refusal rule of the portal decides each refusal: anonymous -> L; another role's page -> 403;
an object not theirs -> 404; an action not allowed on a visible object -> 403."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from programme.reference import AssessmentArea
from tests.factories import PASSWORD, pdf_bytes

Payload = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    """One page: the objects its URL names, the answers, and a valid POST payload."""

    get: str
    post: str
    kwargs: dict[str, str | Callable[[dict[str, Any]], Any]] = field(default_factory=dict)
    payload: Payload = lambda objects: {}

    def answers(self, method: str) -> tuple[str, ...]:
        answers = tuple((self.get if method == "GET" else self.post).split())
        assert len(answers) == 7, f"seven answers expected, got {answers}"
        return answers


def _day(offset: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def _settings_payload(objects: dict[str, Any]) -> dict[str, Any]:
    from tests.programme.test_services_programme import settings_form_data

    return settings_form_data(objects["programme"], support_days="12")


def _profile_payload(objects: dict[str, Any]) -> dict[str, Any]:
    from tests.managers.test_views_pages import profile_post

    return profile_post()


def _review_payload(objects: dict[str, Any]) -> dict[str, Any]:
    from managers.merit import CRITERIA_KEYS

    return {key: "4" for key in CRITERIA_KEYS} | {f"{key}_notes": "" for key in CRITERIA_KEYS}


def _cv_payload(objects: dict[str, Any]) -> dict[str, Any]:
    return {"cv": SimpleUploadedFile("curriculum.pdf", pdf_bytes(), content_type="application/pdf")}


def _visit_payload(objects: dict[str, Any]) -> dict[str, Any]:
    return {
        "held_on": _day(-1),
        "duration_unit": "hours",
        "duration": "3",
        "mode": "on_site",
        "participants": "Titolare",
        "preparation_hours": "1",
        "notes": "Analisi del magazzino",
        "over_allowance_reason": "",
    }


def _recommendation_payload(objects: dict[str, Any]) -> dict[str, Any]:
    values = {
        "title": "Digitalizzare il magazzino",
        "dimension": AssessmentArea.DIGITAL_READINESS,
        "description": "Lettori di codici a barre e inventario in linea.",
        "priority": "high",
        "impact": "high",
        "effort": "medium",
        "horizon_months": "6",
    }
    return {f"new-recommendation-{name}": value for name, value in values.items()}


def _milestone(prefix_field: str, value: str) -> Payload:
    return lambda objects: {f"milestone-{objects['milestone'].pk}-{prefix_field}": value}


def pk(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda objects: objects[name].pk


STAFF_PAGE = "L 403 403 403 403 200 403"
STAFF_POST_ONLY = "L 403 403 403 403 405 403"
ADMIN_PAGE = "L 403 403 403 403 403 200"
ADMIN_POST_ONLY = "L 403 403 403 403 403 405"
SME_PAGE = "L 200 200 403 403 403 403"
MANAGER_PAGE = "L 403 403 200 200 403 403"
PUBLIC_PAGE = "200 200 200 200 200 200 200"

# Pages by URL name. GET first, POST second; the columns as in the module's docstring.
MATRIX: dict[str, Row] = {
    # The programme's own pages --------------------------------------------------------------
    # Public; no Celery beat runs beside the tests, so the check answers 503 to everyone alike.
    "programme:health": Row(get="503 503 503 503 503 503 503", post="503 503 503 503 503 503 503"),
    "programme:inbox": Row(get="L 200 200 200 200 200 200", post="L 200 200 200 200 200 200"),
    "programme:mark_all_read": Row(get="L 405 405 405 405 405 405", post="L 302 302 302 302 302 302"),
    # SME A's member's notification.
    "programme:notification": Row(
        get="L 200 404 404 404 404 404",
        post="L 302 404 404 404 404 404",
        kwargs={"pk": pk("notification")},
    ),
    "programme:language": Row(
        get="405 405 405 405 405 405 405",
        post="302 302 302 302 302 302 302",
        payload=lambda objects: {"language": "en", "next": "/"},
    ),
    "programme:settings": Row(get=STAFF_PAGE, post="L 403 403 403 403 302 403", payload=_settings_payload),
    "programme:invite": Row(
        get=STAFF_PAGE,
        post="L 403 403 403 403 302 403",
        payload=lambda objects: {
            "email": "nuova.persona@esempio.it",
            "first_name": "Nuova",
            "last_name": "Persona",
            "role": "programme_staff",
            "language": "it",
        },
    ),
    # Each role's home -------------------------------------------------------------------------
    "home:landing": Row(get=PUBLIC_PAGE, post=PUBLIC_PAGE),
    "home:statistics": Row(get=PUBLIC_PAGE, post=PUBLIC_PAGE),
    "home:dispatch": Row(get="L 302 302 302 302 302 302", post="L 302 302 302 302 302 302"),
    "home:sme": Row(get=SME_PAGE, post=SME_PAGE),
    "home:manager": Row(get=MANAGER_PAGE, post=MANAGER_PAGE),
    "home:staff": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "home:workload": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "home:administrator": Row(get=ADMIN_PAGE, post=ADMIN_PAGE),
    # A person's data (SME B's member): staff only, whoever the person is.
    "home:people": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "home:person": Row(get=STAFF_PAGE, post=STAFF_PAGE, kwargs={"pk": pk("person")}),
    "home:person_download": Row(get=STAFF_PAGE, post=STAFF_PAGE, kwargs={"pk": pk("person")}),
    "home:person_erase": Row(
        get=STAFF_PAGE,
        post="L 403 403 403 403 302 403",
        kwargs={"pk": pk("person")},
        payload=lambda objects: {
            "email": objects["person"].email,
            "reason": "Richiesta scritta del 3 novembre.",
        },
    ),
    # SMEs: SME A's application is enrolled (its assessment completed) ------------------------
    "smes:application_mine": Row(get="L 302 302 403 403 403 403", post="L 302 302 403 403 403 403"),
    "smes:application_new": Row(get="L 302 302 403 403 403 403", post="L 302 302 403 403 403 403"),
    "smes:application_detail": Row(
        get="L 200 404 403 403 403 403", post="L 200 404 403 403 403 403", kwargs={"pk": pk("application")}
    ),
    # Only a draft is submitted or edited: the enrolled application refuses both.
    "smes:application_submit": Row(
        get="L 405 405 403 403 403 403", post="L 403 404 403 403 403 403", kwargs={"pk": pk("application")}
    ),
    "smes:application_step": Row(
        get="L 403 404 403 403 403 403",
        post="L 403 404 403 403 403 403",
        kwargs={"pk": pk("application"), "slug": lambda objects: "esigenze"},
        payload=lambda objects: {
            "needs": [AssessmentArea.DIGITAL_STRATEGY, AssessmentArea.FINANCE_CONTROL],
            "needs_description": "Vogliamo controllare i costi per commessa e collegare il gestionale.",
            "preferred_period": "within_3_months",
            "period_notes": "",
        },
    ),
    "smes:application_withdraw": Row(
        get="L 200 404 403 403 403 403",
        post="L 302 404 403 403 403 403",
        kwargs={"pk": pk("application")},
        payload=lambda objects: {"reason": "L'impresa rinuncia al programma."},
    ),
    "smes:company_members": Row(
        get=SME_PAGE,
        post="L 302 302 403 403 403 403",
        payload=lambda objects: {
            "email": "collega.nuova@esempio.it",
            "first_name": "Carla",
            "last_name": "Neri",
            "language": "it",
        },
    ),
    "smes:staff_list": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "smes:staff_export": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "smes:staff_export_xlsx": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "smes:staff_detail": Row(get=STAFF_PAGE, post=STAFF_PAGE, kwargs={"pk": pk("application")}),
    # Deciding eligibility and overruling a rule are for a submitted application: on the
    # enrolled one the service's refusal is shown beside the form (200).
    "smes:staff_decide": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 200 403",
        kwargs={"pk": pk("application")},
        payload=lambda objects: {"decision": "eligible", "reason": ""},
    ),
    "smes:staff_overrule": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 200 403",
        kwargs={"pk": pk("application")},
        payload=lambda objects: {"rule": "sector", "reason": "Settore ammesso per delibera."},
    ),
    # Enrolling an enrolled application: the refusal is a message on the application's page.
    "smes:staff_enrol": Row(
        get=STAFF_POST_ONLY, post="L 403 403 403 403 302 403", kwargs={"pk": pk("application")}
    ),
    "smes:staff_withdraw": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 302 403",
        kwargs={"pk": pk("application")},
        payload=lambda objects: {"reason": "Richiesta dell'impresa per telefono."},
    ),
    # The manager pool: manager A and B are both selected ------------------------------------
    "managers:profile": Row(get=MANAGER_PAGE, post=MANAGER_PAGE),
    "managers:profile_edit": Row(
        get=MANAGER_PAGE, post="L 403 403 302 302 403 403", payload=_profile_payload
    ),
    "managers:cv_upload": Row(get=MANAGER_PAGE, post="L 403 403 302 302 403 403", payload=_cv_payload),
    # Already submitted: the page says so and goes back to the profile.
    "managers:submit": Row(
        get="L 403 403 302 302 403 403",
        post="L 403 403 302 302 403 403",
        payload=lambda objects: {"truthful_declaration": "on"},
    ),
    "managers:leave": Row(
        get=MANAGER_PAGE,
        post="L 403 403 302 302 403 403",
        payload=lambda objects: {"reason": "Nuovo incarico a tempo pieno.", "confirm": "on"},
    ),
    "managers:unavailability": Row(
        get=MANAGER_PAGE,
        post="L 403 403 302 302 403 403",
        payload=lambda objects: {"starts_on": _day(60), "ends_on": _day(62), "note": "Ferie"},
    ),
    # Manager A's period.
    "managers:unavailability_delete": Row(
        get="L 403 403 405 405 403 403", post="L 403 403 302 404 403 403", kwargs={"pk": pk("period")}
    ),
    # Manager A's CV: themselves and staff.
    "managers:cv_download": Row(
        get="L 403 403 200 404 200 403", post="L 403 403 200 404 200 403", kwargs={"pk": pk("manager")}
    ),
    "managers:ranking": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "managers:recompute": Row(get=STAFF_POST_ONLY, post="L 403 403 403 403 302 403"),
    "managers:pool": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "managers:pool_export": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "managers:pool_export_xlsx": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "managers:detail": Row(get=STAFF_PAGE, post=STAFF_PAGE, kwargs={"pk": pk("manager")}),
    "managers:review": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 302 403",
        kwargs={"pk": pk("manager")},
        payload=_review_payload,
    ),
    "managers:conflict": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 302 403",
        kwargs={"pk": pk("manager")},
        payload=lambda objects: {"note": "Ex collega del referente."},
    ),
    "managers:decide": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 302 403",
        kwargs={"pk": pk("manager")},
        payload=lambda objects: {"decision": "suspend", "reason": "Sospeso su richiesta."},
    ),
    # Matching: a proposed run pairing SME D with manager B ------------------------------------
    "assessments:matching": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "assessments:matching_start": Row(get=STAFF_POST_ONLY, post="L 403 403 403 403 302 403"),
    "assessments:run": Row(get=STAFF_PAGE, post=STAFF_PAGE, kwargs={"pk": pk("run")}),
    "assessments:run_status": Row(get=STAFF_PAGE, post=STAFF_PAGE, kwargs={"pk": pk("run")}),
    "assessments:run_confirm": Row(
        get=STAFF_POST_ONLY, post="L 403 403 403 403 302 403", kwargs={"pk": pk("run")}
    ),
    "assessments:run_discard": Row(
        get=STAFF_POST_ONLY, post="L 403 403 403 403 302 403", kwargs={"pk": pk("run")}
    ),
    "assessments:proposal_swap": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 302 403",
        kwargs={"pk": pk("proposal")},
        payload=lambda objects: {"manager": objects["manager"].pk},
    ),
    "assessments:proposal_drop": Row(
        get=STAFF_POST_ONLY, post="L 403 403 403 403 302 403", kwargs={"pk": pk("proposal")}
    ),
    # The manager's answer to SME C's assessment, which they already accepted.
    "assessments:answer": Row(
        get="L 403 403 200 404 403 403", post="L 403 403 200 404 403 403", kwargs={"pk": pk("in_progress")}
    ),
    "assessments:accept": Row(
        get="L 403 403 405 405 403 403", post="L 403 403 403 404 403 403", kwargs={"pk": pk("in_progress")}
    ),
    "assessments:decline": Row(
        get="L 403 403 405 405 403 403",
        post="L 403 403 403 404 403 403",
        kwargs={"pk": pk("in_progress")},
        payload=lambda objects: {"reason": "Conflitto di agenda."},
    ),
    # The manager's workspace on SME C's assessment in progress ------------------------------
    "work:workspace": Row(
        get="L 403 403 200 404 200 403", post="L 403 403 200 404 200 403", kwargs={"pk": pk("in_progress")}
    ),
    # A GET only leads back to the workspace; the save itself is the manager's.
    "work:draft": Row(
        get="L 302 302 302 302 302 302",
        post="L 403 403 302 404 403 403",
        kwargs={"pk": pk("in_progress")},
        payload=lambda objects: {"summary-summary": "Sintesi aggiornata della valutazione."},
    ),
    "work:submit": Row(
        get="L 403 403 405 405 403 403", post="L 403 403 302 404 403 403", kwargs={"pk": pk("in_progress")}
    ),
    "work:visit_add": Row(
        get="L 403 403 200 404 403 403",
        post="L 403 403 302 404 403 403",
        kwargs={"pk": pk("in_progress")},
        payload=_visit_payload,
    ),
    "work:visit_edit": Row(
        get="L 403 403 200 404 403 403",
        post="L 403 403 302 404 403 403",
        kwargs={"pk": pk("visit")},
        payload=_visit_payload,
    ),
    "work:visit_delete": Row(
        get="L 403 403 405 405 403 403", post="L 403 403 302 404 403 403", kwargs={"pk": pk("visit")}
    ),
    "work:recommendation_add": Row(
        get="L 403 403 405 405 403 403",
        post="L 403 403 302 404 403 403",
        kwargs={"pk": pk("in_progress")},
        payload=_recommendation_payload,
    ),
    "work:recommendation_delete": Row(
        get="L 403 403 405 405 403 403", post="L 403 403 302 404 403 403", kwargs={"pk": pk("recommendation")}
    ),
    "work:recommendation_move": Row(
        get="L 403 403 405 405 403 403",
        post="L 403 403 302 404 403 403",
        kwargs={"pk": pk("recommendation")},
        payload=lambda objects: {"direction": "up"},
    ),
    "work:sme_visits": Row(get=SME_PAGE, post=SME_PAGE),
    # A visit of SME A's completed assessment: no longer answered.
    "work:visit_answer": Row(
        get="L 405 405 403 403 403 403",
        post="L 403 404 403 403 403 403",
        kwargs={"pk": pk("sme_visit")},
        payload=lambda objects: {
            f"visit-{objects['sme_visit'].pk}-answer": "confirm",
            f"visit-{objects['sme_visit'].pk}-comment": "",
        },
    ),
    # Staff's review of SME C's assessment in progress ---------------------------------------
    "review:list": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "review:export": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "review:export_xlsx": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "review:detail": Row(get=STAFF_PAGE, post=STAFF_PAGE, kwargs={"pk": pk("in_progress")}),
    # Only a submitted report is validated or returned.
    "review:complete": Row(
        get=STAFF_POST_ONLY, post="L 403 403 403 403 403 403", kwargs={"pk": pk("in_progress")}
    ),
    "review:return": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 403 403",
        kwargs={"pk": pk("in_progress")},
        payload=lambda objects: {"comments": "Completare le evidenze."},
    ),
    "review:cancel": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 302 403",
        kwargs={"pk": pk("in_progress")},
        payload=lambda objects: {"reason": "L'impresa ha cessato l'attività."},
    ),
    "review:hand_over": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 302 403",
        kwargs={"pk": pk("in_progress")},
        payload=lambda objects: {"manager": objects["other_manager"].pk, "reason": "Il manager è malato."},
    ),
    # SME A's report (completed, by manager A) -------------------------------------------------
    "reports:report": Row(
        get="L 200 404 200 404 200 403", post="L 200 404 200 404 200 403", kwargs={"pk": pk("completed")}
    ),
    "reports:report_pdf": Row(
        get="L 200 404 200 404 200 403", post="L 200 404 200 404 200 403", kwargs={"pk": pk("completed")}
    ),
    "reports:feedback": Row(
        get="L 405 405 403 403 403 403",
        post="L 302 404 403 403 403 403",
        kwargs={"pk": pk("completed")},
        payload=lambda objects: {"rating": "5", "comment": "Molto utile."},
    ),
    # SME A's project, eligible, facilitated by manager A ------------------------------------
    # A project already exists for the assessment: the page leads to it.
    "proposal:start": Row(
        get="L 302 404 403 403 403 403",
        post="L 302 404 403 403 403 403",
        kwargs={"assessment_pk": pk("completed")},
    ),
    "proposal:detail": Row(
        get="L 200 404 200 404 403 403", post="L 200 404 200 404 403 403", kwargs={"pk": pk("project")}
    ),
    # Only a draft is edited or submitted.
    "proposal:edit": Row(
        get="L 403 404 403 404 403 403",
        post="L 403 404 403 404 403 403",
        kwargs={"pk": pk("project"), "step": lambda objects: "progetto"},
        payload=lambda objects: {"title": "Fabbrica connessa", "objectives": "Ridurre i fermi macchina."},
    ),
    "proposal:submit": Row(
        get="L 405 405 403 403 403 403", post="L 403 404 403 403 403 403", kwargs={"pk": pk("project")}
    ),
    "proposal:staff_list": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "proposal:staff_export": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "proposal:staff_export_xlsx": Row(get=STAFF_PAGE, post=STAFF_PAGE),
    "proposal:staff_detail": Row(get=STAFF_PAGE, post=STAFF_PAGE, kwargs={"pk": pk("project")}),
    # Eligibility is judged once, on a submitted project.
    "proposal:staff_judge": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 403 403",
        kwargs={"pk": pk("project")},
        payload=lambda objects: {"decision": "eligible", "reason": ""},
    ),
    # Financing ---------------------------------------------------------------------------------
    "financing:board": Row(get=ADMIN_PAGE, post=ADMIN_PAGE),
    "financing:portfolio": Row(get="L 403 403 403 403 200 200", post="L 403 403 403 403 200 200"),
    "financing:detail": Row(
        get="L 200 404 200 404 200 200", post="L 200 404 200 404 200 200", kwargs={"pk": pk("project")}
    ),
    "financing:approve": Row(
        get=ADMIN_POST_ONLY,
        post="L 403 403 403 403 403 302",
        kwargs={"pk": pk("project")},
        payload=lambda objects: {"amount": "60000"},
    ),
    "financing:reject": Row(
        get=ADMIN_POST_ONLY,
        post="L 403 403 403 403 403 302",
        kwargs={"pk": pk("project")},
        payload=lambda objects: {"reason": "Fuori dalle priorità del bando."},
    ),
    "financing:conflict": Row(
        get=ADMIN_POST_ONLY,
        post="L 403 403 403 403 403 302",
        kwargs={"pk": pk("project")},
        payload=lambda objects: {"reason": "Socio dell'impresa."},
    ),
    # Codes, start, payments and closing come after approval: the eligible project refuses them.
    "financing:codes": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 403 403",
        kwargs={"pk": pk("project")},
        payload=lambda objects: {"cup_code": "J41B26000120007", "state_aid_code": "1234567"},
    ),
    "financing:start": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 403 403",
        kwargs={"pk": pk("project")},
        payload=lambda objects: {"started_on": _day(0)},
    ),
    "financing:milestone_reached": Row(
        get="L 405 405 405 405 403 403",
        post="L 403 404 403 404 403 403",
        kwargs={"pk": pk("project"), "milestone_pk": pk("milestone")},
        payload=_milestone("evidence", "Verbale di collaudo."),
    ),
    "financing:milestone_pay": Row(
        get=STAFF_POST_ONLY,
        post="L 403 403 403 403 403 403",
        kwargs={"pk": pk("project"), "milestone_pk": pk("milestone")},
        payload=_milestone("amount", "20000"),
    ),
    "financing:final_report": Row(
        get="L 405 405 405 405 403 403",
        post="L 403 404 403 404 403 403",
        kwargs={"pk": pk("project")},
        payload=lambda objects: {"final_report": "Obiettivi raggiunti."},
    ),
    "financing:close": Row(
        get=STAFF_POST_ONLY, post="L 403 403 403 403 403 403", kwargs={"pk": pk("project")}
    ),
    "financing:revoke": Row(
        get=ADMIN_POST_ONLY,
        post="L 403 403 403 403 403 403",
        kwargs={"pk": pk("project")},
        payload=lambda objects: {"reason": "Documentazione falsa."},
    ),
}


def _reset_uid(objects: dict[str, Any]) -> str:
    from allauth.account.utils import user_pk_to_url_str

    return user_pk_to_url_str(objects["person"])


def _reset_key(objects: dict[str, Any]) -> str:
    # Made from the stored person when the request is made: the token depends on their last sign-in.
    from allauth.account.forms import default_token_generator

    from programme.models import User

    return default_token_generator.make_token(User.objects.get(pk=objects["person"].pk))


def _confirmation_key(objects: dict[str, Any]) -> str:
    from allauth.account.models import EmailConfirmationHMAC

    return EmailConfirmationHMAC(objects["unverified_email"]).key


NEW_PASSWORD = "Una-password-nuova-2026"
NO_POST = "405 405 405 405 405 405 405"
# Letters: never an authenticator's code, whatever the clock says.
NEVER_A_CODE = "ABCDEF"

# The account pages (django-allauth), on the scenario's people. The personas' sessions signed
# in with their password (and staff's with the authenticator code) but never confirmed the
# password again: the pages that need a recent confirmation send there first, whatever the time.
ACCOUNT_MATRIX: dict[str, Row] = {
    # Signed-in people are sent to their home by the sign-in and sign-up pages.
    "account_login": Row(
        get="200 302 302 302 302 302 302",
        post="302 302 302 302 302 302 302",
        payload=lambda objects: {"login": objects["person"].email, "password": PASSWORD},
    ),
    # Nobody to sign out: the anonymous visitor goes to the landing page.
    "account_logout": Row(get="302 200 200 200 200 200 200", post="302 302 302 302 302 302 302"),
    "account_inactive": Row(get=PUBLIC_PAGE, post=NO_POST),
    "account_signup": Row(
        get="200 302 302 302 302 302 302",
        post="302 302 302 302 302 302 302",
        payload=lambda objects: {
            "role": "sme_member",
            "first_name": "Nuova",
            "last_name": "Persona",
            "email": "nuova.persona@esempio.it",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "language": "it",
        },
    ),
    "account_reauthenticate": Row(
        get="L 200 200 200 200 200 200",
        post="L 302 302 302 302 302 302",
        payload=lambda objects: {"password": PASSWORD},
    ),
    # An account with an authenticator takes no unconfirmed address: the form says so (200).
    "account_email": Row(
        get="L 200 200 200 200 200 200",
        post="L 302 302 302 302 200 200",
        payload=lambda objects: {"action_add": "", "email": "indirizzo.nuovo@esempio.it"},
    ),
    "account_email_verification_sent": Row(get=PUBLIC_PAGE, post=NO_POST),
    "account_change_password": Row(
        get="L 200 200 200 200 200 200",
        post="L 302 302 302 302 302 302",
        payload=lambda objects: {
            "oldpassword": PASSWORD,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    ),
    # Everyone here has a password already: the page leads to changing it.
    "account_set_password": Row(
        get="L 302 302 302 302 302 302",
        post="L 302 302 302 302 302 302",
        payload=lambda objects: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    ),
    # Anyone may ask for a reset of any address (the answer never says whether it exists).
    "account_reset_password": Row(
        get=PUBLIC_PAGE,
        post="302 302 302 302 302 302 302",
        payload=lambda objects: {"email": objects["person"].email},
    ),
    "account_reset_password_done": Row(get=PUBLIC_PAGE, post=NO_POST),
    # SME B's member's valid key: kept in the session, the page moves to the form without it.
    "account_reset_password_from_key": Row(
        get="302 302 302 302 302 302 302",
        post="302 302 302 302 302 302 302",
        kwargs={"uidb36": _reset_uid, "key": _reset_key},
        payload=lambda objects: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    ),
    "account_reset_password_from_key_done": Row(get=PUBLIC_PAGE, post=NO_POST),
    # Sign-in by e-mailed code is off: with no code sent, the page sends to sign in, or home.
    "account_confirm_login_code": Row(
        get="L 302 302 302 302 302 302",
        post="L 302 302 302 302 302 302",
        payload=lambda objects: {"code": "ABC123"},
    ),
    # SME B's member's unconfirmed address: the key is the permission. Whoever else posts it is
    # signed out first (allauth's rule against confirming into someone else's session).
    "account_confirm_email": Row(get=PUBLIC_PAGE, post="S S 302 S S S S", kwargs={"key": _confirmation_key}),
    "mfa_index": Row(get="L 200 200 200 200 200 200", post="L 405 405 405 405 405 405"),
    # No sign-in under way: nothing to give a code for.
    "mfa_authenticate": Row(
        get="L 302 302 302 302 302 302",
        post="L 302 302 302 302 302 302",
        payload=lambda objects: {"code": NEVER_A_CODE},
    ),
    # Only people with an authenticator confirm with a code (the wrong one is refused beside the field).
    "mfa_reauthenticate": Row(
        get="L 302 302 302 302 200 200",
        post="L 302 302 302 302 200 200",
        payload=lambda objects: {"code": NEVER_A_CODE},
    ),
    # A recent confirmation of the password first; SME B's member, with an unconfirmed address,
    # is sent back to the authenticators' page (allauth's rule).
    "mfa_activate_totp": Row(
        get="L 302 302 302 302 302 302",
        post="L 302 302 302 302 302 302",
        payload=lambda objects: {"code": NEVER_A_CODE},
    ),
    # Staff and administrators must keep their authenticator (403); the others have none to remove (404).
    "mfa_deactivate_totp": Row(get="L 404 404 404 404 403 403", post="L 404 404 404 404 403 403"),
    # Nobody in the scenario has recovery codes.
    "mfa_view_recovery_codes": Row(get="L 404 404 404 404 404 404", post="L 405 405 405 405 405 405"),
    "mfa_generate_recovery_codes": Row(get="L 302 302 302 302 302 302", post="L 302 302 302 302 302 302"),
    "mfa_download_recovery_codes": Row(get="L 404 404 404 404 404 404", post="L 404 404 404 404 404 404"),
}
MATRIX.update(ACCOUNT_MATRIX)

# Patterns grouped outside the matrix: the Django admin, which has a test of its own.
GROUPED_PREFIXES = ("gestione/",)
