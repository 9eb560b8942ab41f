"""The assessments' part of the demo: the 100 enrolled SMEs get their 100 assessments,
84 completed with full findings, recommendations and confirmed visits, the other 16 spread
over accepted, in progress and submitted.

Managers are matched with the programme's own scoring and optimiser (the exact
assignment of a real matching run), first for the SMEs whose assessment is done, then for
those still open, within each manager's capacity, so that every manager's counter of open
assessments equals what they hold. Levels follow each company's sector and size; the
texts are in Italian, as the managers write them. Every choice comes from context.random
and every date is fixed, so the data is the same at every rebuild.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import translation

from assessments import optimiser, scoring, totals
from assessments import queries as assessment_queries
from assessments.models import (
    OPEN_STATUSES,
    Assessment,
    AssessmentStatus,
    DurationUnit,
    Feedback,
    Finding,
    ProjectOutline,
    Rating,
    Recommendation,
    Visit,
    VisitConfirmation,
    VisitMode,
)
from managers.models import Manager, ManagerStatus
from programme import queries as programme_queries
from programme.demo import audit_entry
from programme.models import AuditEntry, Programme
from programme.reference import EU_DIMENSIONS, AssessmentArea, Province
from programme.roles import Role
from smes.models import Application, ApplicationStatus, CompanyMembership

COMPLETED = 84
OPEN_PLAN = (
    (AssessmentStatus.ACCEPTED, 5),
    (AssessmentStatus.IN_PROGRESS, 6),
    (AssessmentStatus.SUBMITTED, 5),
)
# The demo's "now": the open assessments are at their stage on this day. Fixed, so the
# demo is the same whenever it is rebuilt.
AS_OF = datetime.date(2026, 11, 20)
TIMEZONE = datetime.UTC
# The demo manager persona gets a head start in each round, so that signing in as them
# shows assessments at every stage (only where they fit: pairs stay those scoring allows).
PERSONA_BONUS = 0.35
FEEDBACK_SHARE = 0.7
OUTLINE_SHARE = 0.4

A = AssessmentArea


@dataclass(frozen=True)
class Sector:
    """How a manager describes a sector in the report, and where its SMEs usually stand."""

    name: str
    area: str
    output: str
    equipment: str
    offsets: dict[str, int]


MANUFACTURING = Sector("manifatturiero", "reparto produttivo", "prodotti", "macchine", {})
SECTORS = {
    "24": Sector(
        "metallurgico",
        "reparto fusione",
        "semilavorati metallici",
        "forni",
        {A.OPERATIONS_LEAN: 1, A.GREEN_DIGITAL: -1},
    ),
    "25": Sector(
        "delle lavorazioni meccaniche",
        "officina",
        "particolari meccanici su disegno",
        "centri di lavoro CNC",
        {},
    ),
    "27": Sector(
        "delle apparecchiature elettriche",
        "linea di assemblaggio",
        "motori e componenti elettrici",
        "linee di avvolgimento",
        {A.AUTOMATION_AI: 1, A.DIGITAL_READINESS: 1},
    ),
    "28": Sector(
        "della costruzione di macchine",
        "reparto montaggio",
        "macchine e impianti su commessa",
        "banchi di collaudo",
        {A.AUTOMATION_AI: 1, A.MARKET_INTERNATIONAL: 1},
    ),
    "29": Sector(
        "della componentistica per veicoli",
        "reparto lastratura",
        "allestimenti e carrozzerie",
        "cabine di verniciatura",
        {},
    ),
    "22": Sector(
        "delle materie plastiche",
        "reparto stampaggio",
        "articoli stampati",
        "presse a iniezione",
        {A.AUTOMATION_AI: 1},
    ),
    "20": Sector(
        "chimico",
        "reparto miscelazione",
        "vernici e rivestimenti",
        "dispersori",
        {A.DATA_MANAGEMENT: 1, A.GREEN_DIGITAL: 1},
    ),
    "13": Sector("tessile", "tessitura", "tessuti", "telai", {A.MARKET_INTERNATIONAL: 1}),
    "10": Sector(
        "alimentare",
        "laboratorio di produzione",
        "prodotti alimentari",
        "linee di confezionamento",
        {A.GREEN_DIGITAL: 1, A.OPERATIONS_LEAN: 1},
    ),
    "16": Sector("del legno", "falegnameria", "serramenti", "macchine per la lavorazione del legno", {}),
    "31": Sector(
        "dell'arredamento", "falegnameria", "mobili su misura", "pantografi CNC", {A.MARKET_INTERNATIONAL: 1}
    ),
    "33": Sector(
        "della manutenzione industriale",
        "squadre di manutenzione",
        "interventi di manutenzione",
        "furgoni attrezzati",
        {A.MARKET_INTERNATIONAL: -1},
    ),
    "62": Sector(
        "del software",
        "team di sviluppo",
        "applicazioni software",
        "ambienti cloud",
        {A.DIGITAL_READINESS: 2, A.DATA_MANAGEMENT: 2, A.DIGITAL_STRATEGY: 1, A.AUTOMATION_AI: 1},
    ),
    "71": Sector(
        "dei servizi di ingegneria",
        "ufficio tecnico",
        "progetti e perizie",
        "stazioni CAD",
        {A.DIGITAL_READINESS: 1, A.DATA_MANAGEMENT: 1},
    ),
}
BASE_LEVELS = {
    A.DIGITAL_STRATEGY: 2,
    A.DIGITAL_READINESS: 2,
    A.HUMAN_CENTRIC: 2,
    A.DATA_MANAGEMENT: 1,
    A.AUTOMATION_AI: 2,
    A.GREEN_DIGITAL: 1,
    A.OPERATIONS_LEAN: 2,
    A.FINANCE_CONTROL: 2,
    A.MARKET_INTERNATIONAL: 2,
    A.ORGANISATION_PEOPLE: 2,
}
# A micro company has less structure; a medium one more.
SIZE_SENSITIVE = (A.DIGITAL_STRATEGY, A.DATA_MANAGEMENT, A.FINANCE_CONTROL, A.ORGANISATION_PEOPLE)

# For each dimension and band of level (low 0-1, mid 2-3, high 4-5): evidence, strengths, gaps.
TEXTS: dict[str, dict[str, tuple[str, str, str]]] = {
    A.DIGITAL_STRATEGY: {
        "low": (
            "Colloquio con la proprietà: gli investimenti digitali sono decisi caso per caso, senza un piano.",
            "La proprietà è consapevole del ritardo e disposta a investire.",
            "Manca una visione scritta di dove portare l'azienda e con quali strumenti digitali.",
        ),
        "mid": (
            "Esiste un piano degli investimenti triennale che cita il digitale, discusso con la proprietà.",
            "Alcuni progetti digitali sono stati avviati con un budget dedicato.",
            "Gli obiettivi digitali non sono misurati né collegati ai risultati del {area}.",
        ),
        "high": (
            "Piano industriale con una sezione digitale, indicatori e responsabili per ogni progetto.",
            "Strategia digitale chiara, condivisa con i responsabili di funzione.",
            "Resta da estendere la strategia ai clienti e ai fornitori chiave.",
        ),
    },
    A.DIGITAL_READINESS: {
        "low": (
            "Il gestionale copre solo la contabilità; ordini e produzione viaggiano su carta e fogli di calcolo.",
            "Pochi strumenti, ma usati con costanza dal personale amministrativo.",
            "Nessuna integrazione tra ufficio commerciale, {area} e magazzino.",
        ),
        "mid": (
            "ERP in uso per ordini, acquisti e magazzino; le {equipment} non sono ancora collegate.",
            "Gestionale stabile e personale abituato a usarlo.",
            "I dati di avanzamento del {area} vengono reinseriti a mano nel gestionale.",
        ),
        "high": (
            "ERP integrato con MES e CRM; le {equipment} principali scambiano dati con il gestionale.",
            "Infrastruttura digitale moderna e ben manutenuta.",
            "Alcuni processi di supporto (qualità, manutenzione) restano fuori dal sistema.",
        ),
    },
    A.HUMAN_CENTRIC: {
        "low": (
            "Interviste a capireparto e operatori: nessuna formazione digitale negli ultimi tre anni.",
            "Personale fidelizzato con grande esperienza di mestiere.",
            "Le persone non sono coinvolte nella scelta degli strumenti e temono il cambiamento.",
        ),
        "mid": (
            "Corsi base su gestionale e sicurezza; alcuni operatori usano tablet in {area}.",
            "Apertura del personale giovane verso i nuovi strumenti.",
            "Manca un piano di formazione legato ai ruoli e alle competenze digitali.",
        ),
        "high": (
            "Piano di formazione annuale con competenze digitali per ruolo; referenti digitali in ogni reparto.",
            "Cultura aziendale partecipativa, con proposte di miglioramento dagli operatori.",
            "Da formalizzare la trasmissione delle competenze dei senior prima dei pensionamenti.",
        ),
    },
    A.DATA_MANAGEMENT: {
        "low": (
            "I dati sono sparsi in fogli di calcolo personali; nessun backup verificato né politica di sicurezza.",
            "I responsabili conoscono bene i numeri chiave del proprio reparto.",
            "Nessuna copia di sicurezza fuori sede e password condivise: rischio elevato di perdita dei dati.",
        ),
        "mid": (
            "Backup giornaliero e antivirus centralizzato; i report si costruiscono a mano dal gestionale.",
            "Dati di vendita e acquisti affidabili e disponibili.",
            "Mancano indicatori automatici e un piano di risposta agli incidenti informatici.",
        ),
        "high": (
            "Cruscotti aggiornati dal gestionale, autenticazione a due fattori e test di ripristino periodici.",
            "Dati affidabili usati per decidere ogni settimana.",
            "Da valutare l'adeguamento ai requisiti della direttiva NIS2 richiesti dai clienti.",
        ),
    },
    A.AUTOMATION_AI: {
        "low": (
            "Processi di {area} quasi interamente manuali; nessuna automazione d'ufficio.",
            "Flessibilità elevata su lotti piccoli e varianti.",
            "Attività ripetitive svolte a mano che assorbono tempo qualificato.",
        ),
        "mid": (
            "Alcune {equipment} moderne acquistate con i crediti Industria 4.0, usate sotto le loro possibilità.",
            "Parco macchine recente e in buono stato.",
            "Le macchine interconnesse non restituiscono dati utili alla pianificazione.",
        ),
        "high": (
            "Celle automatizzate con carico e scarico robotizzato; primi test di visione artificiale sul controllo qualità.",
            "Competenze interne di automazione e programmazione.",
            "L'intelligenza artificiale è ancora sperimentale e non misurata sul ritorno economico.",
        ),
    },
    A.GREEN_DIGITAL: {
        "low": (
            "I consumi energetici sono noti solo dalle bollette; nessuna misura per linea o per {output}.",
            "Sensibilità della proprietà al costo dell'energia dopo la crisi del 2022.",
            "Nessun dato sui consumi per commessa né sull'impronta ambientale dei {output}.",
        ),
        "mid": (
            "Impianto fotovoltaico e contatori sulle utenze principali; letture raccolte a mano ogni mese.",
            "Investimenti già fatti sull'efficienza energetica.",
            "I dati energetici non sono collegati alla produzione e non sono usati per decidere.",
        ),
        "high": (
            "Monitoraggio energetico in tempo reale sulle {equipment}; primo bilancio di sostenibilità pubblicato.",
            "Attenzione strutturata alla sostenibilità, apprezzata dai clienti.",
            "Da estendere la raccolta dei dati ambientali alla catena di fornitura.",
        ),
    },
    A.OPERATIONS_LEAN: {
        "low": (
            "Osservazione in {area}: attrezzaggi lunghi, scorte di semilavorati tra le fasi e ricerca frequente di materiali.",
            "Grande capacità di risolvere le urgenze dei clienti.",
            "Pianificazione a vista, senza misura dell'efficienza delle {equipment}.",
        ),
        "mid": (
            "5S applicato in parte del {area}; l'OEE è calcolato a mano su alcune macchine.",
            "Primi progetti di miglioramento con risultati misurati.",
            "Tempi di attrezzaggio ancora elevati e flussi di materiale non bilanciati.",
        ),
        "high": (
            "Produzione pianificata a capacità finita, kanban con i fornitori principali, OEE monitorato.",
            "Cultura del miglioramento continuo radicata nei capireparto.",
            "Da estendere i metodi lean agli uffici tecnici e amministrativi.",
        ),
    },
    A.FINANCE_CONTROL: {
        "low": (
            "Il bilancio è l'unico strumento di controllo; i costi per commessa non vengono calcolati.",
            "Situazione finanziaria solida e rapporti buoni con le banche.",
            "Prezzi dei {output} fissati senza conoscere il margine reale.",
        ),
        "mid": (
            "Budget annuale e situazione trimestrale; costi standard dei {output} aggiornati di rado.",
            "Attenzione ai flussi di cassa e agli incassi.",
            "Manca il consuntivo per commessa e un confronto sistematico con il preventivo.",
        ),
        "high": (
            "Controllo di gestione mensile per commessa e cliente, con cruscotto per la proprietà.",
            "Strumenti di pianificazione finanziaria maturi.",
            "Da introdurre la valutazione economica degli investimenti digitali prima dell'avvio.",
        ),
    },
    A.MARKET_INTERNATIONAL: {
        "low": (
            "Clienti concentrati in Lombardia; i primi cinque valgono oltre metà del fatturato.",
            "Rapporti di lunga durata e fiducia con i clienti storici.",
            "Dipendenza da pochi clienti e nessuna presenza sui mercati esteri.",
        ),
        "mid": (
            "Export occasionale tramite clienti italiani; sito web istituzionale non aggiornato.",
            "Qualità dei {output} riconosciuta dal mercato.",
            "Manca un piano commerciale con mercati obiettivo e un CRM.",
        ),
        "high": (
            "Export strutturato con agenti in Germania e Francia; CRM usato dalla rete commerciale.",
            "Marchio riconosciuto e portafoglio clienti diversificato.",
            "Da valutare mercati extraeuropei e canali digitali per i ricambi e i servizi.",
        ),
    },
    A.ORGANISATION_PEOPLE: {
        "low": (
            "Organigramma non scritto; il titolare decide su tutto, dalla produzione agli acquisti.",
            "Rapidità decisionale e forte senso di appartenenza.",
            "Deleghe assenti e passaggio generazionale non pianificato.",
        ),
        "mid": (
            "Organigramma definito con responsabili di funzione; riunioni periodiche di coordinamento.",
            "Responsabili di funzione competenti e motivati.",
            "Ruoli e obiettivi individuali non ancora formalizzati.",
        ),
        "high": (
            "Organizzazione per processi con obiettivi annuali e valutazione delle prestazioni.",
            "Gruppo dirigente strutturato e ricambio generazionale avviato.",
            "Da rafforzare l'attrazione di giovani tecnici in un mercato del lavoro difficile.",
        ),
    },
}

# For each dimension: (title, description, effort, impact, horizon in months).
RECOMMENDATIONS: dict[str, tuple[tuple[str, str, str, str, int], ...]] = {
    A.DIGITAL_STRATEGY: (
        (
            "Scrivere una roadmap digitale a tre anni",
            "Definire con la proprietà obiettivi, progetti, budget e indicatori della trasformazione digitale, "
            "con un responsabile per ciascun progetto.",
            Rating.LOW,
            Rating.HIGH,
            3,
        ),
        (
            "Nominare un referente per l'innovazione",
            "Affidare a una persona interna il coordinamento dei progetti digitali e il rapporto con il Digital "
            "Innovation Hub.",
            Rating.LOW,
            Rating.MEDIUM,
            2,
        ),
    ),
    A.DIGITAL_READINESS: (
        (
            "Collegare le {equipment} al gestionale",
            "Raccogliere automaticamente quantità prodotte, tempi e fermi dalle {equipment}, eliminando il "
            "reinserimento manuale dei dati.",
            Rating.HIGH,
            Rating.HIGH,
            12,
        ),
        (
            "Estendere il gestionale alla produzione",
            "Attivare i moduli di pianificazione e avanzamento della produzione già disponibili nell'ERP.",
            Rating.MEDIUM,
            Rating.HIGH,
            9,
        ),
    ),
    A.HUMAN_CENTRIC: (
        (
            "Piano di formazione sulle competenze digitali",
            "Mappare le competenze per ruolo e finanziare la formazione con i fondi interprofessionali.",
            Rating.MEDIUM,
            Rating.MEDIUM,
            6,
        ),
        (
            "Coinvolgere gli operatori nella scelta degli strumenti",
            "Formare un gruppo di lavoro con operatori del {area} per provare e scegliere i nuovi strumenti.",
            Rating.LOW,
            Rating.MEDIUM,
            3,
        ),
    ),
    A.DATA_MANAGEMENT: (
        (
            "Mettere in sicurezza dati e accessi",
            "Backup fuori sede con prova di ripristino, autenticazione a due fattori e regole di accesso per "
            "ruolo, come base minima di sicurezza informatica.",
            Rating.LOW,
            Rating.HIGH,
            3,
        ),
        (
            "Cruscotto degli indicatori di reparto",
            "Costruire un cruscotto con pochi indicatori (consegne puntuali, efficienza, scarti) aggiornato dal "
            "gestionale.",
            Rating.MEDIUM,
            Rating.MEDIUM,
            6,
        ),
    ),
    A.AUTOMATION_AI: (
        (
            "Automatizzare le attività ripetitive d'ufficio",
            "Automatizzare l'inserimento di ordini e documenti di trasporto, liberando tempo qualificato.",
            Rating.MEDIUM,
            Rating.MEDIUM,
            6,
        ),
        (
            "Studio di fattibilità per il controllo qualità con visione artificiale",
            "Verificare con un fornitore e il Digital Innovation Hub la fattibilità del controllo automatico dei "
            "{output} in linea.",
            Rating.HIGH,
            Rating.MEDIUM,
            12,
        ),
    ),
    A.GREEN_DIGITAL: (
        (
            "Monitoraggio dei consumi energetici per linea",
            "Installare misuratori sulle {equipment} principali e collegare i consumi alle commesse, per "
            "ridurre i costi energetici.",
            Rating.MEDIUM,
            Rating.HIGH,
            6,
        ),
        (
            "Primo rapporto di sostenibilità",
            "Raccogliere i dati ambientali e sociali richiesti dai clienti e preparare un primo rapporto "
            "semplificato (standard VSME).",
            Rating.MEDIUM,
            Rating.MEDIUM,
            12,
        ),
    ),
    A.OPERATIONS_LEAN: (
        (
            "Ridurre i tempi di attrezzaggio (SMED)",
            "Applicare il metodo SMED alle {equipment} collo di bottiglia, con l'obiettivo di dimezzare i tempi "
            "di cambio.",
            Rating.MEDIUM,
            Rating.HIGH,
            6,
        ),
        (
            "Introdurre il 5S e la gestione a vista nel {area}",
            "Riordinare le postazioni, definire standard e indicatori esposti in reparto.",
            Rating.LOW,
            Rating.MEDIUM,
            3,
        ),
    ),
    A.FINANCE_CONTROL: (
        (
            "Controllo di gestione per commessa",
            "Calcolare il margine di ogni commessa confrontando preventivo e consuntivo, per rivedere prezzi "
            "e mix dei {output}.",
            Rating.MEDIUM,
            Rating.HIGH,
            6,
        ),
        (
            "Budget e previsione dei flussi di cassa",
            "Introdurre un budget annuale e una previsione di cassa a tredici settimane aggiornata ogni mese.",
            Rating.LOW,
            Rating.MEDIUM,
            3,
        ),
    ),
    A.MARKET_INTERNATIONAL: (
        (
            "Piano commerciale con mercati obiettivo",
            "Scegliere due mercati esteri, con il supporto dei servizi per l'internazionalizzazione, e definire "
            "canali, fiere e budget.",
            Rating.MEDIUM,
            Rating.HIGH,
            12,
        ),
        (
            "Adottare un CRM per l'ufficio commerciale",
            "Registrare contatti, offerte e visite per seguire le opportunità e ridurre la dipendenza dai "
            "clienti principali.",
            Rating.LOW,
            Rating.MEDIUM,
            6,
        ),
    ),
    A.ORGANISATION_PEOPLE: (
        (
            "Organigramma, deleghe e obiettivi",
            "Formalizzare ruoli e responsabilità, delegare le decisioni operative e fissare obiettivi annuali "
            "ai responsabili.",
            Rating.LOW,
            Rating.HIGH,
            6,
        ),
        (
            "Pianificare il passaggio generazionale",
            "Definire tempi e percorso di affiancamento per la nuova generazione e per i ruoli chiave.",
            Rating.MEDIUM,
            Rating.HIGH,
            18,
        ),
    ),
}

VISIT_NOTES = (
    "Incontro iniziale con la proprietà: obiettivi dell'assessment e calendario delle visite.",
    "Visita al {area} con il responsabile di produzione: flussi, {equipment} e raccolta dati.",
    "Analisi con l'amministrazione di bilancio, costi e controllo di gestione.",
    "Incontro con l'ufficio commerciale su clienti, mercati e offerte.",
    "Intervista ai capireparto e a un gruppo di operatori su competenze e strumenti.",
    "Verifica dei sistemi informatici e della sicurezza dei dati con il fornitore IT.",
    "Restituzione dei risultati alla proprietà e discussione delle raccomandazioni.",
)
PARTICIPANT_ROLES = (
    "responsabile di produzione",
    "responsabile amministrativo",
    "responsabile commerciale",
    "responsabile qualità",
    "consulente IT",
)
FEEDBACK_COMMENTS = {
    5: (
        "Il manager ha capito subito la nostra realtà e ci ha lasciato un piano concreto.",
        "Esperienza molto utile: le raccomandazioni sono già in corso.",
        "Competenza e disponibilità eccellenti, lo consiglieremmo ad altre imprese.",
    ),
    4: (
        "Buon lavoro, qualche raccomandazione andrebbe dettagliata nei costi.",
        "Utile soprattutto per la parte di controllo di gestione.",
        "",
    ),
    3: ("Interessante, ma i tempi sono stati stretti per approfondire la produzione.", ""),
    2: ("Ci aspettavamo più indicazioni pratiche sul digitale.",),
}
RETURN_COMMENTS = (
    "Le raccomandazioni sulla finanza vanno quantificate: indicate costi e tempi stimati. "
    "Aggiungete anche le evidenze raccolte sulla sicurezza dei dati."
)


def _band(level: int) -> str:
    return "low" if level <= 1 else "mid" if level <= 3 else "high"


def _when(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TIMEZONE)


def _sector(application: Application) -> Sector:
    return SECTORS.get(application.company.ateco_division, MANUFACTURING)


def _fill(text: str, sector: Sector) -> str:
    return text.format(area=sector.area, output=sector.output, equipment=sector.equipment)


def _levels(random, application: Application) -> dict[str, tuple[int, int]]:
    """Current and target level per dimension: the sector's usual standing, moved by the
    company's size and a little chance; the target is higher where the SME asked help."""
    sector = _sector(application)
    employees = application.company.employees
    size = -1 if employees < 10 else 1 if employees >= 50 else 0
    levels = {}
    for dimension in AssessmentArea.values:
        current = BASE_LEVELS[dimension] + sector.offsets.get(dimension, 0) + random.choice((-1, 0, 0, 0, 1))
        if dimension in SIZE_SENSITIVE or dimension == A.DIGITAL_READINESS:
            current += size
        current = max(0, min(4, current))
        step = 2 if dimension in application.needs or current <= 1 else random.choice((1, 1, 2))
        if current >= 4:
            step = random.choice((0, 1))
        levels[dimension] = (current, min(5, current + step))
    return levels


def _italian_labels() -> dict[str, str]:
    with translation.override("it"):
        return {code: str(label) for code, label in AssessmentArea.choices}


def _recommendations(
    random, application: Application, levels: dict[str, tuple[int, int]], count: int
) -> list[dict]:
    """The widest gaps first (and what the SME asked help with), each with one of its
    dimension's recommendations; priority follows the gap."""
    sector = _sector(application)
    ranked = sorted(
        AssessmentArea.values,
        key=lambda code: (
            -(levels[code][1] - levels[code][0]) - (1 if code in application.needs else 0),
            random.random(),
        ),
    )
    chosen = []
    for position, dimension in enumerate(ranked[:count]):
        title, description, effort, impact, horizon = random.choice(RECOMMENDATIONS[dimension])
        gap = levels[dimension][1] - levels[dimension][0]
        priority = Rating.HIGH if gap >= 2 else Rating.MEDIUM if position < 4 else Rating.LOW
        chosen.append(
            {
                "title": _fill(title, sector),
                "dimension": dimension,
                "description": _fill(description, sector),
                "priority": priority,
                "impact": impact,
                "effort": effort,
                "horizon_months": horizon,
                "position": position,
            }
        )
    return chosen


def _summary(
    application: Application, levels: dict[str, tuple[int, int]], visits: int, labels: dict[str, str]
) -> str:
    sector = _sector(application)
    company = application.company
    eu_mean = sum(levels[code][0] for code in EU_DIMENSIONS) / len(EU_DIMENSIONS)
    by_level = sorted(AssessmentArea.values, key=lambda code: (-levels[code][0], code))
    by_gap = sorted(AssessmentArea.values, key=lambda code: (-(levels[code][1] - levels[code][0]), code))
    strengths = ", ".join(labels[code].lower() for code in by_level[:2])
    priorities = ", ".join(labels[code].lower() for code in by_gap[:3])
    return (
        f"{company.legal_name} opera nel settore {sector.name} con {company.employees} addetti. "
        f"L'assessment, svolto in {visits} incontri, colloca l'impresa a {round(eu_mean * 20)}/100 "
        f"sulle sei dimensioni europee della maturità digitale.\n\n"
        f"I punti di forza sono {strengths}. Le priorità emerse riguardano {priorities}: "
        f"le raccomandazioni indicano come colmare il divario nei prossimi mesi."
    )


# Matching -----------------------------------------------------------------------------


def _breakdown(graph: scoring.CandidateGraph, sme_index: int, manager_index: int) -> tuple[Decimal, list]:
    breakdown = scoring.pair_breakdown(graph, sme_index=sme_index, manager_index=manager_index)
    parts = [
        {
            "part": part.name,
            "value": round(float(part.value), 4),
            "weight": round(float(part.weight), 4),
            "contribution": round(float(part.contribution), 4),
            "reason": part.reason,
        }
        for part in breakdown.parts
    ]
    return Decimal(str(round(float(breakdown.fit), 4))), parts


def _match(
    applications: list[Application],
    managers: list[Manager],
    capacities: dict[int, int],
    *,
    weights: scoring.Weights,
    persona_id: int | None,
) -> dict[int, tuple[Manager, Decimal, list]]:
    """Assign each application a manager within `capacities`, by the exact optimiser.
    Where no manager accepts an SME's province, managers are asked to travel (every
    province accepted) for the SMEs left over."""
    result: dict[int, tuple[Manager, Decimal, list]] = {}
    by_id = {manager.pk: manager for manager in managers}
    left = dict(capacities)
    pending = list(applications)
    for travel in (False, True):
        if not pending:
            break
        smes = [assessment_queries.sme_profile(application) for application in pending]
        profiles = [
            dataclasses.replace(
                assessment_queries.manager_profile(manager),
                capacity_left=left.get(manager.pk, 0),
                **({"accepted_provinces": frozenset(Province.values)} if travel else {}),
            )
            for manager in managers
        ]
        graph = scoring.build_candidate_graph(smes, profiles, weights=weights, minimum_fit=0.0)
        fit = np.array(graph.fit, dtype=np.float64)
        if persona_id is not None and persona_id in graph.manager_ids:
            persona_index = graph.manager_ids.index(persona_id)
            fit = np.where(graph.manager_index == persona_index, np.minimum(1.0, fit + PERSONA_BONUS), fit)
        assignment = optimiser.optimal_assignment(
            sme_count=len(smes),
            sme_index=graph.sme_index,
            manager_index=graph.manager_index,
            fit=fit,
            capacities=graph.capacities,
        )
        still = []
        for sme_index, application in enumerate(pending):
            manager_index = int(assignment[sme_index])
            if manager_index < 0:
                still.append(application)
                continue
            manager = by_id[graph.manager_ids[manager_index]]
            left[manager.pk] -= 1
            result[application.pk] = (manager, *_breakdown(graph, sme_index, manager_index))
        pending = still
    if pending:
        raise RuntimeError(f"{len(pending)} demo SMEs found no manager with capacity")
    return result


# The assessments ----------------------------------------------------------------------


@dataclass
class _Plan:
    application: Application
    manager: Manager
    fit: Decimal
    breakdown: list
    status: str
    assigned: datetime.datetime
    accepted: datetime.datetime
    submitted: datetime.datetime | None = None
    completed: datetime.datetime | None = None
    returned: datetime.datetime | None = None
    visits: int = 0
    findings: str = "none"  # none, partial, full
    recommendations: int = 0


def _completed_plan(
    random, application: Application, manager: Manager, fit: Decimal, breakdown: list
) -> _Plan:
    start = max(
        application.enrolled_at.date(),
        manager.decided_at.date() if manager.decided_at else application.enrolled_at.date(),
        manager.available_from or application.enrolled_at.date(),
    )
    assigned = _when(start + datetime.timedelta(days=random.randint(3, 12)), 10)
    accepted = assigned + datetime.timedelta(days=random.randint(1, 5), hours=random.randint(1, 6))
    submitted = accepted + datetime.timedelta(days=random.randint(35, 80), hours=random.randint(0, 5))
    completed = submitted + datetime.timedelta(days=random.randint(2, 10), hours=random.randint(0, 4))
    latest = _when(AS_OF - datetime.timedelta(days=3), 17)
    if completed > latest:
        # Finished in the last weeks before the demo's day: the work was shorter.
        shift = completed - latest
        submitted, completed = max(accepted + datetime.timedelta(days=28), submitted - shift), latest
        submitted = min(submitted, completed - datetime.timedelta(days=1))
    return _Plan(
        application=application,
        manager=manager,
        fit=fit,
        breakdown=breakdown,
        status=AssessmentStatus.COMPLETED,
        assigned=assigned,
        accepted=accepted,
        submitted=submitted,
        completed=completed,
        visits=random.randint(3, 7),
        findings="full",
        recommendations=random.randint(3, 6),
    )


def _open_plan(
    random,
    application: Application,
    manager: Manager,
    fit: Decimal,
    breakdown: list,
    status: str,
    overdue: bool,
    returned: bool,
) -> _Plan:
    if status == AssessmentStatus.ACCEPTED:
        accepted = _when(AS_OF - datetime.timedelta(days=random.randint(2, 12)), 11)
    elif status == AssessmentStatus.IN_PROGRESS:
        days = 100 if overdue else random.randint(20, 60)
        accepted = _when(AS_OF - datetime.timedelta(days=days), 11)
    else:
        accepted = _when(AS_OF - datetime.timedelta(days=random.randint(50, 80)), 11)
    assigned = accepted - datetime.timedelta(days=random.randint(1, 5), hours=2)
    plan = _Plan(
        application=application,
        manager=manager,
        fit=fit,
        breakdown=breakdown,
        status=status,
        assigned=assigned,
        accepted=accepted,
    )
    if status == AssessmentStatus.IN_PROGRESS:
        plan.visits = random.randint(1, 3)
        plan.findings = "partial"
        plan.recommendations = random.randint(0, 2)
        if returned:
            plan.visits, plan.findings, plan.recommendations = 4, "full", 3
            plan.submitted = _when(AS_OF - datetime.timedelta(days=9), 16)
            plan.returned = _when(AS_OF - datetime.timedelta(days=6), 10)
    elif status == AssessmentStatus.SUBMITTED:
        plan.visits = random.randint(3, 6)
        plan.findings = "full"
        plan.recommendations = random.randint(3, 6)
        plan.submitted = _when(AS_OF - datetime.timedelta(days=random.randint(1, 6)), 17)
    return plan


def _visit_dates(random, plan: _Plan) -> list[datetime.date]:
    first = plan.accepted.date() + datetime.timedelta(days=random.randint(4, 10))
    last = (
        (plan.submitted.date() - datetime.timedelta(days=2))
        if plan.submitted
        else AS_OF - datetime.timedelta(days=1)
    )
    last = max(last, first)
    span = (last - first).days
    if plan.visits <= 1:
        return [first]
    return sorted(
        {
            first + datetime.timedelta(days=round(span * step / (plan.visits - 1)))
            for step in range(plan.visits)
        }
    )


def _progress(context, stage: str, done: int, total: int) -> None:
    """Tell the command's progress bar, when there is one, how far this stage is."""
    report = getattr(context, "progress", None)
    if report is not None:
        report(stage, done, total)


def delete() -> None:
    """Remove the demo programme's assessments (with their visits, findings and the rest).
    Called before the programme itself is deleted: an assessment protects its manager,
    so the programme's managers cannot go while assessments hold them."""
    Assessment.objects.filter(programme__is_demo=True).delete()


def create(context) -> list[Assessment]:
    """Give the demo's 100 enrolled SMEs their assessments (84 completed, 16 open)."""
    random = context.random
    programme: Programme = context.programme
    staff = context.accounts.get(Role.STAFF)
    persona = context.accounts.get(Role.MANAGER)
    labels = _italian_labels()

    applications = list(
        Application.objects.filter(programme=programme, status=ApplicationStatus.ENROLLED)
        .select_related("company")
        .order_by("enrolled_at", "pk")
    )
    managers = list(
        Manager.objects.filter(programme=programme, status=ManagerStatus.SELECTED)
        .select_related("user")
        .prefetch_related("sector_experiences", "competences")
        .order_by("pk")
    )
    # Each demo company has one member: the person who applied.
    members = {
        membership.company_id: membership.user
        for membership in CompanyMembership.objects.filter(
            company__in=[application.company_id for application in applications]
        )
        .select_related("user")
        .order_by("created_at", "pk")
    }
    persona_manager = next(
        (manager for manager in managers if persona and manager.user_id == persona.pk), None
    )
    weights = assessment_queries.weights_of(programme)
    scale = getattr(context, "scale", 1)
    done, still_open = applications[: COMPLETED * scale], applications[COMPLETED * scale :]
    capacities = {manager.pk: manager.capacity for manager in managers}
    persona_id = persona_manager.pk if persona_manager else None

    # A completed assessment frees its manager's place: the completed ones were matched in
    # rounds, each within the pool's capacity (one round at the demo's size).
    round_size = max(1, sum(capacities.values()) * 3 // 4)
    matched_done: dict[int, tuple[Manager, Decimal, list]] = {}
    for first in range(0, len(done), round_size if scale > 1 else max(1, len(done))):
        chunk = done[first : first + (round_size if scale > 1 else len(done))]
        matched_done.update(_match(chunk, managers, capacities, weights=weights, persona_id=persona_id))
        _progress(context, "matching", len(matched_done), len(done))
    matched_open = _match(still_open, managers, capacities, weights=weights, persona_id=persona_id)

    plans = [_completed_plan(random, application, *matched_done[application.pk]) for application in done]
    # The open stages: the persona's first (one of each stage), then the rest shuffled.
    stages = [status for status, count in OPEN_PLAN for _ in range(count * scale)]
    ordered = sorted(still_open, key=lambda application: matched_open[application.pk][0].pk != persona_id)
    persona_count = sum(1 for application in ordered if matched_open[application.pk][0].pk == persona_id)
    head = [AssessmentStatus.SUBMITTED, AssessmentStatus.IN_PROGRESS, AssessmentStatus.ACCEPTED][
        :persona_count
    ]
    rest = list(stages)
    for status in head:
        rest.remove(status)
    random.shuffle(rest)
    marked_overdue = marked_returned = False
    for application, status in zip(ordered, head + rest, strict=True):
        manager, fit, breakdown = matched_open[application.pk]
        overdue = returned = False
        if status == AssessmentStatus.IN_PROGRESS and manager.pk != persona_id:
            if not marked_overdue:
                overdue = marked_overdue = True
            elif not marked_returned:
                returned = marked_returned = True
        plans.append(_open_plan(random, application, manager, fit, breakdown, status, overdue, returned))

    # Saved once complete (summary and dates included) further down: one insert, no update.
    assessments = [
        Assessment(
            programme=programme,
            application=plan.application,
            manager=plan.manager,
            status=plan.status,
            fit=plan.fit,
            breakdown=plan.breakdown,
            assigned_at=plan.assigned,
            answer_due_on=plan.assigned.date() + datetime.timedelta(days=programme.days_to_accept),
            accepted_at=plan.accepted,
            due_on=plan.accepted.date() + datetime.timedelta(days=programme.days_to_complete),
            submitted_at=plan.submitted,
            completed_at=plan.completed,
            returned_at=plan.returned,
            return_comments=RETURN_COMMENTS if plan.returned else "",
        )
        for plan in plans
    ]

    findings, recommendations, visits, outlines, feedback, entries = [], [], [], [], [], []
    content_type = ContentType.objects.get_for_model(Assessment)
    persona_sme = context.accounts.get(Role.SME_MEMBER)

    # Each entry with its assessment, whose id is known once the assessments are saved.
    def entry(assessment, actor, action, when, from_status="", to_status="", reason="", data=None):
        entries.append(
            (
                assessment,
                audit_entry(
                    programme=programme,
                    content_type=content_type,
                    actor=actor,
                    action=action,
                    when=when,
                    from_status=from_status,
                    to_status=to_status,
                    reason=reason,
                    data=data,
                ),
            )
        )

    for number_done, (assessment, plan) in enumerate(zip(assessments, plans, strict=True)):
        if number_done % 500 == 0:
            _progress(context, "visits, findings, recommendations", number_done, len(plans))
        application = plan.application
        sector = _sector(application)
        member_user = members.get(application.company_id)
        manager_user = plan.manager.user
        levels = _levels(random, application)

        # Visits: mostly half days on site, all confirmed by the SME once the work is done.
        dates = _visit_dates(random, plan) if plan.visits else []
        for number, held_on in enumerate(dates):
            on_site = random.random() < 0.75
            half_days = random.random() < 0.7
            answered = plan.status != AssessmentStatus.IN_PROGRESS or number < len(dates) - 1
            note = (
                VISIT_NOTES[0]
                if number == 0
                else VISIT_NOTES[-1]
                if number == len(dates) - 1 and plan.findings == "full"
                else random.choice(VISIT_NOTES[1:-1])
            )
            others = random.sample(PARTICIPANT_ROLES, random.randint(1, 2))
            visits.append(
                Visit(
                    assessment=assessment,
                    held_on=held_on,
                    duration_unit=DurationUnit.HALF_DAYS if half_days else DurationUnit.HOURS,
                    duration=Decimal(random.choice((1, 2, 2)))
                    if half_days
                    else Decimal(random.choice((3, 4, 5, 6))),
                    mode=VisitMode.ON_SITE if on_site else VisitMode.REMOTE,
                    participants=", ".join(
                        [
                            f"{application.contact_first_name} {application.contact_last_name} ({application.contact_role.lower()})",
                            *others,
                        ]
                    ),
                    preparation_hours=Decimal(random.choice((1, 1, 2, 2, 3, 4))),
                    notes=_fill(note, sector),
                    confirmation=VisitConfirmation.CONFIRMED if answered else VisitConfirmation.PENDING,
                    answered_by=member_user if answered else None,
                    answered_at=_when(held_on + datetime.timedelta(days=random.randint(1, 4)), 9)
                    if answered
                    else None,
                    recorded_by=manager_user,
                    created_at=_when(held_on, 18),
                )
            )

        # Findings: all ten dimensions when the report is written; some while at work.
        if plan.findings != "none":
            dimensions = AssessmentArea.values
            if plan.findings == "partial":
                dimensions = random.sample(AssessmentArea.values, random.randint(3, 7))
            for dimension in dimensions:
                current, target = levels[dimension]
                evidence, strengths, gaps = TEXTS[dimension][_band(current)]
                scored = plan.findings == "full" or random.random() < 0.7
                findings.append(
                    Finding(
                        assessment=assessment,
                        dimension=dimension,
                        current_level=current if scored else None,
                        target_level=target if scored else None,
                        evidence=_fill(evidence, sector),
                        strengths=_fill(strengths, sector),
                        gaps=_fill(gaps, sector) if scored else "",
                    )
                )
        chosen = (
            _recommendations(random, application, levels, plan.recommendations)
            if plan.recommendations
            else []
        )
        recommendations += [Recommendation(assessment=assessment, **item) for item in chosen]
        if plan.findings == "full":
            assessment.summary = _summary(application, levels, len(dates), labels)
            if chosen and random.random() < OUTLINE_SHARE:
                top = [item for item in chosen if item["priority"] == Rating.HIGH][:2] or chosen[:1]
                outlines.append(
                    ProjectOutline(
                        assessment=assessment,
                        title=f"{top[0]['title']}: progetto di sviluppo",
                        objectives=" ".join(item["description"] for item in top),
                        dimensions=sorted({item["dimension"] for item in top}),
                        estimated_cost=Decimal(random.randrange(25_000, 180_000, 5_000)),
                        duration_months=random.choice((6, 9, 12, 18)),
                    )
                )
        if dates:
            assessment.started_at = _when(dates[0], 9)
        if dates:
            assessment.draft_saved_at = plan.submitted or _when(dates[-1], 19)

        # The history, in the order it happened.
        entry(assessment, staff, "assigned", plan.assigned, to_status=AssessmentStatus.ASSIGNED)
        entry(
            assessment,
            manager_user,
            "accepted",
            plan.accepted,
            AssessmentStatus.ASSIGNED,
            AssessmentStatus.ACCEPTED,
        )
        if dates:
            entry(
                assessment,
                manager_user,
                "started",
                _when(dates[0], 9),
                AssessmentStatus.ACCEPTED,
                AssessmentStatus.IN_PROGRESS,
            )
        if plan.submitted:
            entry(
                assessment,
                manager_user,
                "submitted",
                plan.submitted,
                AssessmentStatus.IN_PROGRESS,
                AssessmentStatus.SUBMITTED,
            )
        if plan.returned:
            entry(
                assessment,
                staff,
                "returned",
                plan.returned,
                AssessmentStatus.SUBMITTED,
                AssessmentStatus.IN_PROGRESS,
                RETURN_COMMENTS,
            )
        if plan.completed:
            entry(
                assessment,
                staff,
                "completed",
                plan.completed,
                AssessmentStatus.SUBMITTED,
                AssessmentStatus.COMPLETED,
            )
            # The demo SME persona has not answered yet, so that its feedback can be tried.
            is_persona = (
                persona_sme is not None and member_user is not None and member_user.pk == persona_sme.pk
            )
            if member_user is not None and not is_persona and random.random() < FEEDBACK_SHARE:
                rating = random.choices((5, 4, 3, 2), weights=(45, 35, 15, 5))[0]
                given = plan.completed + datetime.timedelta(
                    days=random.randint(1, 12), hours=random.randint(0, 6)
                )
                given = min(given, _when(AS_OF, 12))
                feedback.append(
                    Feedback(
                        assessment=assessment,
                        rating=rating,
                        comment=random.choice(FEEDBACK_COMMENTS[rating]),
                        given_by=member_user,
                        created_at=given,
                    )
                )
                entry(assessment, member_user, "feedback_given", given, data={"rating": rating})

    Assessment.objects.bulk_create(assessments)
    for assessment, item in entries:
        item.object_id = str(assessment.pk)
    Visit.objects.bulk_create(visits)
    Finding.objects.bulk_create(findings)
    Recommendation.objects.bulk_create(recommendations)
    ProjectOutline.objects.bulk_create(outlines)
    Feedback.objects.bulk_create(feedback)
    AuditEntry.objects.bulk_create(item for _assessment, item in entries)

    # The counter the services keep, set to what was just created: each manager's open
    # ones, counted by the database in one update.
    Manager.objects.filter(programme=programme).update(
        open_assessments=programme_queries.per_row(
            Assessment.objects.filter(status__in=OPEN_STATUSES), "manager", Count("pk"), default=0
        )
    )
    # The averages' totals, which assessment_complete keeps one assessment at a time.
    totals.recount(programme)
    return assessments
