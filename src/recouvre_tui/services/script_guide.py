"""The call guide for a case: stage from the facts, script, tone and rendered text.

Facts come from the case file (events, promises, payments, score components, the lead's
overrides): no I/O besides loading the script library once, so tone switches are instant.
The TUI's guide panel and `recouvre scripts show` both use this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from ..domain.call_scripts import (
    CallScript,
    NoScriptError,
    RenderedScript,
    ScriptContext,
    ScriptError,
    render_for,
    select_script,
    stage_for,
)
from ..domain.codes import FORMAL_NOTICE_OUTCOME, STAGE_LABELS_FR, Reason, Stage, Tone
from ..domain.config import Settings
from ..domain.dates import PARIS, from_db
from ..domain.fact_sheet import (
    DisputeIn,
    EventIn,
    FactInputs,
    FactSheet,
    InvoiceIn,
    PaymentIn,
    PromiseIn,
    build_fact_sheet,
)
from ..domain.fact_sheet import InstalmentIn as FactInstalment
from ..domain.fact_wording import wording
from ..domain.money import format_eur
from ..domain.promises import build_schedule, max_instalments
from ..store.agents import Agent
from .case_file import CaseFile
from .script_library import load_scripts

TONES: tuple[Tone, ...] = (Tone.EMPATHIQUE, Tone.NEUTRE, Tone.FERME)


@dataclass(frozen=True)
class GuideView:
    stage: Stage
    stage_label: str
    script: CallScript | None
    tone: Tone | None
    why: str
    rendered: RenderedScript | None
    error: str | None = None
    sheet: FactSheet | None = None

    @property
    def script_id(self) -> str | None:
        return self.script.id if self.script else None


def _events(case: CaseFile) -> list[dict]:
    return [t.raw for t in case.timeline if t.kind == "event"]


def _last_response_at(case: CaseFile) -> datetime | None:
    times = [
        t.at
        for t in case.timeline
        if t.kind in ("payment", "promise") or (t.kind == "event" and t.raw.get("kind") == "response")
    ]
    return max(times) if times else None


def facts(case: CaseFile, settings: Settings) -> dict[str, bool]:
    """The facts `stage_for` needs, read from the case file."""
    events = _events(case)
    last_response = _last_response_at(case)
    responses = [e for e in events if e.get("kind") == "response"]
    latest_rpc = responses[0] if responses else None  # events are newest first
    notice_after_response = any(
        t.kind == "event"
        and t.raw.get("channel") == "letter"
        and t.raw.get("outcome") == FORMAL_NOTICE_OUTCOME
        and (last_response is None or t.at > last_response)
        for t in case.timeline
    )
    never = any(c.get("code") == "never_contacted" and c.get("points", 0) > 0 for c in case.components)
    if not case.components:
        never = not responses and not case.promises
    broken = int(case.debtor.get("priority_class") or 2) == 1 or (
        bool(case.promises) and case.promises[0].get("status") == "broken"
    )
    return {
        "open_dispute": bool(case.debtor.get("dispute_open")),
        "hardship": latest_rpc is not None and latest_rpc.get("outcome") == "hardship",
        "after_formal_notice": notice_after_response,
        "worn": case.wear_streak >= settings.wear.min_streak,
        "broken_promise": broken,
        "never_contacted": never,
    }


def _stage(case: CaseFile, settings: Settings) -> Stage:
    override = case.debtor.get("stage_override")
    if override:
        try:
            return Stage(override)
        except ValueError:
            pass
    return stage_for(**facts(case, settings))


def last_reason(case: CaseFile) -> Reason | None:
    for e in _events(case):
        if e.get("reason"):
            try:
                return Reason(e["reason"])
            except ValueError:
                return None
    return None


def _paris_day(text: str | None) -> date | None:
    at = from_db(text)
    return at.astimezone(PARIS).date() if at else None


def fact_inputs(case: CaseFile, agent: Agent, settings: Settings) -> FactInputs:
    """The fact sheet's inputs, read from the case file (the whole ledger, events, disputes)."""
    d = case.debtor
    letters = {int(x["id"]): x for x in case.letters}
    events: list[EventIn] = []
    for e in _events(case):
        on = _paris_day(e.get("at"))
        if on is None:
            continue
        letter = letters.get(int(e.get("id") or 0), {})
        events.append(
            EventIn(
                on=on,
                channel=str(e.get("channel")),
                direction=str(e.get("direction")),
                kind=str(e.get("kind")),
                outcome=e.get("outcome"),
                letter_ref=letter.get("letter_ref"),
                amount_cents=letter.get("amount_cents"),
                invoice_refs=tuple(letter.get("invoice_refs") or ()),
            )
        )
    promises = tuple(
        PromiseIn(
            ref=str(p["ref"]),
            created_on=_paris_day(p.get("created_at")) or date.min,
            status=str(p["status"]),
            instalments=tuple(
                FactInstalment(
                    date.fromisoformat(i["due_date"]), int(i["amount_cents"]), int(i["allocated_cents"] or 0)
                )
                for i in p.get("instalments", [])
            ),
        )
        for p in case.promises
        if p.get("status") != "cancelled"
    )
    latest: dict[str, dict] = {}
    for x in case.disputes:  # oldest first: the latest line of an invoice wins
        latest[str(x["invoice_ref"])] = x
    disputes = tuple(
        DisputeIn(
            invoice_ref=ref,
            opened_on=_paris_day(x.get("opened_at")) or date.min,
            status=str(x["status"]),
            amount_cents=int(x["amount_cents"] or 0),
            closed_on=_paris_day(x.get("closed_at")),
            handed_to=x.get("handed_to"),
        )
        for ref, x in latest.items()
    )
    return FactInputs(
        debtor_name=str(d.get("name") or ""),
        segment=str(d.get("segment") or "B2C"),
        agent_name=agent.name,
        creditor=settings.creditor_name,
        sales_rep=d.get("sales_rep") or None,
        invoices=tuple(
            InvoiceIn(
                ref=str(i["ref"]),
                issue_date=date.fromisoformat(i["issue_date"]) if i.get("issue_date") else None,
                due_date=date.fromisoformat(i["due_date"]),
                amount_cents=int(i["amount_cents"]),
                open_cents=int(i["open_cents"]),
            )
            for i in case.ledger_invoices
        ),
        payments=tuple(
            PaymentIn(date.fromisoformat(p["paid_on"]), int(p["amount_cents"]), p.get("invoice_ref"))
            for p in case.ledger_payments
        ),
        events=tuple(events),
        promises=promises,
        disputes=disputes,
        prescribed_refs=frozenset(case.prescribed_refs),
        claim=case.legal.amounts_for_debtor() if case.legal else None,
    )


def fact_sheet(case: CaseFile, agent: Agent, settings: Settings, today: date) -> FactSheet:
    return build_fact_sheet(fact_inputs(case, agent, settings), today)


def variables(case: CaseFile, agent: Agent, settings: Settings, today: date) -> dict[str, str | None]:
    """Every template variable, worded from the call's fact sheet and nothing else."""
    sheet = fact_sheet(case, agent, settings, today)
    return wording(sheet, proposed_plan=proposed_plan(sheet.overdue_cents, case, settings, today))


def proposed_plan(balance: int, case: CaseFile, settings: Settings, today: date) -> str | None:
    """« 3 × 1 410,00 € (07/12, 07/01, 08/02) »: a plan the rules would accept."""
    if balance <= 0:
        return None
    limit = max_instalments(balance, settings.promises) or 3
    count = max(1, min(3, limit, balance))
    first = today + timedelta(days=min(14, settings.promises.max_first_due_days))
    schedule = build_schedule(
        balance,
        count,
        first,
        area=case.area,
        move_to_working_day=settings.promises.move_to_working_day,
    )
    dates = ", ".join(i.due.strftime("%d/%m") for i in schedule)
    return f"{plan_amounts([i.amount_cents for i in schedule])} ({dates})"


def plan_amounts(amounts: list[int]) -> str:
    """« 3 × 500,00 € », or « 2 × 8 632,45 € puis 8 632,46 € » when the last one carries the cents."""
    runs: list[tuple[int, int]] = []
    for cents in amounts:
        if runs and runs[-1][1] == cents:
            runs[-1] = (runs[-1][0] + 1, cents)
        else:
            runs.append((1, cents))
    return " puis ".join(f"{n} × {format_eur(c)}" if n > 1 else format_eur(c) for n, c in runs)


def context(
    case: CaseFile,
    agent: Agent,
    settings: Settings,
    today: date,
    reason: str | None = None,
) -> ScriptContext:
    chosen: Reason | None = None
    if reason:
        try:
            chosen = Reason(reason)
        except ValueError:
            chosen = None
    f = facts(case, settings)
    sheet = fact_sheet(case, agent, settings, today)
    plan = proposed_plan(sheet.overdue_cents, case, settings, today)
    return ScriptContext(
        segment=str(case.debtor.get("segment") or "B2C"),
        stage=_stage(case, settings),
        reason=chosen or last_reason(case),
        # The amount claimed (overdue, not contested): what the call is about.
        balance_cents=sheet.overdue_cents,
        broken_promises=case.broken_promises,
        is_first_contact=f["never_contacted"],
        variables={k: v for k, v in wording(sheet, proposed_plan=plan).items() if v},
        collection_agency=settings.collection_agency,
        fact_sheet=sheet,
    )


def override_tone(case: CaseFile) -> Tone | None:
    value = case.debtor.get("tone_override")
    if not value:
        return None
    try:
        return Tone(value)
    except ValueError:
        return None


def build(scripts: list[CallScript], ctx: ScriptContext, tone: Tone | None) -> GuideView:
    """Select and render the script; a missing script is a message, never a crash."""
    label = STAGE_LABELS_FR.get(str(ctx.stage), str(ctx.stage))
    try:
        script, used, why = select_script(scripts, ctx, tone)
    except NoScriptError as exc:
        return GuideView(ctx.stage, label, None, tone, "", None, str(exc), ctx.fact_sheet)
    return GuideView(ctx.stage, label, script, used, why, render_for(script, ctx), None, ctx.fact_sheet)


def next_tone(current: Tone | None) -> Tone:
    if current is None:
        return TONES[0]
    return TONES[(TONES.index(current) + 1) % len(TONES)]


@lru_cache(maxsize=8)
def _library(folder: str | None) -> tuple[tuple[CallScript, ...], tuple[ScriptError, ...]]:
    scripts, errors = load_scripts(folder)
    return tuple(scripts), tuple(errors)


def library(settings: Settings) -> tuple[list[CallScript], list[ScriptError]]:
    """The packaged library merged with the team's folder (loaded once per process)."""
    scripts, errors = _library(settings.scripts_dir)
    return list(scripts), list(errors)


def guide_for(case: CaseFile, agent: Agent, *, today: date, settings: Settings, tone: Tone | None = None) -> GuideView:
    """The guide for a debtor in the requested tone, else the lead's override, else the default."""
    scripts, _errors = library(settings)
    ctx = context(case, agent, settings, today)
    return build(scripts, ctx, tone or override_tone(case))
