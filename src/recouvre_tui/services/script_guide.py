"""The call-script guide for one debtor: context from the case file → script, tone, rendering.

Used by the TUI's guide panel and by `recouvre scripts show`, so both always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from ..domain.call_scripts import (
    CallScript,
    RenderedScript,
    ScriptContext,
    ScriptError,
    render,
    select_script,
    stage_for,
)
from ..domain.codes import Disposition, Reason, Stage, Tone
from ..domain.config import Settings
from ..domain.dates import format_date_fr, from_db, paris_date
from ..domain.money import format_eur
from ..store.agents import Agent
from .case_file import CaseFile
from .script_library import load_scripts


@dataclass
class Guide:
    script: CallScript
    tone: Tone
    why_tone: str  # « Pourquoi ce ton : … »
    stage: Stage
    rendered: RenderedScript


@lru_cache(maxsize=8)
def _library(folder: str | None) -> tuple[tuple[CallScript, ...], tuple[ScriptError, ...]]:
    scripts, errors = load_scripts(folder)
    return tuple(scripts), tuple(errors)


def library(settings: Settings) -> tuple[list[CallScript], list[ScriptError]]:
    """The packaged library merged with the team's folder (loaded once per process)."""
    scripts, errors = _library(settings.scripts_dir)
    return list(scripts), list(errors)


def context_for(case: CaseFile, agent: Agent, *, now: datetime, settings: Settings) -> ScriptContext:
    d = case.debtor
    today = paris_date(now)
    events = [t.raw for t in case.timeline if t.kind == "event"]
    responded = any(e["kind"] == "response" for e in events) or any(t.kind == "payment" for t in case.timeline)
    last_reason = next((e["reason"] for e in events if e.get("reason")), None)
    last_rpc = next((e for e in events if e["kind"] == "response" and e["channel"] == "call"), None)
    notices = [e for e in events if e["channel"] == "letter" and e["outcome"] == "formal_notice"]
    year_ago = today - relativedelta(months=12)
    recent_notice = next((n for n in notices if (from_db(n["at"]) or now).date() >= year_ago), None)
    unfollowed_break = any(p["status"] == "broken" for p in case.promises) and d["priority_class"] == 1
    streak = case.wear_streak
    hardship = (last_rpc is not None and last_rpc["outcome"] == Disposition.HARDSHIP) or (
        last_reason == Reason.TEMPORARY_DIFFICULTY
    )
    if d.get("stage_override"):
        stage = Stage(d["stage_override"])
    else:
        stage = stage_for(
            inbound=False,
            open_dispute=bool(d["dispute_open"]),
            hardship=hardship,
            after_formal_notice=recent_notice is not None,
            worn=streak >= settings.wear.min_streak,
            broken_promise=unfollowed_break,
            never_contacted=not responded,
        )
    oldest = date.fromisoformat(d["oldest_due"]) if d.get("oldest_due") else None
    last_promise = next(iter(case.promises), None)
    balance = int(d["balance_cents"])
    variables = {
        "debtor_name": d["name"],
        "amount_due": format_eur(balance),
        "invoices": ", ".join(i["ref"] for i in case.invoices[:6]) + (" …" if len(case.invoices) > 6 else ""),
        "oldest_due_date": format_date_fr(oldest),
        "days_late": str(max((today - oldest).days, 0)) if oldest else "",
        "agent_name": agent.name,
        "creditor": settings.creditor_name,
        "sales_rep": d.get("sales_rep") or "",
        "last_promise": _promise_text(last_promise),
        "proposed_plan": _proposed_plan(balance, today),
        "letter_ref": (f"courrier du {format_date_fr((from_db(notices[0]['at']) or now).date())}" if notices else ""),
    }
    return ScriptContext(
        segment=d["segment"],
        stage=stage,
        reason=Reason(last_reason) if last_reason in {r.value for r in Reason} else None,
        balance_cents=balance,
        broken_promises=case.broken_promises,
        is_first_contact=stage == Stage.FIRST_CONTACT,
        variables={k: v for k, v in variables.items() if v},
        collection_agency=settings.collection_agency,
    )


def _promise_text(promise: dict | None) -> str:
    if not promise:
        return ""
    return f"{format_eur(promise['total_cents'])} au {format_date_fr(date.fromisoformat(promise['last_due']))}"


def _proposed_plan(balance_cents: int, today: date) -> str:
    """Three monthly instalments from about two weeks out: a starting point to negotiate."""
    if balance_cents <= 0:
        return ""
    n = 3
    base = balance_cents // n
    first = today + timedelta(days=14)
    dates = ", ".join((first + relativedelta(months=i)).strftime("%d/%m") for i in range(n))
    return f"{n} × {format_eur(base)} ({dates})"


def guide_for(case: CaseFile, agent: Agent, *, now: datetime, settings: Settings, tone: Tone | None = None) -> Guide:
    ctx = context_for(case, agent, now=now, settings=settings)
    scripts, _errors = library(settings)
    if case.debtor.get("tone_override") and tone is None:
        tone = Tone(case.debtor["tone_override"])
    script, chosen, why = select_script(scripts, ctx, tone)
    rendered = render(script, ctx.variables, collection_agency=ctx.collection_agency)
    return Guide(script, chosen, why, ctx.stage, rendered)
