"""The SME part of the demo: the programme's 100 enrolled Lombard companies, and a few
more still submitted, found not eligible or on the waiting list.

Always the same data: every choice comes from the context's seeded random source.
"""

from __future__ import annotations

import datetime
import unicodedata
from decimal import Decimal
from functools import cache

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils import timezone
from stdnum import luhn

from programme.demo import audit_entry
from programme.models import AuditEntry, Programme, User
from programme.reference import AssessmentArea, activity
from smes import eligibility, identifiers
from smes.models import (
    Application,
    ApplicationStatus,
    ApplicationStep,
    Company,
    CompanyMembership,
    PreferredPeriod,
)

ENROLLED = 100
WAITLISTED = 4
SUBMITTED = 5
INELIGIBLE = 3

# Real ATECO 2025 subcategories with weights: mostly manufacturing, metalworking first.
ACTIVITIES: tuple[tuple[str, int, str], ...] = (
    ("25.53.00", 14, "Lavorazioni Meccaniche"),
    ("25.11.00", 8, "Carpenteria Metallica"),
    ("25.40.00", 6, "Stampaggio"),
    ("25.22.00", 3, "Serbatoi"),
    ("25.93.20", 2, "Catene"),
    ("25.99.10", 3, "Casalinghi"),
    ("24.34.00", 3, "Trafilerie"),
    ("24.51.09", 3, "Fonderia"),
    ("24.54.01", 2, "Fonderia Ottone"),
    ("28.12.00", 4, "Oleodinamica"),
    ("28.15.00", 4, "Ingranaggi"),
    ("28.29.99", 4, "Macchine Speciali"),
    ("28.41.00", 4, "Macchine Utensili"),
    ("28.94.10", 3, "Meccanotessile"),
    ("28.99.20", 3, "Robotica"),
    ("27.11.00", 3, "Motori Elettrici"),
    ("27.90.09", 2, "Elettromeccanica"),
    ("29.20.00", 2, "Carrozzerie"),
    ("22.21.00", 4, "Plastotecnica"),
    ("22.26.99", 2, "Stampaggio Plastica"),
    ("20.30.00", 2, "Vernici"),
    ("13.20.00", 3, "Tessitura"),
    ("13.92.10", 2, "Tessili"),
    ("10.71.20", 2, "Dolciaria"),
    ("10.51.10", 2, "Caseificio"),
    ("16.25.00", 2, "Serramenti"),
    ("31.00.31", 3, "Arredamenti"),
    ("33.12.10", 2, "Manutenzioni Industriali"),
    ("33.20.03", 2, "Automazione"),
    ("62.10.00", 3, "Software"),
    ("71.12.30", 2, "Studio Tecnico"),
)
# Activities outside the sectors the demo programme admits, for the companies found not eligible.
OUTSIDE_SECTORS = (("01.11.00", "Azienda Agricola"), ("85.59.20", "Formazione"))

SURNAMES = (
    "Brambilla",
    "Colombo",
    "Ferrari",
    "Bianchi",
    "Galli",
    "Fumagalli",
    "Villa",
    "Sala",
    "Mauri",
    "Cattaneo",
    "Longoni",
    "Bonfanti",
    "Rota",
    "Pozzi",
    "Mazzoleni",
    "Locatelli",
    "Pedretti",
    "Zanardelli",
    "Bertoli",
    "Gatti",
    "Marelli",
    "Crippa",
    "Riva",
    "Castelli",
    "Redaelli",
    "Frigerio",
    "Vismara",
    "Tagliabue",
    "Beretta",
    "Lazzaroni",
    "Pagani",
    "Ghisalberti",
    "Zucchelli",
    "Bonomi",
    "Sangalli",
    "Ravasi",
    "Arrigoni",
    "Cortinovis",
    "Facchinetti",
    "Lanfranchi",
    "Piazza",
    "Bassi",
    "Spinelli",
)
PLACE_WORDS = {
    "BG": ("Bergamasca", "Orobica", "Val Seriana", "Brembana"),
    "BS": ("Bresciana", "Valtrompia", "Franciacorta", "Gardesana"),
    "CO": ("Lariana", "Comasca", "Brianza Comasca"),
    "CR": ("Cremonese", "Padana", "Cremasca"),
    "LC": ("Lecchese", "Valsassina", "Lariana"),
    "LO": ("Lodigiana", "dell'Adda"),
    "MN": ("Mantovana", "Virgiliana", "dell'Oltrepò Mantovano"),
    "MI": ("Milanese", "Ambrosiana", "del Sud Milano"),
    "MB": ("Brianzola", "della Brianza", "Monzese"),
    "PV": ("Pavese", "Lomellina", "dell'Oltrepò"),
    "SO": ("Valtellinese", "Alpina", "della Valchiavenna"),
    "VA": ("Varesina", "Insubrica", "del Verbano"),
}
LEGAL_FORMS = ("S.r.l.", "S.r.l.", "S.r.l.", "S.p.A.", "S.n.c.", "S.a.s.", "S.r.l.s.")
FIRST_NAMES = (
    "Luca",
    "Marco",
    "Giulia",
    "Francesca",
    "Alessandro",
    "Chiara",
    "Andrea",
    "Paola",
    "Stefano",
    "Elena",
    "Davide",
    "Sara",
    "Matteo",
    "Laura",
    "Roberto",
    "Silvia",
    "Giorgio",
    "Anna",
    "Fabio",
    "Valentina",
)
STREETS = (
    "Via Roma",
    "Via Garibaldi",
    "Via dell'Industria",
    "Via dell'Artigianato",
    "Via Mazzini",
    "Via Marconi",
    "Viale Europa",
    "Via Dante",
    "Via Manzoni",
    "Via Volta",
    "Via Leonardo da Vinci",
)
# The provincial office digits of the VAT numbers, and the first digits of the postcodes.
VAT_OFFICES = {
    "BG": "016",
    "BS": "017",
    "CO": "013",
    "CR": "019",
    "LC": "097",
    "LO": "098",
    "MN": "020",
    "MI": "015",
    "MB": "015",
    "PV": "018",
    "SO": "014",
    "VA": "012",
}
POSTCODE_PREFIXES = {
    "BG": "240",
    "BS": "250",
    "CO": "220",
    "CR": "261",
    "LC": "238",
    "LO": "268",
    "MN": "460",
    "MI": "201",
    "MB": "208",
    "PV": "270",
    "SO": "230",
    "VA": "210",
}
# Where Lombardy's manufacturing SMEs are: more in Milan, Brescia, Bergamo, Brianza and Varese.
PROVINCE_WEIGHTS = {
    "MI": 16,
    "BS": 14,
    "BG": 14,
    "MB": 10,
    "VA": 9,
    "CO": 7,
    "LC": 6,
    "MN": 6,
    "PV": 5,
    "CR": 5,
    "LO": 4,
    "SO": 4,
}
DESCRIPTIONS = (
    "Lavoriamo per conto terzi per la meccanica e l'automotive. Vogliamo ridurre i tempi di attrezzaggio, "
    "collegare le macchine al gestionale e capire quali dati raccogliere per pianificare meglio la produzione.",
    "Siamo un'azienda familiare alla seconda generazione. Dopo la crisi energetica vogliamo ridurre i consumi, "
    "rivedere il controllo di gestione e preparare il passaggio generazionale con un'organizzazione più chiara.",
    "Esportiamo il 40% del fatturato ma senza una strategia: chiediamo aiuto per scegliere i mercati, "
    "digitalizzare l'ufficio commerciale e introdurre un CRM.",
    "Abbiamo macchinari nuovi acquistati con Industria 4.0 ma li usiamo poco: vorremmo integrarli con "
    "MES e magazzino e formare il personale.",
)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace("'", "")


def vat_number(random, province: str) -> str:
    """A VAT number with the province's office digits and a correct check digit."""
    body = f"{random.randint(1, 9_999_999):07d}{VAT_OFFICES[province]}"
    return body + luhn.calc_check_digit(body)


FEMALE_NAMES = frozenset(
    {"Giulia", "Francesca", "Chiara", "Paola", "Elena", "Sara", "Laura", "Silvia", "Anna", "Valentina"}
)


def _personal_tax_code(random, person: tuple[str, str], company: Company) -> str:
    """A well-formed tax code for a made-up person born in the company's municipality."""
    first, last = person
    born = datetime.date(random.randint(*BIRTH_YEARS), random.randint(1, 12), random.randint(1, 28))
    return personal_tax_code(first, last, born, company.municipality_code)


# The birth years the demo's people are drawn from.
BIRTH_YEARS = (1955, 1990)


def personal_tax_code(first_name: str, last_name: str, born: datetime.date, birthplace_code: str) -> str:
    """What python-codicefiscale's encode() gives for that person, built from its parts:
    encode() parses dates with dateutil and decodes its own result again, at a few
    milliseconds a code, which a national build (11,200 codes) cannot afford."""
    from codicefiscale import codicefiscale

    code = (
        _name_code(last_name, first=False)
        + _name_code(first_name, first=True)
        + codicefiscale.encode_birthdate(
            datetime.datetime.combine(born, datetime.time()), "F" if first_name in FEMALE_NAMES else "M"
        )
    )
    if birthplace_code in _codes_held_throughout():
        code += birthplace_code
    else:
        code += codicefiscale.encode_birthplace(birthplace_code, born.isoformat())
    return code + codicefiscale.encode_cin(code)


@cache
def _name_code(name: str, *, first: bool) -> str:
    from codicefiscale import codicefiscale

    return codicefiscale.encode_firstname(name) if first else codicefiscale.encode_lastname(name)


@cache
def _codes_held_throughout() -> frozenset[str]:
    """The cadastral codes in force, without a gap, for every birth date the demo draws:
    for these the code is the tax code's birthplace part whatever the date."""
    from codicefiscale.data import get_municipalities_data

    # Its dates are days (at midnight); a period holds from its first to its last day.
    periods: dict[str, list[tuple[datetime.date, datetime.date]]] = {}
    for item in get_municipalities_data():
        created, deleted = item["date_created"], item["date_deleted"]
        periods.setdefault(item["code"], []).append(
            (
                datetime.date.fromisoformat(created[:10]) if created else datetime.date.min,
                datetime.date.fromisoformat(deleted[:10]) + datetime.timedelta(days=1)
                if deleted
                else datetime.date.max,
            )
        )
    held = set()
    for code, spans in periods.items():
        uncovered = datetime.date(BIRTH_YEARS[0], 1, 1)  # the first day not known to be covered
        for created, after in sorted(spans):
            if created > uncovered:
                break
            uncovered = max(uncovered, after)
        if uncovered > datetime.date(BIRTH_YEARS[1], 12, 31):
            held.add(code)
    return frozenset(held)


def _weighted(random, pairs):
    return random.choices([value for value, _weight in pairs], weights=[weight for _value, weight in pairs])[
        0
    ]


def _size(random) -> tuple[int, Decimal, Decimal]:
    """Employees, turnover and balance sheet: micro to medium, mostly small."""
    kind = random.choices(("micro", "small", "medium"), weights=(2, 5, 3))[0]
    if kind == "micro":
        employees = random.randint(3, 9)
        turnover = Decimal(random.randint(300, 1900)) * 1000
    elif kind == "small":
        employees = random.randint(10, 49)
        turnover = Decimal(random.randint(2_100, 9_800)) * 1000
    else:
        employees = random.randint(50, 240)
        turnover = Decimal(random.randint(10_500, 48_000)) * 1000
    balance = (turnover * Decimal(random.randint(55, 95)) / 100).quantize(Decimal(1))
    return employees, turnover, balance


DEMO_PEC_DOMAIN = "pec.demo.example"


def delete() -> None:
    """Remove the demo's companies: they outlive the demo programme, which the rebuild deletes."""
    Company.objects.filter(pec__endswith=f"@{DEMO_PEC_DOMAIN}").delete()


def create(context) -> None:
    """Create the demo's companies, members and applications, with their history."""
    delete()
    random = context.random
    programme: Programme = context.programme
    municipalities_by_province: dict[str, list] = {}
    for municipality in identifiers.lombard_municipalities():
        municipalities_by_province.setdefault(municipality.province, []).append(municipality)

    # A national edition (scale > 1) is the same programme with every count multiplied.
    scale = getattr(context, "scale", 1)
    plan = (
        [ApplicationStatus.ENROLLED] * (ENROLLED * scale)
        + [ApplicationStatus.WAITLISTED] * (WAITLISTED * scale)
        + [ApplicationStatus.SUBMITTED] * (SUBMITTED * scale)
        + [ApplicationStatus.INELIGIBLE] * (INELIGIBLE * scale)
    )
    used_names: set[str] = set()
    used_vat: set[str] = set()
    companies: list[Company] = []
    people: list[tuple[str, str]] = []
    for index, status in enumerate(plan):
        province = _weighted(random, list(PROVINCE_WEIGHTS.items()))
        if status == ApplicationStatus.INELIGIBLE and index % 2 == 0:
            code, word = OUTSIDE_SECTORS[index % len(OUTSIDE_SECTORS)]
        else:
            code, _weight, word = random.choices(ACTIVITIES, weights=[item[1] for item in ACTIVITIES])[0]
        attempts = 0
        while True:
            attempts += 1
            surname = random.choice(SURNAMES)
            # Past the demo's size the simple names run out: partners' names join them.
            style = random.randint(0, 3 if scale > 1 and attempts > 3 else 2)
            if style == 3:
                name = f"{surname} & {random.choice(SURNAMES)} {word}"
            elif style == 0:
                name = f"{word} {surname}"
            elif style == 1:
                name = f"{surname} {word}"
            else:
                name = f"{word} {random.choice(PLACE_WORDS[province])}"
            name = f"{name} {random.choice(LEGAL_FORMS)}"
            if name not in used_names:
                used_names.add(name)
                break
        while True:
            vat = vat_number(random, province)
            if vat not in used_vat:
                used_vat.add(vat)
                break
        municipality = random.choice(municipalities_by_province[province])
        employees, turnover, balance = _size(random)
        if status == ApplicationStatus.INELIGIBLE and index % 2 == 1:
            # Grown past the EU SME ceilings.
            employees, turnover, balance = random.randint(260, 420), Decimal(68_000_000), Decimal(51_000_000)
        activity_found = activity(code)
        slug = _ascii(surname)
        companies.append(
            Company(
                vat_number=vat,
                legal_name=name,
                tax_code=vat,
                ateco_code=activity_found.code,
                ateco_section=activity_found.section,
                ateco_division=activity_found.division or "",
                address=f"{random.choice(STREETS)} {random.randint(1, 180)}",
                postal_code=f"{POSTCODE_PREFIXES[province]}{random.randint(10, 99)}",
                municipality=municipality.name,
                municipality_code=municipality.code,
                province=province,
                pec=f"{slug}{index + 1}@{DEMO_PEC_DOMAIN}",
                employees=employees,
                turnover=turnover,
                balance_sheet_total=balance,
                year_founded=random.randint(1948, 2019),
                website=f"https://www.{slug}{index + 1}.demo.example",
            )
        )
        people.append(
            (random.choice(FIRST_NAMES), surname if random.random() < 0.6 else random.choice(SURNAMES))
        )
    companies = Company.objects.bulk_create(companies)

    # One member per company; the demo SME persona acts for the first one.
    persona = context.accounts.get("sme_member")
    new_users = [
        User(
            email=f"{_ascii(first)}.{_ascii(last)}.{index + 1}@demo.example",
            first_name=first,
            last_name=last,
            password=context.password_hash,
        )
        for index, (first, last) in enumerate(people)
        if not (index == 0 and persona is not None)
    ]
    new_users = User.objects.bulk_create(new_users)
    members = ([persona] if persona is not None else []) + new_users
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in new_users]
    )
    group, _created = Group.objects.get_or_create(name="sme_member")
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=group.pk) for user in new_users]
    )
    start = timezone.make_aware(datetime.datetime.combine(programme.applications_open_on, datetime.time(9)))
    CompanyMembership.objects.bulk_create(
        [
            CompanyMembership(company=company, user=user, created_at=start)
            for company, user in zip(companies, members, strict=True)
        ]
    )

    terms = eligibility.ProgrammeTerms(
        admitted_sectors=tuple(programme.admitted_sectors),
        opens_on=programme.applications_open_on,
        closes_on=programme.applications_close_on,
    )
    applications = []
    history: list[tuple[int, list[tuple[str, str, str, datetime.datetime, str]]]] = []
    waitlist_position = 0
    for index, (company, user, status) in enumerate(zip(companies, members, plan, strict=True)):
        created = start + datetime.timedelta(
            days=index * 2 // scale + random.randint(0, 3), hours=random.randint(0, 8)
        )
        submitted = created + datetime.timedelta(days=random.randint(1, 6), hours=random.randint(0, 6))
        decided = submitted + datetime.timedelta(days=random.randint(3, 10))
        placed = decided + datetime.timedelta(days=random.randint(1, 5))
        outcome = eligibility.evaluate(
            eligibility.CompanyFigures(
                employees=company.employees,
                turnover=company.turnover,
                balance_sheet_total=company.balance_sheet_total,
                province=company.province,
                ateco_code=company.ateco_code,
            ),
            terms,
            timezone.localtime(submitted).date(),
        )
        first_name, last_name = (
            people[index] if index or persona is None else (persona.first_name, persona.last_name)
        )
        representative = (random.choice(FIRST_NAMES), last_name if index % 3 else random.choice(SURNAMES))
        steps = [
            ("created", "", ApplicationStatus.DRAFT, created, ""),
            ("submitted", ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, submitted, ""),
        ]
        application = Application(
            programme=programme,
            company=company,
            status=status,
            created_by=user,
            steps_done=list(ApplicationStep.values),
            legal_representative_first_name=representative[0],
            legal_representative_last_name=representative[1],
            legal_representative_tax_code=_personal_tax_code(random, representative, company),
            legal_representative_role=random.choice(
                ("Amministratore unico", "Presidente del CdA", "Socio amministratore")
            ),
            contact_first_name=first_name,
            contact_last_name=last_name,
            contact_role=random.choice(
                ("Titolare", "Responsabile di produzione", "Direttore amministrativo", "Responsabile qualità")
            ),
            contact_email=user.email,
            contact_phone=f"+39 0{random.randint(30, 39)} {random.randint(100000, 999999)}",
            needs=random.sample(list(AssessmentArea.values), k=random.randint(2, 4)),
            needs_description=random.choice(DESCRIPTIONS),
            preferred_period=random.choice(PreferredPeriod.values),
            privacy_accepted=True,
            declares_sme=True,
            declares_not_in_difficulty=True,
            declares_de_minimis=True,
            declares_truthful=True,
            declared_by=user,
            declared_at=submitted,
            eligibility_results=[result.as_data() for result in outcome.results],
            size_class=outcome.size_class,
            created_at=created,
            submitted_at=submitted,
        )
        if status in (ApplicationStatus.ENROLLED, ApplicationStatus.WAITLISTED):
            application.decided_at = decided
            steps.append(("eligible", ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, decided, ""))
        if status == ApplicationStatus.ENROLLED:
            application.enrolled_at = placed
            steps.append(("enrolled", ApplicationStatus.ELIGIBLE, ApplicationStatus.ENROLLED, placed, ""))
        elif status == ApplicationStatus.WAITLISTED:
            waitlist_position += 1
            application.waitlist_position = waitlist_position
            application.waitlisted_at = placed
            steps.append(("waitlisted", ApplicationStatus.ELIGIBLE, ApplicationStatus.WAITLISTED, placed, ""))
        elif status == ApplicationStatus.INELIGIBLE:
            application.decided_at = decided
            failed = [str(eligibility.RULE_LABELS[rule]) for rule in outcome.failed_rules]
            application.decision_reason = (
                "Requisito non soddisfatto: " + "; ".join(failed) + "."
                if failed
                else "La documentazione non conferma i requisiti dichiarati."
            )
            steps.append(
                (
                    "ineligible",
                    ApplicationStatus.SUBMITTED,
                    ApplicationStatus.INELIGIBLE,
                    decided,
                    application.decision_reason,
                )
            )
        applications.append(application)
        history.append((index, steps))
    applications = Application.objects.bulk_create(applications)

    staff = context.accounts.get("programme_staff")
    content_type = ContentType.objects.get_for_model(Application)
    entries = []
    for index, steps in history:
        application = applications[index]
        for action, from_status, to_status, when, reason in steps:
            entries.append(
                audit_entry(
                    programme=programme,
                    content_type=content_type,
                    object_id=str(application.pk),
                    actor=members[index] if action in ("created", "submitted") else staff,
                    action=action,
                    when=when,
                    from_status=from_status,
                    to_status=to_status,
                    reason=reason,
                    data={"position": application.waitlist_position} if action == "waitlisted" else None,
                )
            )
    AuditEntry.objects.bulk_create(entries)
    # The counter the services keep, set to what was just created.
    Programme.objects.filter(pk=programme.pk).update(enrolled_count=F("enrolled_count") + ENROLLED * scale)
    programme.refresh_from_db(fields=["enrolled_count"])
