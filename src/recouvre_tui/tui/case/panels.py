"""Markup for the case screen's panels: header, invoices, timeline, phones, guide, bar (pure)."""

from __future__ import annotations

from datetime import date

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ...domain.areas import holiday_name
from ...domain.callability import in_calling_window
from ...domain.codes import REASON_LABELS_FR
from ...domain.config import Settings
from ...domain.dates import PARIS, from_db
from ...domain.text import printable
from ...services.case_file import CaseFile
from ...services.script_guide import GuideView
from ..fmt import d_fr, dm_fr, esc, eur, lit, plural, siren
from ..outcome.draft import ACTION_LABELS, DIGIT_DISPOSITIONS, disposition_label

TIMELINE_MAX = 40


def in_window(case: CaseFile, settings: Settings) -> bool:
    local = case.local_time
    segment = str(case.debtor.get("segment") or "B2C")
    try:
        ok = in_calling_window(segment, local, settings.calling)
    except ValueError:
        ok = False
    return ok and holiday_name(case.area, local.date()) is None


def header(case: CaseFile, settings: Settings, today: date) -> str:
    d = case.debtor
    parts = [f"[b]{esc(d['name'])}[/]", str(d.get("segment") or "")]
    if d.get("siren"):
        parts.append(f"SIREN {siren(d['siren'])}")
    place = str(d.get("postcode") or "")
    if case.area.code != "FR" or not place:
        place = f"{place} {case.area.label}".strip()
    parts.append(esc(place))
    mark = "[b $success]✓ dans la plage[/]" if in_window(case, settings) else "[b $error]✗ hors plage[/]"
    parts.append(f"heure locale {case.local_time:%H:%M} {mark}")
    line1 = " · ".join(parts)

    balance = case.claimed_balance_cents
    line2 = [f"Solde [b]{eur(balance)}[/]"]
    if case.legal is not None and case.legal.statement.prescribed:
        line2.append(f"[$warning]prescrit, non réclamé : {eur(case.legal.statement.prescribed_cents)}[/]")
    doubtful = int(d.get("doubtful_cents") or 0)
    if doubtful > 0:
        # Moved to 416 by the accountant: the usual step before litigation, still to collect.
        line2.append(f"[b $warning]client douteux[/] ({eur(doubtful)} en 416)")
    if d.get("oldest_due"):
        oldest = date.fromisoformat(d["oldest_due"])
        line2.append(f"plus ancienne échéance {d_fr(oldest)} ({max((today - oldest).days, 0)} j)")
    broken = case.broken_promises
    if broken:
        line2.append(f"[b $error]{plural(broken, 'promesse rompue', 'promesses rompues')}[/]")
    else:
        line2.append("aucune promesse rompue")
    streak = case.wear_streak
    if streak:
        line2.append(f"usure : {plural(streak, 'relance')} sans réponse")
    else:
        line2.append("usure : —")

    line3 = [f"[dim]dossier {esc(case.ref)}[/]"]
    line3.append(f"commercial : {esc(d['sales_rep'])}" if d.get("sales_rep") else "commercial : —")
    if d.get("email"):
        line3.append(esc(d["email"]))
    for cb in case.callbacks[:1]:
        at = from_db(str(cb["due_at"]))
        if at is None:
            continue
        local = at.astimezone(case.area.zone)
        # The year whenever it is not this year (« 02/12/2031 16:30 », not « 02/12 16:30 »).
        day = f"{local:%d/%m}" if local.year == today.year else f"{local:%d/%m/%Y}"
        line3.append(f"rappel prévu {day} {local:%H:%M} (heure locale)")
    if d.get("dispute_open"):
        line3.append("[b $error]litige ouvert[/]")
    elif contested := _dispute_status(case):
        n = sum(1 for status in contested.values() if status == "open")
        if n:
            line3.append(f"[b $warning]litige sur {plural(n, 'facture')}[/]")
    if d.get("on_hold"):
        line3.append(f"[b $warning]en attente[/] {esc(d.get('hold_reason') or '')}".rstrip())
    if d.get("do_not_call"):
        line3.append("[b $error]ne pas appeler[/]")
    if d.get("overindebted_since"):
        since = date.fromisoformat(str(d["overindebted_since"]))
        line3.append(f"[b $error]surendettement depuis le {d_fr(since)} : aucune relance[/]")
    return "\n".join([line1, " · ".join(line2), " · ".join(line3)])


def _grid(*columns: tuple[str, str], pad: int = 2) -> Table:
    table = Table.grid(padding=(0, pad))
    for justify, style in columns:
        table.add_column(justify=justify, style=style, no_wrap=justify == "right")  # type: ignore[arg-type]
    return table


def _dispute_status(case: CaseFile) -> dict[str, str]:
    """Each invoice's latest dispute status (open, accepted, rejected)."""
    return {str(x["invoice_ref"]): str(x["status"]) for x in case.disputes}


DISPUTE_CELLS = {"open": "contestée", "accepted": "avoir attendu"}


def invoices(case: CaseFile, today: date, *, compact: bool = False) -> Group:
    rows = case.invoices
    disputed = _dispute_status(case)
    title = Text.from_markup(f"[b]Factures[/] ({plural(len(rows), 'ouverte')})")
    if not rows:
        return Group(title, Text("  aucune facture ouverte", style="dim"))
    heads = ["  réf.", "émise", "échéance", "reste dû", "retard"]
    if compact:
        heads.remove("émise")
    table = _grid(*[("right" if h in ("reste dû", "retard") else "left", "") for h in heads], pad=1 if compact else 2)
    table.add_row(*(Text(h, style="dim") for h in heads))
    prescribed = case.prescribed_refs
    for inv in rows:
        due = date.fromisoformat(inv["due_date"]) if inv.get("due_date") else None
        if due is None:
            late = ""
        elif disputed.get(str(inv["ref"])) in DISPUTE_CELLS:
            late = DISPUTE_CELLS[disputed[str(inv["ref"])]]  # out of the amount claimed
        elif due >= today:  # due today is not overdue yet (as in the call's fact sheet)
            late = "à échoir"
        else:
            late = f"{(today - due).days} j"
        amount = Text(eur(inv["open_cents"]))
        if inv.get("amount_cents") and inv["amount_cents"] != inv["open_cents"]:
            amount.append("*", style="dim")  # partly paid
        if inv["ref"] in prescribed:
            late = "prescrite"
        cells: list[str | Text] = [lit(f"  {inv['ref']}"), dm_fr(inv.get("issue_date")), dm_fr(due)]
        if compact:
            del cells[1]
        table.add_row(*cells, amount, late)
    parts: list[Table | Text] = [title, table]
    if any(i.get("amount_cents") and i["amount_cents"] != i["open_cents"] for i in rows):
        parts.append(Text("  * facture partiellement réglée", style="dim"))
    if (line := legal_line(case, compact=compact)) is not None:
        parts.append(line)
    return Group(*parts)


def legal_line(case: CaseFile, *, compact: bool = False) -> Text | None:
    """« pénalités de retard exigibles 69,32 € · indemnité forfaitaire 40 € × 2 »; when the
    creditor does not claim them, only a lead sees the amounts (never said to the debtor)."""
    claim = case.legal
    if claim is None or not (summary := claim.summary_fr()):
        return None
    # One part a line (« · » ends the line), so a narrow panel never cuts an amount in two.
    if compact:  # a narrow panel would wrap inside the amount
        summary = summary.replace("pénalités de retard exigibles", "pénalités exigibles")
    lines = "\n".join(f"  {part}" for part in summary.split(" · "))
    if claim.claim_penalties:
        return Text(lines, style="bold")
    if case.viewer_is_lead:
        return Text(f"  non réclamé (réglage du créancier) :\n{lines}", style="dim")
    return None


def timeline(case: CaseFile) -> Group:
    items = case.timeline[:TIMELINE_MAX]
    title = Text.from_markup("[b]Historique[/]")
    if not items:
        return Group(title, Text("  aucun contact ni paiement", style="dim"))
    table = _grid(("left", ""), ("left", ""))
    table.columns[1].ratio = 1
    table.expand = True
    for t in items:
        local = t.at.astimezone(PARIS)
        has_time = t.kind == "event" and bool(t.raw.get("has_time", 1))
        when = local.strftime("  %d/%m/%y %H:%M") if has_time else local.strftime("  %d/%m/%y")
        style = {"payment": "green", "promise": "yellow"}.get(t.kind, "")
        text = lit(t.text, style)
        if t.agent:
            text.append(printable(f" ({t.agent})"), style="dim")
        table.add_row(when, text)
    parts: list[Table | Text] = [title, table]
    if len(case.timeline) > TIMELINE_MAX:
        parts.append(Text(f"  … {len(case.timeline) - TIMELINE_MAX} éléments plus anciens", style="dim"))
    return Group(*parts)


def phones(case: CaseFile, selected: int | None) -> str:
    lines = ["[b]Téléphones[/] [dim](a : changer de numéro)[/]"]
    if not case.phones:
        lines.append("  [dim]aucun numéro[/]")
    for i, p in enumerate(case.phones):
        number = p.get("national") or p.get("raw") or ""
        valid = "valide" if p.get("valid") else "[$error]invalide[/]"
        flags = " [b $warning]⚠ à vérifier[/]" if p.get("to_verify") else ""
        mark = "☎" if i == selected else " "
        called = "  [b]◀ appelé[/]" if i == selected else ""
        lines.append(f"  {mark} {esc(number):<18} {esc(p.get('kind') or ''):<8} {valid}{flags}{called}")
    return "\n".join(lines)


def guide_head(view: GuideView | None) -> str:
    if view is None:
        return "[b]Guide d'appel[/]\n[dim]chargement…[/]"
    tone = view.tone.value if view.tone else "—"
    head = f"[b]Guide d'appel[/] — {esc(view.stage_label)} · ton : [b $accent]{tone}[/] [dim](t : changer de ton)[/]"
    if view.rendered is None:
        return f"{head}\n\n[$warning]{esc(view.error or 'aucun script')}[/]"
    r = view.rendered
    return "\n".join([head, f"[i]{esc(view.why)}[/]", f"[dim]{esc(r.title)} · {esc(r.script_id)}[/]"])


def guide_phase(view: GuideView | None, key: str) -> str:
    if view is None or view.rendered is None:
        return ""
    return esc(view.rendered.phases.get(key, ""))


def guide_objections(view: GuideView | None) -> str:
    if view is None or view.rendered is None or not view.rendered.objections:
        return ""
    lines = ["[b]Objections[/]"]
    for obj, answer in view.rendered.objections:
        lines.append(f"• « {esc(obj)} » → {esc(answer)}")
    return "\n".join(lines)


def _key(key: str, text: str, action: str, selected: bool) -> str:
    if selected:
        return f"[@click={action}][reverse][b]\\[{key}][/b] {text}[/reverse][/]"
    return f"[@click={action}][b $accent]\\[{key}][/] {text}[/]"


def _keys(items: list[tuple[str, str, str, bool]]) -> tuple[str, int]:
    """Markup for a row of clickable keys, and its width on screen."""
    markup = "  ".join(_key(k, text, action, sel) for k, text, action, sel in items)
    width = sum(len(f"[{k}] {text}") for k, text, _a, _s in items) + 2 * (len(items) - 1)
    return markup, width


def outcome_keys(disposition: str | None, actions: list[str], width: int = 160) -> str:
    """The clickable key legend: two lines when wide, four when narrow (100 columns)."""
    digits = [
        (k, disposition_label(code), f"screen.dispo('{k}')", disposition == code)
        for k, code in DIGIT_DISPOSITIONS.items()
    ]
    forms = [
        ("p", "promesse", "screen.promise", disposition == "promise"),
        ("e", "échéancier", "screen.plan", disposition == "plan"),
        ("r", "rappel", "screen.callback", disposition == "callback"),
        ("m", "motif", "screen.reason", False),
    ]
    extras = [
        ("d", "duplicata", "screen.duplicate", "duplicate" in actions),
        ("c", "commercial", "screen.sales_rep", "sales_rep" in actions),
        ("n", "note", "screen.note", False),
        ("t", "ton", "screen.tone", False),
    ]
    left1, w1 = _keys(digits[:5])
    left2, w2 = _keys(digits[5:])
    right1, r1 = _keys(forms)
    right2, r2 = _keys(extras)
    wide = max(w1, w2)
    if 8 + wide + 4 + max(r1, r2) <= width - 2:
        return f"Issue : {left1}{' ' * (wide - w1)}  │ {right1}\n        {left2}{' ' * (wide - w2)}  │ {right2}"
    return f"Issue : {left1}\n        {left2}\n        {right1}\n        {right2}"


def selection(
    disposition: str | None,
    reason: str | None,
    note: str | None,
    actions: list[str],
    phone: str | None,
    saving: bool,
) -> str:
    if saving:
        return "[b $warning]enregistrement…[/]"
    parts = []
    if disposition:
        parts.append(f"[b reverse] {disposition_label(disposition)} [/]")
    else:
        parts.append("[dim]aucune issue : 1 à 9, ou p / e / r[/]")
    parts.append(f"motif : {REASON_LABELS_FR.get(reason, '—') if reason else '—'}")
    parts.append("note ✓" if note else "note —")
    if actions:
        parts.append("actions : " + ", ".join(ACTION_LABELS[a] for a in actions))
    if phone:
        parts.append(f"n° {esc(phone)}")
    tail = "  → [b]Entrée[/] enregistre" if disposition else ""
    return "Sélection : " + " · ".join(parts) + tail
