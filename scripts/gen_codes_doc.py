"""Write docs/codes.md from `recouvre_tui.domain.codes` (the codes and their French labels).

    python scripts/gen_codes_doc.py        # rewrite docs/codes.md
    python scripts/gen_codes_doc.py --check  # exit 1 when docs/codes.md is out of date

`tests/test_docs.py` fails when the file differs from what this script writes: after adding
a code, run the script and describe the new code in `MEANINGS` below.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

from recouvre_tui.domain import codes as c
from recouvre_tui.tui.promises.detail import INSTALMENT_LABELS

DOC = Path(__file__).resolve().parents[1] / "docs" / "codes.md"

# One line of English per code; a code without one is listed with "—" until described.
MEANINGS: dict[str, str] = {
    "B2B": "a company (professionnel)",
    "B2C": "a private person (particulier)",
    "call": "a phone call",
    "letter": "a letter; with outcome `formal_notice`, a mise en demeure",
    "email": "an e-mail",
    "sms": "a text message",
    "out": "from us to the debtor",
    "in": "from the debtor to us (always a response)",
    "no_answer": "nobody picked up (reminder)",
    "busy": "line busy (reminder)",
    "voicemail": "message left on voicemail (reminder)",
    "third_party": "someone else answered (reminder)",
    "wrong_number": "not the debtor's number: neither reminder nor response; listed « numéro à vérifier »",
    "invalid_number": "the number does not work: as `wrong_number`",
    "promise": "the debtor promised to pay (a promise is recorded)",
    "plan": "an instalment plan was agreed (a promise with several instalments)",
    "paid": "the debtor pays now",
    "dispute": "the debtor disputes the debt: opens a dispute until a lead closes it",
    "refusal": "the debtor refuses to pay",
    "callback": "the debtor asked to be called back at a given time",
    "hardship": "the debtor is in financial hardship",
    "forgot": "forgot to pay",
    "temporary_difficulty": "temporary cash difficulty",
    "payment_technical": "a technical problem paying",
    "payment_path_unclear": "unclear payment path (who approves, where to pay)",
    "bad_faith": "bad faith",
    "empathique": "empathetic tone",
    "neutre": "neutral tone",
    "ferme": "firm tone",
    "first_contact": "no right-party contact yet",
    "follow_up": "an ordinary follow-up",
    "broken_promise": "after a broken promise",
    "after_formal_notice": "after a mise en demeure",
    "worn": "the debtor is worn: a new approach",
    "inbound": "the debtor called us",
    "change_channel": "every reminder of the streak used one channel",
    "change_interlocutor": "≥ 2 call attempts in the streak, all by the same agent (B2B: involve the sales rep)",
    "formal_notice": "streak ≥ 6 and no mise en demeure in the last 12 months",
    "order_for_payment_commercial": "B2B, a mise en demeure sent on or before S − 15 days",
    "small_claims_procedure": "B2C owing ≤ 5 000 €, a mise en demeure sent on or before S − 15 days",
    "order_for_payment_civil": "B2C owing > 5 000 €, a mise en demeure sent on or before S − 15 days",
    "change_time_slot": "≥ 3 call attempts in the streak, all within 2 hours of local clock time",
    "pending": "neither kept nor broken yet",
    "kept": "every instalment paid within grace",
    "broken": "an instalment was missed (final)",
    "cancelled": "cancelled by a user, with a reason",
    "missed": "not paid and the evaluation date is after due + grace",
    "no_balance": "nothing owed",
    "claimed": "another agent holds a live claim",
    "on_hold": "put on hold by a lead",
    "do_not_call": "marked do-not-call by a lead",
    "promise_pending": "every unpaid instalment of a pending promise is still in the future",
    "outside_hours": "outside the calling window in the debtor's local time",
    "holiday": "a public holiday in the debtor's area",
    "attempt_cap": "7 call attempts in the rolling 7 days",
    "min_interval": "less than 4 hours since the last attempt",
    "no_valid_phone": "no valid phone number",
    "agent": "works a portfolio and the team pool",
    "lead": "sees everyone; assigns, holds, reviews, reads the audit trail",
}

# (title, enum, labels, English meanings override), in the order of the document.
SECTIONS: list[tuple[str, type[StrEnum], dict[str, str], dict[str, str]]] = [
    ("Segments (`segment`)", c.Segment, c.LABELS_FR, {}),
    ("Event channels (`channel`)", c.Channel, c.LABELS_FR, {}),
    ("Event directions (`direction`)", c.Direction, c.LABELS_FR, {}),
    ("Call dispositions (`--disposition`, event `outcome`)", c.Disposition, c.LABELS_FR, {}),
    ("Reasons for late payment (`--reason`)", c.Reason, c.REASON_LABELS_FR, {"dispute": "disputes the service"}),
    ("Tones (`tone`)", c.Tone, c.LABELS_FR, {}),
    ("Call-script stages (`stage`)", c.Stage, c.STAGE_LABELS_FR, {"dispute": "open dispute", "hardship": "hardship"}),
    ("Recommendations for a worn debtor (`recommendations`)", c.Recommendation, c.LABELS_FR, {}),
    ("Promise status (`status`)", c.PromiseStatus, c.LABELS_FR, {}),
    ("Instalment status (labels of the promise screens)", c.InstalmentStatus, INSTALMENT_LABELS, {
        "pending": "not paid, and the evaluation date is on or before due + grace",
        "paid": "covered by payments dated on or before due + grace",
    }),
    ("Why a debtor is not callable (`blocked_by`)", c.BlockReason, c.LABELS_FR, {"dispute": "an open dispute"}),
    ("Roles (`--role`)", c.Role, c.LABELS_FR, {}),
]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _codes(group: frozenset[c.Disposition]) -> str:
    return ", ".join(f"`{d.value}`" for d in c.Disposition if d in group)


def _disposition_groups() -> list[str]:
    return [
        f"- no contact (a reminder, except the bad numbers): {_codes(c.NO_CONTACT_DISPOSITIONS)}",
        f"- right-party contact, RPC (a response): {_codes(c.RPC_DISPOSITIONS)}",
        f"- bad number (neither reminder nor response): {_codes(c.BAD_NUMBER_DISPOSITIONS)}",
    ]


def render() -> str:
    out = [
        "# Codes and their French labels",
        "",
        "Generated from `src/recouvre_tui/domain/codes.py` by `python scripts/gen_codes_doc.py`",
        "(a test fails when this file is out of date). Files, JSON and the command line use the",
        "codes; the screens show the French labels, never a code.",
    ]
    for title, enum, labels, overrides in SECTIONS:
        out += ["", f"## {title}", "", "| code | label (fr) | meaning |", "|---|---|---|"]
        for member in enum:
            code = member.value
            meaning = overrides.get(code) or MEANINGS.get(code, "—")
            out.append(f"| `{code}` | « {_cell(labels.get(code, code))} » | {_cell(meaning)} |")
        if enum is c.Disposition:
            out += ["", *_disposition_groups()]
    out += [
        "",
        "## Event outcomes besides dispositions",
        "",
        "| code | label (fr) | meaning |",
        "|---|---|---|",
        f"| `{c.FORMAL_NOTICE_OUTCOME}` | « {c.LABELS_FR[c.FORMAL_NOTICE_OUTCOME]} » | "
        "on an outbound `letter`: a mise en demeure (used by the wear recommendations) |",
    ]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is out of date: run python scripts/gen_codes_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
