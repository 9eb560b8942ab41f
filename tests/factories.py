"""Factories per role (factory_boy, Italian Faker), and of what each app's tests build:
companies and applications, managers with complete profiles."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfWriter
from stdnum import luhn

from managers import merit
from managers.models import CompetenceRating, Manager, ManagerStatus, MeritReview, SectorExperience
from programme.models import Programme, ProgrammeStatus, User
from programme.reference import AssessmentArea
from programme.roles import Role
from smes import eligibility
from smes.models import Application, ApplicationStatus, ApplicationStep, Company, CompanyMembership

PASSWORD = "Una-password-robusta-2026"


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = "Manager per le PMI lombarde"
    slug = factory.Sequence(lambda n: f"programma-{n}")
    partners = "Confindustria Lombardia\nLombardy Digital Innovation Hub\nALDAI Federmanager"
    status = ProgrammeStatus.RUNNING
    is_current = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"persona{n}@esempio.it")
    first_name = factory.Faker("first_name", locale="it_IT")
    last_name = factory.Faker("last_name", locale="it_IT")
    language = "it"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted, **kwargs) -> None:
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


def role_hook(default: str) -> factory.PostGeneration:
    """Puts the user in the role's group (another role may be passed as `role=`)."""

    def add_role(user: User, create: bool, extracted: str | None, **kwargs) -> None:
        if create:
            user.groups.add(Group.objects.get_or_create(name=extracted or default)[0])

    return factory.PostGeneration(add_role)


class SmeMemberFactory(UserFactory):
    role = role_hook(Role.SME_MEMBER)


class ManagerUserFactory(UserFactory):
    role = role_hook(Role.MANAGER)


class StaffFactory(UserFactory):
    role = role_hook(Role.STAFF)

    @factory.post_generation
    def totp_secret(self, create: bool, extracted: str | None, **kwargs) -> None:
        if create and extracted is not False:
            self.totp_secret = extracted or generate_totp_secret()
            TOTP.activate(self, self.totp_secret)


class AdministratorFactory(StaffFactory):
    role = role_hook(Role.ADMINISTRATOR)


# The SME app: companies with valid identifiers, applications in any status.


def valid_vat_number(sequence: int, office: str = "015") -> str:
    body = f"{sequence + 1000:07d}{office}"
    return body + luhn.calc_check_digit(body)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    vat_number = factory.Sequence(valid_vat_number)
    legal_name = factory.Sequence(lambda n: f"Officine Meccaniche {n} S.r.l.")
    tax_code = factory.SelfAttribute("vat_number")
    ateco_code = "25.53.00"
    ateco_section = "C"
    ateco_division = "25"
    address = "Via dell'Industria 12"
    postal_code = "24126"
    municipality = "Bergamo"
    municipality_code = "A794"
    province = "BG"
    pec = factory.Sequence(lambda n: f"impresa{n}@pec.esempio.it")
    employees = 35
    turnover = Decimal("6500000")
    balance_sheet_total = Decimal("4800000")
    year_founded = 1987
    website = "https://www.esempio.it"

    @factory.post_generation
    def member(self, create: bool, extracted, **kwargs) -> None:
        """CompanyFactory(member=user) makes the user act for the company."""
        if create and extracted is not None:
            CompanyMembership.objects.create(company=self, user=extracted)


class CompanyMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanyMembership

    company = factory.SubFactory(CompanyFactory)
    user = factory.SubFactory(SmeMemberFactory)


def passing_results() -> list[dict]:
    outcome = eligibility.evaluate(
        eligibility.CompanyFigures(35, Decimal("6500000"), Decimal("4800000"), "BG", "25.53.00"),
        eligibility.ProgrammeTerms(("C",), None, None),
        timezone.localdate(),
    )
    return [result.as_data() for result in outcome.results]


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete draft by default; pass status= for one further along."""

    class Meta:
        model = Application

    programme = factory.SubFactory(ProgrammeFactory)
    company = factory.SubFactory(CompanyFactory)
    status = ApplicationStatus.DRAFT
    steps_done = factory.LazyFunction(lambda: list(ApplicationStep.values))
    legal_representative_first_name = "Mario"
    legal_representative_last_name = "Rossi"
    legal_representative_tax_code = "RSSMRA80A01F205X"
    legal_representative_role = "Amministratore unico"
    contact_first_name = "Giulia"
    contact_last_name = "Verdi"
    contact_role = "Responsabile qualità"
    contact_email = factory.Sequence(lambda n: f"contatto{n}@esempio.it")
    contact_phone = "+39 035 123456"
    needs = factory.LazyFunction(lambda: [AssessmentArea.DIGITAL_STRATEGY, AssessmentArea.OPERATIONS_LEAN])
    needs_description = (
        "Produciamo componenti meccanici di precisione e vogliamo collegare le macchine al gestionale "
        "per pianificare meglio la produzione."
    )
    preferred_period = "within_3_months"
    privacy_accepted = True
    declares_sme = True
    declares_not_in_difficulty = True
    declares_de_minimis = True
    declares_truthful = True

    @factory.lazy_attribute
    def submitted_at(self):
        return None if self.status == ApplicationStatus.DRAFT else timezone.now()

    @factory.lazy_attribute
    def eligibility_results(self):
        return [] if self.status == ApplicationStatus.DRAFT else passing_results()

    @factory.lazy_attribute
    def size_class(self):
        return "" if self.status == ApplicationStatus.DRAFT else "small"


# The manager pool: a manager with a complete profile, in any status.


def pdf_bytes(pages: int = 1, padding: int = 0) -> bytes:
    """A real PDF written by pypdf; `padding` adds bytes in a comment-free stream to reach a size."""
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    if padding:
        writer.add_metadata({"/Padding": "x" * padding})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class ManagerFactory(factory.django.DjangoModelFactory):
    """A manager whose profile is complete; `status` defaults to applied."""

    class Meta:
        model = Manager
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    user = factory.SubFactory(ManagerUserFactory)
    status = ManagerStatus.APPLIED
    phone = "+39 02 1234567"
    city = "Milano"
    home_province = "MI"
    employment_situation = "looking"
    years_of_experience = 18
    roles_held = factory.LazyFunction(lambda: ["operations", "plant"])
    career_summary = "Direttore di stabilimento in aziende metalmeccaniche della Brianza."
    languages = factory.LazyFunction(lambda: ["it", "en"])
    provinces = factory.LazyFunction(lambda: ["MI", "MB"])
    capacity = 2
    available_from = datetime.date(2026, 1, 1)
    applied_at = factory.LazyFunction(lambda: datetime.datetime(2026, 2, 1, 10, tzinfo=datetime.UTC))

    @factory.post_generation
    def profile_rows(self, create: bool, extracted, **kwargs) -> None:
        if not create or extracted is False:
            return
        SectorExperience.objects.create(manager=self, section="C", division="28", years=12)
        CompetenceRating.objects.bulk_create(
            CompetenceRating(manager=self, area=area, level=3) for area in AssessmentArea.values
        )

    @factory.post_generation
    def with_cv(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted is not False:
            self.cv.save("cv.pdf", ContentFile(pdf_bytes()), save=False)
            self.cv_original_name = "curriculum.pdf"
            self.cv_size = self.cv.size
            self.save(update_fields=["cv", "cv_original_name", "cv_size"])


def review(manager: Manager, reviewer, score: int = 4, **scores: int) -> MeritReview:
    """A review row written straight (for setting up lists); services are tested on their own."""
    values = {key: scores.get(key, score) for key in merit.CRITERIA_KEYS}
    weights = {key: float(value) for key, value in manager.programme.merit_weights.items()}
    weighted = merit.weighted_score(values, weights)
    created = MeritReview.objects.create(
        manager=manager, reviewer=reviewer, weighted_score=weighted, weights=weights, **values
    )
    Manager.objects.filter(pk=manager.pk).update(merit_score=Decimal(weighted))
    return created
