"""The weekly wear report as JSON, CSV and text (`recouvre report wear --format …`).

JSON and CSV speak codes (docs/codes.md), amounts in euros with two decimals and ISO
dates; the text report speaks French. The French for the rate is always « taux d'usure
des relances »: the bare « taux d'usure » is the legal usury-rate ceiling.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from datetime import date
from typing import Any

import pyfiglet

from recouvre_tui.domain.codes import label
from recouvre_tui.domain.money import cents_to_euros, format_eur
from recouvre_tui.domain.wear import FlaggedDebtor, WearReport, breakdown
from recouvre_tui.reports import safe_csv

RATE_LABEL = "taux d'usure des relances"
FLAGGED_COLUMNS = (
    "debtor_ref",
    "name",
    "segment",
    "agent",
    "streak",
    "newly_worn",
    "first_reminder_on",
    "last_response_on",
    "days_silent",
    "balance",
    "last_channel",
    "recommendations",
)
_SPARKS = "▁▂▃▄▅▆▇█"
_EIGHTHS = " ▏▎▍▌▋▊▉"


# -- JSON / CSV ---------------------------------------------------------------------------


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def debtor_json(f: FlaggedDebtor) -> dict[str, Any]:
    return {
        "debtor_ref": f.debtor_ref,
        "name": f.name,
        "segment": f.segment,
        "agent": f.agent,
        "streak": f.streak,
        "newly_worn": f.newly_worn,
        "first_reminder_on": f.first_reminder_on.isoformat(),
        "last_response_on": None if f.last_response_on is None else f.last_response_on.isoformat(),
        "days_silent": f.days_silent,
        "balance": cents_to_euros(f.balance_cents),
        "last_channel": f.last_channel,
        "recommendations": [str(r) for r in f.recommendations],
    }


def to_json(report: WearReport) -> dict[str, Any]:
    """The documented fields (README, `report wear`): week, active, worn, newly_worn, unreminded, wear_rate (0–1),
    debtors (the flagged ones), fatigue_curve."""
    return {
        "week": report.week,
        "active": report.active,
        "worn": report.worn,
        "newly_worn": report.newly_worn,
        "unreminded": report.unreminded,
        "wear_rate": _rate(report.wear_rate),
        "debtors": [debtor_json(f) for f in report.debtors],
        "fatigue_curve": [
            {"k": p.k, "reminders": p.reminders, "followed": p.followed, "share": _rate(p.share)}
            for p in report.fatigue_curve
        ],
    }


def to_csv(report: WearReport) -> str:
    """The flagged debtors, one row each (comma, point decimal, header = the JSON keys),
    recommendations joined by `|`."""
    buf = io.StringIO()
    w = safe_csv.writer(buf, lineterminator="\n")
    w.writerow(FLAGGED_COLUMNS)
    for f in report.debtors:
        row = debtor_json(f)
        row["recommendations"] = "|".join(row["recommendations"])
        row["newly_worn"] = int(f.newly_worn)
        row["balance"] = f"{f.balance_cents / 100:.2f}"
        w.writerow(["" if row[c] is None else row[c] for c in FLAGGED_COLUMNS])
    return buf.getvalue()


# -- text ---------------------------------------------------------------------------------


def percent_fr(value: float | None, decimals: int = 1) -> str:
    """0.314 → « 31,4 % » (no-break space before the sign)."""
    if value is None:
        return "—"
    return f"{value * 100:.{decimals}f}".replace(".", ",") + "\u00a0%"


def delta_fr(rate: float | None, previous: float | None) -> str:
    """« ▲ 2,1 pts », « ▼ 0,5 pt », « = 0,0 pt »; empty when either rate is unknown."""
    if rate is None or previous is None:
        return ""
    points = round((rate - previous) * 100, 1)
    arrow = "▲" if points > 0 else "▼" if points < 0 else "="
    size = abs(points)
    unit = "pts" if size >= 2 else "pt"
    return f"{arrow} {size:.1f}".replace(".", ",") + f"\u00a0{unit}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{_int_fr(n)} {one if n <= 1 else many}"


def _int_fr(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _ordinal(k: int) -> str:
    return "1re" if k == 1 else f"{k}e"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def sparkline(values: Sequence[float | None]) -> str:
    """One block per value, scaled from the smallest to the largest; a space for None."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    lo, hi = min(known), max(known)
    span = hi - lo
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif span == 0:
            out.append(_SPARKS[len(_SPARKS) // 2])
        else:
            out.append(_SPARKS[round((v - lo) / span * (len(_SPARKS) - 1))])
    return "".join(out)


def _bar(share: float, width: int) -> str:
    """A horizontal bar of `share` (0–1) of `width` cells, to an eighth of a cell."""
    eighths = round(max(0.0, min(share, 1.0)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[part] if part else "")).ljust(width)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def fmt(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(parts).rstrip()

    return [fmt(headers), "  ".join("─" * w for w in widths), *[fmt(r) for r in rows]]


def _breakdown_lines(report: WearReport, by: str, title: str, key_label: Any) -> list[str]:
    rows = [
        [key_label(key), _int_fr(a), _int_fr(w), percent_fr(rate)]
        for key, a, w, rate in breakdown(report, by)  # type: ignore[arg-type]
    ]
    if not rows:
        return [title, "  (aucun débiteur actif)"]
    return [title, *("  " + line for line in _table(["", "actifs", "usés", "taux"], rows, {1, 2, 3}))]


def _week_span(report: WearReport) -> str:
    monday = report.sunday.toordinal() - 6
    return f"du {date.fromordinal(monday):%d/%m/%Y} au {report.sunday:%d/%m/%Y}"


def to_text(
    report: WearReport,
    previous_rate: float | None = None,
    trend: Sequence[tuple[str, float | None]] = (),
    width: int = 120,
    *,
    limit: int | None = None,
    prescribing: tuple[int, int, int] | None = None,
) -> str:
    """The report for a reader: heading, headline figures, trend, fatigue curve, breakdowns
    by segment / agent / last channel, and the flagged debtors (at most `limit` of them).
    No line is wider than `width`."""
    width = max(width, 60)
    lines: list[str] = []
    banner = pyfiglet.figlet_format("Usure des relances", font="small", width=width)
    lines += [line.rstrip() for line in banner.rstrip("\n").split("\n")]
    lines.append(f"Semaine {report.week} ({_week_span(report)})")
    lines.append("")

    head = f"{RATE_LABEL} {percent_fr(report.wear_rate)}"
    delta = delta_fr(report.wear_rate, previous_rate)
    if delta:
        head += f" ({delta})"
    if report.wear_rate is None:
        head += " (aucun débiteur actif)"
    lines.append(head)
    lines.append(
        f"{_plural(report.worn, 'débiteur usé', 'débiteurs usés')} dont "
        f"{_plural(report.newly_worn, 'nouveau', 'nouveaux')}"
        f" · {_plural(report.active, 'débiteur actif', 'débiteurs actifs')}"
        f" · {_int_fr(report.unreminded)} sans relance"
    )
    if trend:
        values = [r for _, r in trend]
        known = [v for v in values if v is not None]
        span = f" (de {percent_fr(min(known))} à {percent_fr(max(known))})" if known else ""
        lines.append(f"Tendance sur {len(trend)} semaines : {sparkline(values)}{span}")
    if prescribing is not None:
        lines.append(prescription_line(*prescribing))
    lines.append("")

    lines.append("Courbe de fatigue : réponse dans les 7 jours après la k-ième relance d'une série")
    bar_width = max(10, min(50, width - 50))
    for p in report.fatigue_curve:
        share = p.share or 0.0
        detail = f"({_int_fr(p.followed)} / {_int_fr(p.reminders)})" if p.reminders else "(aucune)"
        lines.append(
            f"  {_ordinal(p.k):>3} relance  {_bar(share, bar_width)} {percent_fr(p.share):>8}  {detail}".rstrip()
        )
    lines.append("")

    lines += _breakdown_lines(report, "segment", "Par segment", lambda k: f"{k} ({label(k)})")
    lines.append("")
    lines += _breakdown_lines(report, "agent", "Par agent", lambda k: "(non affecté)" if k is None else k)
    lines.append("")
    lines += _breakdown_lines(report, "last_channel", "Par dernier canal", lambda k: label(k) or "—")
    lines.append("")

    lines += _flagged_lines(report.debtors, width, limit)
    return "\n".join(_cut(line, width) for line in lines) + "\n"


def prescription_line(count: int, cents: int, days: int) -> str:
    """The lead's reminder to act before invoices prescribe (C. conso L218-2, C. com. L110-4)."""
    if count == 0:
        return f"Prescription : aucune facture impayée ne se prescrit dans les {days} jours"
    verb = "sera prescrite" if count == 1 else "seront prescrites"
    return (
        f"Prescription : {_plural(count, 'facture impayée', 'factures impayées')} ({format_eur(cents)}) "
        f"{verb} dans les {days} jours sans action : agir avant (recouvre prescription)"
    )


def _flagged_lines(debtors: Sequence[FlaggedDebtor], width: int, limit: int | None) -> list[str]:
    if not debtors:
        return ["Débiteurs usés : aucun"]
    shown = debtors if limit is None else debtors[:limit]
    headers = ["Réf.", "Nom", "Série", "Silence", "Solde", "Recommandations"]
    rows = [
        [
            ("• " if f.newly_worn else "  ") + f.debtor_ref,
            f.name,
            str(f.streak),
            f"{f.days_silent} j",
            format_eur(f.balance_cents),
            ", ".join(label(r) for r in f.recommendations) or "—",
        ]
        for f in shown
    ]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers[:5])]
    widths[1] = min(widths[1], 28)
    fixed = sum(widths) + 2 * 5
    rec_width = max(20, width - fixed)
    right = {2, 3, 4}

    def fmt(cells: Sequence[str]) -> str:
        out = []
        for i, (cell, w) in enumerate(zip(cells, widths, strict=False)):
            cell = _cut(cell, w)
            out.append(cell.rjust(w) if i in right else cell.ljust(w))
        return "  ".join(out)

    lines = [
        f"Débiteurs usés ({_int_fr(len(debtors))}, • = nouveau cette semaine)",
        fmt(headers[:5]) + "  " + headers[5],
        "  ".join("─" * w for w in widths) + "  " + "─" * min(rec_width, 40),
    ]
    blank = [""] * 5
    for r in rows:
        wrapped = textwrap.wrap(r[5], rec_width) or [""]
        lines.append(fmt(r[:5]) + "  " + wrapped[0])
        lines += [(fmt(blank) + "  " + more) for more in wrapped[1:]]
    if limit is not None and len(debtors) > limit:
        lines.append(f"… et {_int_fr(len(debtors) - limit)} autres")
    return [line.rstrip() for line in lines]
