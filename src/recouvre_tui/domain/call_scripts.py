"""Call-script guide: parse, validate, select and render the scripts of the « Guide d'appel ».

Pure: no file I/O (``services.script_library`` reads the files), no Textual, no clock.

Script file format (see docs/scripts.md)
----------------------------------------
Markdown with a TOML front matter between two ``+++`` lines::

    +++
    id = "b2b-relance-neutre"          # unique in the library, [a-z0-9_-]
    title = "Relance d'une facture échue"
    segment = "B2B"                     # "B2B" | "B2C" | "any"
    stage = "follow_up"                 # codes.Stage value
    reasons = ["forgot"]                # optional: codes.Reason values (absent/empty = any)
    amount_min = 0                      # optional, euros, inclusive
    amount_max = 10000                  # optional, euros, inclusive
    tone = "neutre"                     # codes.Tone value
    +++
    ## Écouter
    « Bonjour, {agent_name}, pour {creditor}. »
    ## Identifier
    ...
    ## Proposer
    ...
    ## Conclure
    ...
    ## Objections
    - « Je n'ai pas reçu la facture » → duplicata par e-mail aujourd'hui

The four phases are required; ``Objections`` is optional. Variables are written ``{name}``
with ``name`` in :data:`VARIABLES`; there is no other syntax: no escapes, no expressions,
no filters, no attribute access. Anything else with a brace (``{{ 7*7 }}``, ``${HOME}``,
``{debtor_name.__class__}``, ``{unknown}``, a lone ``{`` or ``}``) is a validation error
reported with its line number. Rendering is one regular-expression pass that looks values
up in a dict: a value is inserted verbatim and never re-read, so a value that itself
contains ``{amount_due}`` stays literal. Nothing here calls ``str.format``, ``eval`` or a
template engine.

Default tone (``default_tone``): the first rule that matches wins, in this order
--------------------------------------------------------------------------------
1. hardship (stage ``hardship``) or reason ``temporary_difficulty``  → empathique
2. reason ``bad_faith`` or 2 broken promises or more                  → ferme
3. first contact (stage ``first_contact`` or ``is_first_contact``)    → empathique (B2C),
                                                                        neutre (B2B)
4. B2B balance of 10 000 € or more                                    → neutre
5. after a mise en demeure (stage ``after_formal_notice``)            → ferme
6. worn debtor (stage ``worn``): new approach                         → neutre
7. otherwise                                                          → neutre

Script selection (``select_script``)
------------------------------------
A script is a candidate when its stage equals the context's stage, its segment is the
context's segment or ``any``, its reasons are empty or contain the context's reason, and
the balance lies in its amount band (bounds inclusive). Among candidates in the wanted tone
(the requested one, else the default one) the best is: exact segment before ``any``, then a
matching reason before « any reason », then an amount band before none, then the narrower
reason list, then the id. Only when no candidate has the wanted tone does it fall back to
another tone (empathique → neutre → ferme, neutre → empathique → ferme,
ferme → neutre → empathique), and the explanation says so.

Collection agency: when the context (or ``render``) says ``collection_agency=True``, the
rendered Écouter phase starts with a line reminding the agent to identify the agency, the
creditor it acts for and the letter it sent (``{letter_ref}``), once the right party is on
the line (never to a third party).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import cast

from .codes import STAGE_LABELS_FR, Reason, Segment, Stage, Tone
from .fact_sheet import FactSheet
from .money import AmountError, format_eur, parse_amount

# --------------------------------------------------------------------------- vocabulary

PHASES: tuple[str, ...] = ("ecouter", "identifier", "proposer", "conclure")
PHASE_LABELS_FR: dict[str, str] = {
    "ecouter": "Écouter",
    "identifier": "Identifier",
    "proposer": "Proposer",
    "conclure": "Conclure",
}
_OBJECTIONS = "objections"
_SECTION_NAMES = (*PHASES, _OBJECTIONS)

# Allowed variables and the format the wiring must give them (docs/scripts.md).
VARIABLE_DESCRIPTIONS: dict[str, str] = {
    "debtor_name": "nom du débiteur : « M. Dupont », « SARL Dupont Frères »",
    "agent_name": "prénom et nom de l'agent : « Alice Martin »",
    "creditor": "créancier pour le compte duquel on appelle : « Recouvre Démo SAS »",
    "sales_rep": "commercial du compte : « Paul Durand »",
    "amount_due": "montant échu réclamé (hors factures contestées et à échoir) : « 1 500,00 € »",
    "invoices": "factures échues réclamées : « FA-1001, FA-1017 »",
    "invoice_count": "nombre de factures échues réclamées : « 2 factures échues »",
    "oldest_due_date": "échéance de la plus ancienne facture échue : « 31/08/2026 »",
    "days_late": "jours de retard de la plus ancienne facture échue, nombre seul : « 83 »",
    "oldest_late": "retard de la plus ancienne facture échue :"
    " « La plus ancienne a 60 jours de retard », « Elle a 1 jour de retard »",
    "overdue_summary": "« 2 factures échues (FA-1, FA-2) pour 1 500,00 €, la plus ancienne depuis 60 jours ;"
    " 2 000,00 € à échoir le 22/12 »",
    "not_yet_due": "montant à échoir : « 2 000,00 € à échoir le 22/12 »",
    "paid_since_contact": "« vous avez réglé 300,00 € depuis notre dernier échange »",
    "last_promise": "dernière promesse : « 1 200,00 € au 10/11/2026 »",
    "promise_outcome": "ce qu'il en est : « vous avez réglé 287,07 € sur 775,88 € ; le solde de 488,81 € reste dû »",
    "letter_ref": "le courrier cité (mise en demeure d'abord), par sa date : « du 30/10/2026 »",
    "letter_scope": "ce que ce courrier réclamait : « les factures FA-1, FA-2, pour 1 500,00 € »",
    "channels_used": "canaux de relance restés sans réponse : « nos SMS et e-mails »",
    "contested_invoices": "« la facture FA-1003 que vous contestez »",
    "contested_amount": "montant contesté : « 500,00 € »",
    "dispute_note": "« hors la facture FA-1003 que vous contestez, transmise à Paul Durand »",
    "proposed_plan": "échéancier proposé sur le montant échu : « 3 × 1 410,00 € (05/12, 05/01, 05/02) »",
    "penalties": "pénalités et indemnités réclamées (professionnels, si le créancier les réclame) :"
    " « 69,32 € de pénalités de retard et l'indemnité forfaitaire de 40 € par facture, soit 80,00 € »",
}
VARIABLES: frozenset[str] = frozenset(VARIABLE_DESCRIPTIONS)
MISSING_VALUE = "—"
SEGMENTS: tuple[str, ...] = (Segment.B2B.value, Segment.B2C.value, "any")

LARGE_B2B_BALANCE_CENTS = 1_000_000  # 10 000 €, rule 4 of the default tone
MAX_SCRIPT_CHARS = 50_000
MAX_PHASE_LINES = 6
MAX_LINE_CHARS = 200
MAX_OBJECTIONS = 12

AGENCY_OPENING = (
    "Société de recouvrement : dès l'interlocuteur confirmé, préciser :\n"
    "« Notre société de recouvrement intervient pour le compte de {creditor},"
    " au sujet de notre courrier {letter_ref}. »"
)
AGENCY_OPENING_NO_LETTER = (
    "Société de recouvrement : dès l'interlocuteur confirmé, préciser :\n"
    "« Notre société de recouvrement intervient pour le compte de {creditor}. »"
)
# Said whenever invoices are contested and the script does not word it itself.
DISPUTE_LINE = "« Ce montant s'entend {dispute_note}. »"

_FRONT_KEYS = (
    "id",
    "title",
    "segment",
    "stage",
    "reasons",
    "amount_min",
    "amount_max",
    "tone",
)
_REQUIRED_KEYS = ("id", "title", "segment", "stage", "tone")
_ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_NAME_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_RENDER_RE = re.compile(r"\{([a-z_]+)\}")
_HEADING_RE = re.compile(r"^##(?!#)\s*(.*?)\s*#*\s*$")
_TITLE_RE = re.compile(r"^#(?!#)\s")
_OBJECTION_RE = re.compile(r"^[-*]\s+«\s*(?P<obj>.+?)\s*»\s*(?:→|->)\s*(?P<ans>.+?)\s*$")
_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END_RE = re.compile(r"\s*\(at end of document\)\s*$")
_LINE_SPLIT_RE = re.compile(r"\r\n|\r|\n")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# In values: every control character, line/paragraph separators and bidi overrides.
_VALUE_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

_TONE_FALLBACK: dict[Tone, tuple[Tone, ...]] = {
    Tone.EMPATHIQUE: (Tone.NEUTRE, Tone.FERME),
    Tone.NEUTRE: (Tone.EMPATHIQUE, Tone.FERME),
    Tone.FERME: (Tone.NEUTRE, Tone.EMPATHIQUE),
}


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ScriptError:
    """One problem in one script file; ``line`` is 1-based (0 = the whole file or folder)."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.source}: {self.message}"
        return f"{self.source}:{self.line}: {self.message}"


class ScriptValidationError(ValueError):
    """A script file that does not validate; ``errors`` lists every problem found."""

    def __init__(self, errors: list[ScriptError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.source, e.line))
        super().__init__("\n".join(str(e) for e in self.errors))


class NoScriptError(LookupError):
    """No script of the library fits the context (stage, segment, reason, amount)."""


@dataclass(frozen=True)
class CallScript:
    id: str
    title: str
    segment: str  # "B2B" | "B2C" | "any"
    stage: Stage
    reasons: frozenset[Reason]  # empty = any reason
    amount_min_cents: int | None
    amount_max_cents: int | None
    tone: Tone
    phases: dict[str, str]  # keys PHASES, in that order; lines joined with "\n"
    objections: tuple[tuple[str, str], ...]
    source: str


@dataclass(frozen=True)
class ScriptContext:
    """What the selection and the default tone need to know about the call."""

    segment: str  # "B2B" | "B2C"
    stage: Stage
    reason: Reason | None = None
    balance_cents: int = 0
    broken_promises: int = 0
    is_first_contact: bool = False
    variables: dict[str, str] = field(default_factory=dict)
    collection_agency: bool = False  # settings.collection_agency
    fact_sheet: FactSheet | None = None  # where the variables come from (audit, `scripts show`)


@dataclass(frozen=True)
class RenderedScript:
    script_id: str
    title: str
    tone: Tone
    phases: dict[str, str]  # keys PHASES, variables substituted
    objections: tuple[tuple[str, str], ...]


# --------------------------------------------------------------------------- parsing


def _split_lines(text: str) -> list[str]:
    return _LINE_SPLIT_RE.split(text)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _section_key(heading: str) -> str:
    return _strip_accents(heading).casefold().strip()


def find_key_line(text: str, key: str) -> int:
    """Line (1-based) of ``key = …`` in the front matter of ``text``; 1 when not found."""
    lines = _split_lines(text.removeprefix("\ufeff"))
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    in_front = False
    for number, line in enumerate(lines, start=1):
        if line.strip() == "+++":
            if in_front:
                break
            in_front = True
            continue
        if in_front and pattern.match(line):
            return number
    return 1


def check_placeholders(line: str) -> list[str]:
    """Problems with the braces of one template line (empty list when it is fine)."""
    problems: list[str] = []
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if char == "}":
            problems.append("accolade fermante « } » sans accolade ouvrante")
            i += 1
            continue
        if char != "{":
            i += 1
            continue
        dollar = i > 0 and line[i - 1] == "$"
        if line.startswith("{{", i):
            end = line.find("}}", i + 2)
            stop = n if end < 0 else end + 2
            problems.append(
                f"« {line[i:stop]} » : les doubles accolades ne sont pas permises"
                " (pas de moteur de gabarit ; variables : {nom})"
            )
            i = stop
            continue
        match = _NAME_RE.match(line, i)
        if match and not dollar and match.group(1) in VARIABLES:
            i = match.end()
            continue
        end = line.find("}", i + 1)
        nxt = line.find("{", i + 1)
        if end < 0 or (0 <= nxt < end):
            problems.append("accolade ouvrante « { » sans accolade fermante")
            i += 1
            continue
        token = line[i : end + 1]
        if dollar:
            problems.append(f"« ${token} » : syntaxe non permise, écrire {{nom}}")
        elif match:
            problems.append(f"variable inconnue « {token} » (permises : {', '.join(sorted(VARIABLES))})")
        else:
            problems.append(f"variable mal formée « {token} » : seul {{nom}} est permis")
        i = end + 1
    return problems


def _euros_to_cents(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("montant attendu (nombre d'euros)")
    if isinstance(value, int):
        cents = value * 100
    elif isinstance(value, float):
        try:
            dec = Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError("montant illisible") from exc
        if not dec.is_finite() or dec != dec.quantize(Decimal("0.01")):
            raise ValueError("montant : deux décimales au plus")
        cents = int(dec * 100)
    elif isinstance(value, str):
        try:
            cents = parse_amount(value)
        except AmountError as exc:
            raise ValueError(str(exc)) from exc
    else:
        raise ValueError("montant attendu (nombre d'euros)")
    if cents < 0:
        raise ValueError("montant négatif")
    return cents


def _check_front(
    data: dict[str, object], text: str, source: str, front_line: int
) -> tuple[dict[str, object], list[ScriptError]]:
    errors: list[ScriptError] = []
    out: dict[str, object] = {}

    def err(key: str, message: str) -> None:
        errors.append(ScriptError(source, find_key_line(text, key), f"{key} : {message}"))

    for key in data:
        if key not in _FRONT_KEYS:
            err(key, f"clé inconnue (clés permises : {', '.join(_FRONT_KEYS)})")
    for key in _REQUIRED_KEYS:
        if key not in data:
            errors.append(ScriptError(source, front_line, f"clé obligatoire absente : {key}"))

    def text_value(key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            err(key, "texte non vide attendu")
            return None
        return value.strip()

    script_id = text_value("id")
    if script_id is not None:
        if _ID_RE.fullmatch(script_id):
            out["id"] = script_id
        else:
            err("id", f"« {script_id} » : lettres minuscules, chiffres, - et _ seulement")
    title = text_value("title")
    if title is not None:
        if "{" in title or "}" in title or _CONTROL_RE.search(title):
            err("title", "le titre ne peut contenir ni accolade ni caractère de contrôle")
        else:
            out["title"] = title
    segment = text_value("segment")
    if segment is not None:
        if segment in SEGMENTS:
            out["segment"] = segment
        else:
            err("segment", f"« {segment} » inconnu (permis : {', '.join(SEGMENTS)})")
    for key, enum in (("stage", Stage), ("tone", Tone)):
        value = text_value(key)
        if value is None:
            continue
        try:
            out[key] = enum(value)
        except ValueError:
            err(key, f"« {value} » inconnu (permis : {', '.join(m.value for m in enum)})")
    reasons = data.get("reasons", [])
    if not isinstance(reasons, list):
        err("reasons", 'liste attendue, par exemple reasons = ["forgot"]')
    else:
        parsed: set[Reason] = set()
        for item in reasons:
            try:
                parsed.add(Reason(item))
            except (ValueError, TypeError):
                err(
                    "reasons",
                    f"motif « {item} » inconnu (permis : {', '.join(r.value for r in Reason)})",
                )
        out["reasons"] = frozenset(parsed)
    for key in ("amount_min", "amount_max"):
        if key not in data:
            out[key] = None
            continue
        try:
            out[key] = _euros_to_cents(data[key])
        except ValueError as exc:
            err(key, str(exc))
    low, high = out.get("amount_min"), out.get("amount_max")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        err("amount_max", "amount_max est inférieur à amount_min")
    return out, errors


def _parse_toml(
    front_text: str, source: str, front_line: int, close_line: int
) -> tuple[dict[str, object] | None, list[ScriptError]]:
    try:
        return tomllib.loads(front_text), []
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = close_line
        pos = _TOML_POS_RE.search(message)
        if pos:
            line = front_line + int(pos.group(1))
            message = f"{message[: pos.start()]} (colonne {pos.group(2)})"
        else:
            message = _TOML_END_RE.sub("", message)
        return None, [ScriptError(source, line, f"en-tête TOML invalide : {message}")]


def parse_script(text: str, source: str) -> CallScript:
    """Parse and validate one script file; raise ScriptValidationError with every problem."""
    errors: list[ScriptError] = []
    if len(text) > MAX_SCRIPT_CHARS:
        raise ScriptValidationError(
            [ScriptError(source, 0, f"fichier trop long ({MAX_SCRIPT_CHARS} caractères au plus)")]
        )
    lines = _split_lines(text.removeprefix("\ufeff"))
    for number, line in enumerate(lines, start=1):
        if _CONTROL_RE.search(line):
            errors.append(ScriptError(source, number, "caractère de contrôle interdit"))

    # Front matter between the first two "+++" lines.
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ScriptValidationError([ScriptError(source, 1, "fichier vide")])
    if lines[first].strip() != "+++":
        errors.append(
            ScriptError(
                source,
                first + 1,
                "le fichier doit commencer par un en-tête TOML entre deux lignes +++",
            )
        )
        raise ScriptValidationError(errors)
    close = next((i for i in range(first + 1, len(lines)) if lines[i].strip() == "+++"), None)
    if close is None:
        errors.append(ScriptError(source, first + 1, "en-tête TOML non fermé (ligne +++ absente)"))
        raise ScriptValidationError(errors)
    front_line, close_line = first + 1, close + 1
    data, toml_errors = _parse_toml("\n".join(lines[first + 1 : close]), source, front_line, close_line)
    errors.extend(toml_errors)
    front: dict[str, object] = {}
    if data is not None:
        front, front_errors = _check_front(data, text.removeprefix("\ufeff"), source, front_line)
        errors.extend(front_errors)

    # Body: "## Section" headings.
    sections: dict[str, list[tuple[int, str]]] = {}
    section_line: dict[str, int] = {}
    current: str | None = None
    for index in range(close + 1, len(lines)):
        number, raw = index + 1, lines[index]
        line = raw.strip()
        heading = _HEADING_RE.match(line)
        if heading:
            key = _section_key(heading.group(1))
            if key not in _SECTION_NAMES:
                errors.append(
                    ScriptError(
                        source,
                        number,
                        f"section inconnue « ## {heading.group(1)} » (attendues : "
                        "Écouter, Identifier, Proposer, Conclure, Objections)",
                    )
                )
                current = ""  # swallow its lines: one error is enough
                continue
            if key in sections:
                errors.append(
                    ScriptError(
                        source,
                        number,
                        f"section « {heading.group(1)} » en double (déjà ligne {section_line[key]})",
                    )
                )
                current = ""
                continue
            current = key
            sections[key] = []
            section_line[key] = number
            continue
        if not line or current == "":
            continue
        if current is None:
            if not sections and _TITLE_RE.match(line):
                continue  # a "# Title" line before the sections is allowed and ignored
            errors.append(ScriptError(source, number, "texte hors section (## Écouter, …)"))
            continue
        if len(line) > MAX_LINE_CHARS:
            errors.append(ScriptError(source, number, f"ligne trop longue ({MAX_LINE_CHARS} caractères au plus)"))
        for problem in check_placeholders(line):
            errors.append(ScriptError(source, number, problem))
        sections[current].append((number, line))

    last_line = max((i + 1 for i, line in enumerate(lines) if line.strip()), default=1)
    phases: dict[str, str] = {}
    for key in PHASES:
        label = PHASE_LABELS_FR[key]
        if key not in sections:
            errors.append(ScriptError(source, last_line, f"section obligatoire absente : ## {label}"))
            continue
        body = sections[key]
        if not body:
            errors.append(ScriptError(source, section_line[key], f"section {label} vide"))
        elif len(body) > MAX_PHASE_LINES:
            errors.append(
                ScriptError(
                    source,
                    body[MAX_PHASE_LINES][0],
                    f"section {label} trop longue : {len(body)} lignes ({MAX_PHASE_LINES} au"
                    " plus, le guide doit rester lisible pendant l'appel)",
                )
            )
        phases[key] = "\n".join(line for _, line in body)

    objections: list[tuple[str, str]] = []
    for number, line in sections.get(_OBJECTIONS, []):
        match = _OBJECTION_RE.match(line)
        if not match:
            errors.append(ScriptError(source, number, "objection attendue : - « objection » → réponse"))
            continue
        objections.append((match.group("obj"), match.group("ans")))
    if len(objections) > MAX_OBJECTIONS:
        errors.append(
            ScriptError(
                source,
                section_line[_OBJECTIONS],
                f"trop d'objections ({len(objections)}, {MAX_OBJECTIONS} au plus)",
            )
        )

    if errors:
        raise ScriptValidationError(errors)
    return CallScript(
        id=str(front["id"]),
        title=str(front["title"]),
        segment=str(front["segment"]),
        stage=Stage(str(front["stage"])),
        reasons=cast(frozenset[Reason], front["reasons"]),
        amount_min_cents=cast(int | None, front["amount_min"]),
        amount_max_cents=cast(int | None, front["amount_max"]),
        tone=Tone(str(front["tone"])),
        phases=phases,
        objections=tuple(objections),
        source=source,
    )


# --------------------------------------------------------------------------- stage and tone


def stage_for(
    *,
    inbound: bool = False,
    open_dispute: bool = False,
    hardship: bool = False,
    after_formal_notice: bool = False,
    worn: bool = False,
    broken_promise: bool = False,
    never_contacted: bool = False,
) -> Stage:
    """The call's stage from the facts; the first true fact in this order wins.

    ``inbound`` (the debtor calls us) → inbound; ``open_dispute`` → dispute; ``hardship``
    (hardship declared) → hardship; ``after_formal_notice`` (a mise en demeure was sent and
    not followed by a response) → after_formal_notice; ``worn`` (usure des relances) → worn;
    ``broken_promise`` (a broken promise not yet followed up) → broken_promise;
    ``never_contacted`` (no right-party contact yet) → first_contact; else follow_up.
    """
    if inbound:
        return Stage.INBOUND
    if open_dispute:
        return Stage.DISPUTE
    if hardship:
        return Stage.HARDSHIP
    if after_formal_notice:
        return Stage.AFTER_FORMAL_NOTICE
    if worn:
        return Stage.WORN
    if broken_promise:
        return Stage.BROKEN_PROMISE
    if never_contacted:
        return Stage.FIRST_CONTACT
    return Stage.FOLLOW_UP


def default_tone(ctx: ScriptContext, *, large_b2b_cents: int = LARGE_B2B_BALANCE_CENTS) -> tuple[Tone, str]:
    """The tone to start with and the line « Pourquoi ce ton : … » (rules in the docstring)."""
    why = "Pourquoi ce ton : "
    b2b = str(ctx.segment) == Segment.B2B.value
    if ctx.stage == Stage.HARDSHIP:
        return Tone.EMPATHIQUE, why + "difficulté financière déclarée"
    if ctx.reason == Reason.TEMPORARY_DIFFICULTY:
        return Tone.EMPATHIQUE, why + "difficulté passagère"
    if ctx.reason == Reason.BAD_FAITH:
        return Tone.FERME, why + "mauvaise foi constatée"
    if ctx.broken_promises >= 2:
        return Tone.FERME, why + f"{ctx.broken_promises}e promesse rompue"
    # A first contact only while the stage says so (a worn or after-notice streak is not one).
    if ctx.stage == Stage.FIRST_CONTACT or (ctx.is_first_contact and ctx.stage == Stage.FOLLOW_UP):
        if b2b:
            return Tone.NEUTRE, why + "premier contact avec un professionnel"
        return Tone.EMPATHIQUE, why + "premier contact avec un particulier"
    if b2b and ctx.balance_cents >= large_b2b_cents:
        return (
            Tone.NEUTRE,
            why + f"compte professionnel important ({format_eur(ctx.balance_cents)})",
        )
    if ctx.stage == Stage.AFTER_FORMAL_NOTICE:
        return Tone.FERME, why + "mise en demeure restée sans effet"
    if ctx.stage == Stage.WORN:
        return Tone.NEUTRE, why + "usure des relances : nouvelle approche"
    return Tone.NEUTRE, why + "ton par défaut"


# --------------------------------------------------------------------------- selection


def _fits(script: CallScript, ctx: ScriptContext) -> bool:
    if script.stage != ctx.stage:
        return False
    if script.segment not in ("any", str(ctx.segment)):
        return False
    if script.reasons and ctx.reason not in script.reasons:
        return False
    if script.amount_min_cents is not None and ctx.balance_cents < script.amount_min_cents:
        return False
    return not (script.amount_max_cents is not None and ctx.balance_cents > script.amount_max_cents)


def _rank(script: CallScript, ctx: ScriptContext) -> tuple[int, int, int, int, str]:
    exact_segment = 0 if script.segment == str(ctx.segment) else 1
    reason_match = 0 if script.reasons and ctx.reason in script.reasons else 1
    has_band = script.amount_min_cents is not None or script.amount_max_cents is not None
    return (exact_segment, reason_match, 0 if has_band else 1, len(script.reasons), script.id)


def matching_scripts(scripts: Iterable[CallScript], ctx: ScriptContext) -> list[CallScript]:
    """Every script that fits the context, best first (all tones)."""
    return sorted((s for s in scripts if _fits(s, ctx)), key=lambda s: _rank(s, ctx))


def select_script(
    scripts: Iterable[CallScript], ctx: ScriptContext, tone: Tone | None = None
) -> tuple[CallScript, Tone, str]:
    """The best script for the call, its tone, and the one-line « Pourquoi ce ton : … ».

    Raises NoScriptError when no script fits the stage, segment, reason and amount.
    """
    candidates = matching_scripts(scripts, ctx)
    if not candidates:
        raise NoScriptError(
            f"aucun script pour l'étape « {STAGE_LABELS_FR.get(str(ctx.stage), str(ctx.stage))} » ({ctx.segment})"
        )
    if tone is None:
        wanted, explanation = default_tone(ctx)
    else:
        wanted, explanation = Tone(tone), "Pourquoi ce ton : choisi par l'agent"
    for candidate_tone in (wanted, *_TONE_FALLBACK[wanted]):
        for script in candidates:
            if script.tone == candidate_tone:
                if candidate_tone != wanted:
                    explanation += (
                        f" — pas de script « {wanted.value} » pour ce cas, ton « {candidate_tone.value} » à la place"
                    )
                return script, candidate_tone, explanation
    raise AssertionError("unreachable: candidates is not empty")  # pragma: no cover


# --------------------------------------------------------------------------- rendering


def _clean_value(value: object) -> str:
    text = _VALUE_CONTROL_RE.sub(" ", "" if value is None else str(value)).strip()
    return text or MISSING_VALUE


def render_text(template: str, variables: Mapping[str, object]) -> str:
    """Substitute ``{name}`` (name in VARIABLES) in one pass; values are never re-read.

    A missing or empty value gives « — ». Control characters in values (escape sequences,
    line breaks, bidi overrides) become spaces: a value cannot drive the terminal, reorder
    the text or break the layout.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in VARIABLES:
            return match.group(0)
        return _clean_value(variables.get(name))

    return _RENDER_RE.sub(replace, template)


def _has_values(template: str, variables: Mapping[str, object]) -> bool:
    """Every variable named in ``template`` has a value (a fact that applies)."""
    for name in _RENDER_RE.findall(template):
        if name in VARIABLES and _clean_value(variables.get(name)) == MISSING_VALUE:
            return False
    return True


def _render_lines(template: str, variables: Mapping[str, object]) -> str:
    """Render line by line, leaving out a line that names a fact which does not apply."""
    lines = [render_text(line, variables) for line in template.split("\n") if _has_values(line, variables)]
    return "\n".join(lines)


def render(script: CallScript, variables: Mapping[str, object], *, collection_agency: bool = False) -> RenderedScript:
    """Phases and objections with the variables substituted (see ``render_text``).

    A line (or an objection) naming a fact without a value is left out rather than shown
    with a blank: a script never says something the fact sheet does not hold. When invoices
    are contested (or await a credit note) and the script does not say so itself,
    ``DISPUTE_LINE`` ends the Identifier phase.
    """
    phases = {key: _render_lines(script.phases.get(key, ""), variables) for key in PHASES}
    uses_note = any("{dispute_note}" in text or "{contested_invoices}" in text for text in script.phases.values())
    if not uses_note and _has_values(DISPUTE_LINE, variables):
        phases["identifier"] = "\n".join(x for x in (phases["identifier"], render_text(DISPUTE_LINE, variables)) if x)
    if collection_agency:
        opening = AGENCY_OPENING if _has_values(AGENCY_OPENING, variables) else AGENCY_OPENING_NO_LETTER
        phases["ecouter"] = render_text(opening, variables) + "\n" + phases["ecouter"]
    objections = tuple(
        (render_text(obj, variables), render_text(ans, variables))
        for obj, ans in script.objections
        if _has_values(obj, variables) and _has_values(ans, variables)
    )
    return RenderedScript(
        script_id=script.id,
        title=script.title,
        tone=script.tone,
        phases=phases,
        objections=objections,
    )


def render_for(script: CallScript, ctx: ScriptContext) -> RenderedScript:
    """``render`` with the context's variables and collection-agency flag."""
    return render(script, ctx.variables, collection_agency=ctx.collection_agency)
