"""The manager pool's part of the demo: 112 managers with full profiles drawn from the
industries of Lombardy, all reviewed on merit by the demo staff member, 105 selected.

Every choice comes from context.random, so the pool is the same at every rebuild."""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from stdnum import luhn

from managers import merit
from managers.models import (
    CompetenceRating,
    Manager,
    ManagerStatus,
    MeritReview,
    SectorExperience,
    UnavailabilityPeriod,
    protected_storage,
)
from programme.demo import DEMO_EMAIL_DOMAIN, audit_entry
from programme.models import AuditEntry, User
from programme.reference import AssessmentArea, neighbouring_provinces
from programme.roles import Role

POOL_SIZE = 112
SELECTED = 105
# A national edition has fewer managers per SME than the demo: 30 for every 100 SMEs
# (3,000 for 10,000), each taking a few SMEs one after the other.
POOL_PER_SCALE = 30


def pool_size(scale: int) -> tuple[int, int]:
    """How many managers join and how many are selected, at this scale (the demo's at 1)."""
    if scale <= 1:
        return POOL_SIZE, SELECTED
    pool = max(POOL_SIZE, POOL_PER_SCALE * scale)
    return pool, round(pool * SELECTED / POOL_SIZE)


TIMEZONE = datetime.UTC

FIRST_NAMES_MEN = (
    "Alberto",
    "Alessandro",
    "Andrea",
    "Angelo",
    "Antonio",
    "Carlo",
    "Claudio",
    "Corrado",
    "Daniele",
    "Davide",
    "Enrico",
    "Fabio",
    "Federico",
    "Franco",
    "Giacomo",
    "Gianluca",
    "Giorgio",
    "Giovanni",
    "Giuseppe",
    "Luca",
    "Luigi",
    "Marco",
    "Massimo",
    "Mauro",
    "Maurizio",
    "Michele",
    "Nicola",
    "Paolo",
    "Piero",
    "Renato",
    "Roberto",
    "Sergio",
    "Stefano",
    "Walter",
)
FIRST_NAMES_WOMEN = (
    "Alessandra",
    "Anna",
    "Barbara",
    "Chiara",
    "Cristina",
    "Daniela",
    "Elena",
    "Federica",
    "Francesca",
    "Laura",
    "Lucia",
    "Manuela",
    "Maria Grazia",
    "Monica",
    "Paola",
    "Patrizia",
    "Raffaella",
    "Sabrina",
    "Silvia",
    "Simona",
)
LAST_NAMES = (
    "Arosio",
    "Barzaghi",
    "Bassi",
    "Bettoni",
    "Bonfanti",
    "Bonomi",
    "Brambilla",
    "Cappelletti",
    "Carminati",
    "Casati",
    "Cattaneo",
    "Colombo",
    "Confalonieri",
    "Crippa",
    "Ferrari",
    "Fontana",
    "Frigerio",
    "Fumagalli",
    "Galbiati",
    "Galli",
    "Gatti",
    "Ghezzi",
    "Invernizzi",
    "Locatelli",
    "Longhi",
    "Lupi",
    "Magni",
    "Mariani",
    "Mauri",
    "Mazzoleni",
    "Meroni",
    "Molteni",
    "Monti",
    "Nava",
    "Negri",
    "Panzeri",
    "Pesenti",
    "Pirovano",
    "Pozzi",
    "Radaelli",
    "Redaelli",
    "Ronchi",
    "Rota",
    "Sala",
    "Sangalli",
    "Santambrogio",
    "Scotti",
    "Tagliabue",
    "Terzi",
    "Valsecchi",
    "Vismara",
    "Viganò",
    "Zanetti",
    "Zucchi",
)

# Where managers live, roughly as the members of ALDAI Federmanager do.
HOME_PROVINCES = (
    ("MI", 34),
    ("MB", 12),
    ("BG", 12),
    ("BS", 11),
    ("VA", 8),
    ("CO", 6),
    ("LC", 5),
    ("PV", 3),
    ("CR", 3),
    ("MN", 3),
    ("LO", 2),
    ("SO", 1),
)
TOWNS = {
    "MI": ("Milano", "Sesto San Giovanni", "Legnano", "Rho", "San Donato Milanese", "Cinisello Balsamo"),
    "MB": ("Monza", "Seregno", "Desio", "Vimercate", "Lissone", "Cantù"),
    "BG": ("Bergamo", "Treviglio", "Dalmine", "Seriate", "Romano di Lombardia"),
    "BS": ("Brescia", "Lumezzane", "Desenzano del Garda", "Chiari", "Rovato", "Palazzolo sull'Oglio"),
    "VA": ("Varese", "Busto Arsizio", "Gallarate", "Saronno"),
    "CO": ("Como", "Erba", "Olgiate Comasco", "Mariano Comense"),
    "LC": ("Lecco", "Merate", "Calolziocorte", "Valmadrera"),
    "PV": ("Pavia", "Vigevano", "Voghera"),
    "CR": ("Cremona", "Crema", "Casalmaggiore"),
    "MN": ("Mantova", "Castiglione delle Stiviere", "Suzzara"),
    "LO": ("Lodi", "Codogno"),
    "SO": ("Sondrio", "Morbegno"),
}
# Tax office codes of partita IVA numbers issued in Lombardy (the 8th-10th digits).
VAT_OFFICES = ("012", "013", "015", "016", "017", "018", "019", "020", "097", "098", "108")


@dataclass(frozen=True)
class Career:
    """One kind of career common in Lombard industry: sectors, roles, competence profile, story."""

    sectors: tuple[tuple[str, str], ...]
    roles: tuple[str, ...]
    strengths: dict[str, int]
    companies: tuple[str, ...]
    results: tuple[str, ...]


AREAS = AssessmentArea
CAREERS = (
    Career(
        sectors=(("C", "28"), ("C", "25")),
        roles=("plant", "operations", "quality", "general_manager"),
        strengths={AREAS.OPERATIONS_LEAN: 5, AREAS.AUTOMATION_AI: 4, AREAS.DIGITAL_READINESS: 3},
        companies=(
            "un costruttore di macchine utensili del bresciano (240 addetti)",
            "un gruppo della meccanica di precisione della bergamasca",
            "un'azienda di componenti oleodinamici della Brianza",
        ),
        results=(
            "ha introdotto il lean manufacturing riducendo i tempi di attraversamento del 30%",
            "ha guidato l'interconnessione di 40 macchine in ottica Industria 4.0",
            "ha avviato un sistema MES e la manutenzione predittiva",
        ),
    ),
    Career(
        sectors=(("C", "22"), ("C", "20")),
        roles=("operations", "supply_chain", "plant"),
        strengths={AREAS.OPERATIONS_LEAN: 4, AREAS.GREEN_DIGITAL: 4, AREAS.DATA_MANAGEMENT: 3},
        companies=(
            "un trasformatore di materie plastiche del varesotto",
            "un'azienda della gomma per l'automotive in provincia di Bergamo",
        ),
        results=(
            "ha ridotto gli scarti di produzione del 18% con il controllo statistico di processo",
            "ha riorganizzato gli acquisti di polimeri dopo la crisi delle materie prime",
        ),
    ),
    Career(
        sectors=(("C", "13"), ("C", "14"), ("C", "15")),
        roles=("sales", "export", "marketing", "chief_executive"),
        strengths={AREAS.MARKET_INTERNATIONAL: 5, AREAS.DIGITAL_STRATEGY: 3, AREAS.GREEN_DIGITAL: 3},
        companies=(
            "una tessitura serica del comasco",
            "un marchio di abbigliamento del distretto di Gallarate",
            "un'azienda calzaturiera del vigevanese",
        ),
        results=(
            "ha aperto i mercati di Germania, Giappone e Stati Uniti portando l'export al 65% del fatturato",
            "ha avviato il canale e-commerce e la tracciabilità della filiera",
        ),
    ),
    Career(
        sectors=(("C", "10"), ("C", "11"), ("A", "01")),
        roles=("quality", "operations", "general_manager"),
        strengths={AREAS.OPERATIONS_LEAN: 4, AREAS.GREEN_DIGITAL: 4, AREAS.DATA_MANAGEMENT: 3},
        companies=(
            "un caseificio cooperativo del cremonese",
            "un salumificio del mantovano con 180 addetti",
            "un'azienda dolciaria della provincia di Milano",
        ),
        results=(
            "ha ottenuto le certificazioni BRC e IFS e ridotto i consumi energetici del 20%",
            "ha digitalizzato la tracciabilità dei lotti dal campo allo scaffale",
        ),
    ),
    Career(
        sectors=(("C", "21"), ("C", "20")),
        roles=("research", "quality", "plant"),
        strengths={AREAS.DATA_MANAGEMENT: 4, AREAS.DIGITAL_READINESS: 4, AREAS.HUMAN_CENTRIC: 3},
        companies=(
            "uno stabilimento farmaceutico dell'hinterland milanese",
            "un'azienda chimica di specialità del pavese",
        ),
        results=(
            "ha guidato la convalida dei sistemi informatici secondo le GMP",
            "ha sviluppato tre nuove linee di prodotto con il laboratorio di ricerca",
        ),
    ),
    Career(
        sectors=(("C", "31"), ("C", "16")),
        roles=("chief_executive", "sales", "export"),
        strengths={AREAS.MARKET_INTERNATIONAL: 4, AREAS.DIGITAL_STRATEGY: 4, AREAS.ORGANISATION_PEOPLE: 3},
        companies=(
            "un mobilificio della Brianza con showroom a Milano e Parigi",
            "un'azienda di arredo per il contract della provincia di Como",
        ),
        results=(
            "ha costruito la rete di agenti in Europa e Medio Oriente",
            "ha gestito il passaggio generazionale della proprietà",
        ),
    ),
    Career(
        sectors=(("J", "62"), ("J", "63")),
        roles=("it", "chief_executive", "general_manager"),
        strengths={
            AREAS.DIGITAL_STRATEGY: 5,
            AREAS.DATA_MANAGEMENT: 5,
            AREAS.AUTOMATION_AI: 4,
            AREAS.DIGITAL_READINESS: 5,
        },
        companies=(
            "una software house milanese specializzata in gestionali per le PMI",
            "un system integrator di Bergamo attivo nell'automazione industriale",
        ),
        results=(
            "ha guidato progetti ERP e di cybersecurity in oltre 60 piccole imprese",
            "ha avviato un'unità di data analytics e intelligenza artificiale",
        ),
    ),
    Career(
        sectors=(("H", "49"), ("H", "52"), ("G", "46")),
        roles=("supply_chain", "operations"),
        strengths={AREAS.OPERATIONS_LEAN: 4, AREAS.DATA_MANAGEMENT: 4, AREAS.AUTOMATION_AI: 3},
        companies=(
            "un operatore logistico del polo di Piacenza-Lodi",
            "un distributore all'ingrosso di materiale elettrico della provincia di Milano",
        ),
        results=(
            "ha automatizzato il magazzino riducendo gli errori di prelievo del 70%",
            "ha riprogettato la rete distributiva nel Nord Italia",
        ),
    ),
    Career(
        sectors=(("C", "28"), ("K", "64"), ("C", "24")),
        roles=("finance", "chief_executive"),
        strengths={AREAS.FINANCE_CONTROL: 5, AREAS.DIGITAL_STRATEGY: 3, AREAS.ORGANISATION_PEOPLE: 3},
        companies=(
            "un gruppo siderurgico bresciano",
            "una media impresa metalmeccanica quotata all'Euronext Growth Milan",
        ),
        results=(
            "ha introdotto il controllo di gestione per commessa e il budget rolling",
            "ha seguito un'operazione di finanza straordinaria e la quotazione in borsa",
        ),
    ),
    Career(
        sectors=(("C", "27"), ("C", "26")),
        roles=("research", "plant", "general_manager"),
        strengths={AREAS.AUTOMATION_AI: 5, AREAS.DIGITAL_READINESS: 4, AREAS.GREEN_DIGITAL: 3},
        companies=(
            "un produttore di quadri elettrici e automazione del lecchese",
            "un'azienda di elettronica di potenza della provincia di Varese",
        ),
        results=(
            "ha sviluppato una gamma di prodotti connessi per la gestione dell'energia",
            "ha portato in produzione la robotica collaborativa",
        ),
    ),
    Career(
        sectors=(("D", "35"), ("E", "38")),
        roles=("sustainability", "operations", "general_manager"),
        strengths={AREAS.GREEN_DIGITAL: 5, AREAS.DATA_MANAGEMENT: 3, AREAS.OPERATIONS_LEAN: 3},
        companies=(
            "una multiutility lombarda",
            "un'azienda di recupero e riciclo dei metalli della bergamasca",
        ),
        results=(
            "ha redatto il primo bilancio di sostenibilità secondo gli standard ESRS",
            "ha realizzato comunità energetiche con le imprese del territorio",
        ),
    ),
    Career(
        sectors=(("C", "25"), ("N", "78"), ("C", "29")),
        roles=("hr", "general_manager"),
        strengths={AREAS.ORGANISATION_PEOPLE: 5, AREAS.HUMAN_CENTRIC: 5, AREAS.DIGITAL_STRATEGY: 3},
        companies=(
            "un gruppo della componentistica auto con stabilimenti in Lombardia e Piemonte",
            "un'agenzia per il lavoro con 30 filiali nel Nord Italia",
        ),
        results=(
            "ha gestito riorganizzazioni e piani di formazione sulle competenze digitali",
            "ha introdotto il welfare aziendale e lo smart working",
        ),
    ),
)

REASONS_NOT_SELECTED = (
    "Esperienza manageriale prevalentemente nel settore pubblico, poco pertinente alle PMI del bando.",
    "Competenze digitali ancora limitate rispetto ai requisiti del programma; la invitiamo a ricandidarsi.",
    "Al colloquio di qualificazione non è emersa una disponibilità compatibile con i tempi degli assessment.",
    "Esperienza in ruoli manageriali inferiore ai dieci anni richiesti dall'avviso.",
    "Referenze non verificabili entro i termini della selezione.",
    "Profilo molto specialistico: non copre le aree dell'assessment richieste dalle imprese iscritte.",
    "Possibile conflitto di interessi con diverse imprese candidate, emerso al colloquio.",
)

UNAVAILABILITY_NOTES = (
    "Ferie estive",
    "Impegno familiare",
    "Viaggio all'estero",
    "Intervento programmato",
    "",
)


def _ascii(text: str) -> str:
    return (
        unicodedata.normalize("NFKD", text)
        .encode("ascii", "ignore")
        .decode()
        .lower()
        .replace(" ", "")
        .replace("'", "")
    )


def _pick_weighted(rng, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _weight in choices], weights=[weight for _value, weight in choices])[
        0
    ]


def _vat_number(rng) -> str:
    base = f"{rng.randrange(10**6, 10**7):07d}{rng.choice(VAT_OFFICES)}"
    return base + luhn.calc_check_digit(base)


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def cv_pdf(lines: list[str]) -> bytes:
    """A small, valid one-page PDF with the lines of a CV, in Helvetica (WinAnsi, so accents work)."""
    stream_lines = ["BT", "/F1 11 Tf", "14 TL", "56 790 Td"]
    for number, line in enumerate(lines):
        if number == 0:
            stream_lines += ["/F1 16 Tf", f"({_pdf_text(line)}) Tj", "/F1 11 Tf", "T*", "T*"]
        else:
            stream_lines += [f"({_pdf_text(line)}) Tj", "T*"]
    stream_lines.append("ET")
    stream = "\n".join(stream_lines).encode("cp1252", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    output = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(output)
    output += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        output += f"{offset:010d} 00000 n \n".encode()
    output += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(output)


@dataclass
class _Person:
    user: User
    first_name: str
    last_name: str


def _people(context) -> list[_Person]:
    """The demo manager persona first, then 111 more, each a new account with the demo password."""
    rng = context.random
    persona = context.accounts[Role.MANAGER]
    people = [_Person(persona, persona.first_name, persona.last_name)]
    taken = {persona.email}
    new_users = []
    pool, _selected = pool_size(getattr(context, "scale", 1))
    while len(people) < pool:
        first = rng.choice(FIRST_NAMES_WOMEN if rng.random() < 0.24 else FIRST_NAMES_MEN)
        last = rng.choice(LAST_NAMES)
        email = f"{_ascii(first)}.{_ascii(last)}@{DEMO_EMAIL_DOMAIN}"
        suffix = 2
        while email in taken:
            email = f"{_ascii(first)}.{_ascii(last)}{suffix}@{DEMO_EMAIL_DOMAIN}"
            suffix += 1
        taken.add(email)
        user = User(
            email=email, first_name=first, last_name=last, password=context.password_hash, language="it"
        )
        new_users.append(user)
        people.append(_Person(user, first, last))
    User.objects.bulk_create(new_users)
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in new_users
    )
    group = Group.objects.get_or_create(name=Role.MANAGER)[0]
    User.groups.through.objects.bulk_create(User.groups.through(user=user, group=group) for user in new_users)
    return people


def _levels(rng, career: Career) -> dict[str, int]:
    levels = {}
    for area in AssessmentArea.values:
        base = career.strengths.get(area, rng.choice((1, 2, 2, 3)))
        levels[area] = max(0, min(5, base + rng.choice((-1, 0, 0, 0, 1))))
    return levels


def _scores(rng, selected: bool, levels: dict[str, int], years: int) -> dict[str, int]:
    if not selected:
        return {key: rng.choice((1, 2, 2, 3)) for key in merit.CRITERIA_KEYS}
    digital = round(
        (levels[AREAS.DIGITAL_STRATEGY] + levels[AREAS.DIGITAL_READINESS] + levels[AREAS.AUTOMATION_AI]) / 3
    )
    return {
        "experience": min(5, 2 + years // 10 + rng.choice((0, 0, 1))),
        "competence_relevance": rng.choice((3, 4, 4, 5)),
        "digital_skills": max(2, min(5, digital + rng.choice((-1, 0, 1)))),
        "interview": rng.choice((3, 4, 4, 5, 5)),
        "references": rng.choice((3, 4, 5)),
    }


def create(context) -> list[Manager]:
    """Create the demo pool: 112 managers, all reviewed by the demo staff member, 105 selected."""
    rng = context.random
    programme = context.programme
    reviewer = context.accounts[Role.STAFF]
    weights = {key: float(programme.merit_weights.get(key, 0)) for key in merit.CRITERIA_KEYS}
    people = _people(context)
    # The persona is always selected; seven others, drawn at random, are not.
    pool, selected_count = pool_size(getattr(context, "scale", 1))
    not_selected = set(rng.sample(range(1, pool), pool - selected_count))
    storage = protected_storage()
    opened = datetime.datetime(2026, 1, 15, 9, 0, tzinfo=TIMEZONE)

    managers: list[Manager] = []
    plans = []
    for index, person in enumerate(people):
        career = CAREERS[0] if index == 0 else rng.choice(CAREERS)
        home = "MI" if index == 0 else _pick_weighted(rng, HOME_PROVINCES)
        neighbours = sorted(neighbouring_provinces()[home])
        provinces = [home, *rng.sample(neighbours, min(len(neighbours), rng.randint(1, 3)))]
        years = rng.randint(10, 34)
        roles = rng.sample(career.roles, rng.randint(1, min(3, len(career.roles))))
        languages = ["it", "en"] if rng.random() < 0.9 else ["it"]
        if rng.random() < 0.35:
            languages.append(rng.choice(("de", "fr", "es")))
        company = rng.choice(career.companies)
        summary = (
            f"{years} anni in ruoli di direzione. In {company} {rng.choice(career.results)}; "
            f"in precedenza {rng.choice(rng.choice(CAREERS).results)}."
        )
        applied_at = opened + datetime.timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 9))
        decided_at = applied_at + datetime.timedelta(days=rng.randint(12, 40))
        selected = index not in not_selected
        employment = _pick_weighted(
            rng, (("looking", 45), ("in_transition", 25), ("employed", 10), ("retired", 20))
        )
        manager = Manager(
            programme=programme,
            user=person.user,
            status=ManagerStatus.SELECTED if selected else ManagerStatus.NOT_SELECTED,
            phone=f"+39 3{rng.randint(20, 49)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            city=rng.choice(TOWNS[home]),
            home_province=home,
            linkedin_url=(
                f"https://www.linkedin.com/in/{_ascii(person.first_name)}-{_ascii(person.last_name)}-{index:03d}"
                if rng.random() < 0.7
                else ""
            ),
            aldai_number=f"{rng.randint(10000, 99999)}" if rng.random() < 0.8 else "",
            employment_situation=employment,
            years_of_experience=years,
            roles_held=roles,
            career_summary=summary,
            languages=languages,
            provinces=provinces,
            capacity=3 if index == 0 else rng.choice((1, 2, 2, 3)),
            available_from=datetime.date(2026, rng.randint(2, 4), rng.randint(1, 28)),
            availability_notes=rng.choice(
                (
                    "",
                    "",
                    "Due o tre giorni a settimana",
                    "Disponibile a tempo pieno",
                    "Non disponibile in agosto",
                )
            ),
            declared_vat_numbers=[_vat_number(rng) for _ in range(rng.randint(1, 3))],
            decision_reason="" if selected else REASONS_NOT_SELECTED[len(plans) % len(REASONS_NOT_SELECTED)],
            truthful_declaration_at=applied_at,
            applied_at=applied_at,
            decided_at=decided_at,
            created_at=applied_at - datetime.timedelta(days=rng.randint(1, 10)),
        )
        levels = _levels(rng, career)
        scores = _scores(rng, selected, levels, years)
        score = merit.weighted_score(scores, weights)
        manager.merit_score = score
        sectors = rng.sample(career.sectors, rng.randint(1, len(career.sectors)))
        sector_rows = [
            (section, division, rng.randint(3, max(4, years - 2))) for section, division in sectors
        ]
        name = f"cv/{getattr(context, 'media_folder', 'demo')}/manager-{index + 1:03d}.pdf"
        storage.delete(name)
        cv_lines = [
            f"{person.first_name} {person.last_name}",
            f"{manager.city} ({home}) - {manager.phone} - {person.user.email}",
            "",
            "Profilo",
            summary,
            "",
            "Settori: " + ", ".join(f"{section} {division}" for section, division, _years in sector_rows),
            "Lingue: " + ", ".join(languages),
        ]
        content = cv_pdf(cv_lines)
        manager.cv.name = storage.save(name, ContentFile(content))
        manager.cv_original_name = f"CV {person.first_name} {person.last_name}.pdf"
        manager.cv_size = len(content)
        manager.cv_uploaded_at = applied_at - datetime.timedelta(hours=2)
        managers.append(manager)
        plans.append((levels, scores, score, sector_rows, applied_at, decided_at))
    Manager.objects.bulk_create(managers)

    sectors, competences, reviews, periods, entries = [], [], [], [], []
    content_type = ContentType.objects.get_for_model(Manager)
    for manager, (levels, scores, score, sector_rows, applied_at, decided_at) in zip(
        managers, plans, strict=True
    ):
        sectors += [
            SectorExperience(manager=manager, section=section, division=division, years=years)
            for section, division, years in sector_rows
        ]
        competences += [
            CompetenceRating(manager=manager, area=area, level=level) for area, level in levels.items()
        ]
        reviewed_at = decided_at - datetime.timedelta(days=rng.randint(1, 7))
        reviews.append(
            MeritReview(
                manager=manager,
                reviewer=reviewer,
                weighted_score=score,
                weights=weights,
                interview_notes=rng.choice(
                    (
                        "Colloquio molto chiaro, esempi concreti di progetti guidati.",
                        "Buona conoscenza delle PMI del territorio.",
                        "Motivato, attento alle persone e ai risultati.",
                        "Da approfondire la parte digitale.",
                    )
                ),
                created_at=reviewed_at,
                **scores,
            )
        )
        if manager.status == ManagerStatus.SELECTED and rng.random() < 0.15:
            start = datetime.date(2026, rng.choice((7, 8, 12)), rng.randint(1, 14))
            periods.append(
                UnavailabilityPeriod(
                    manager=manager,
                    starts_on=start,
                    ends_on=start + datetime.timedelta(days=rng.randint(7, 21)),
                    note=rng.choice(UNAVAILABILITY_NOTES),
                )
            )

        def entry(actor, action, when, from_status="", to_status="", reason="", data=None, manager=manager):
            return audit_entry(
                programme=programme,
                content_type=content_type,
                object_id=str(manager.pk),
                actor=actor,
                action=action,
                when=when,
                from_status=from_status,
                to_status=to_status,
                reason=reason,
                data=data,
            )

        entries += [
            entry(manager.user, "applied", applied_at, ManagerStatus.DRAFT, ManagerStatus.APPLIED),
            entry(
                reviewer,
                "merit_reviewed",
                reviewed_at,
                data={
                    "scores": scores,
                    "weighted_score": str(score),
                    "merit_score": {"from": "None", "to": str(score)},
                },
            ),
            entry(
                reviewer,
                manager.status,
                decided_at,
                ManagerStatus.APPLIED,
                manager.status,
                manager.decision_reason,
            ),
        ]
    SectorExperience.objects.bulk_create(sectors)
    CompetenceRating.objects.bulk_create(competences)
    MeritReview.objects.bulk_create(reviews)
    UnavailabilityPeriod.objects.bulk_create(periods)
    AuditEntry.objects.bulk_create(entries)
    return managers
