"""Typed settings for the rules, with their defaults, bounds and help text (docs/rules.md
quotes the defaults).

Pure data: `recouvre_tui.settings` reads them from TOML and checks every value against its
type and the field's `metadata`, so a new setting needs nothing but its field:

    max_import_mb: int = field(default=1024, metadata={"min": 1, "max": 1_048_576, "help": "…"})

Types understood: bool, int, float, str, `str | None` (unset by default), `tuple[X, ...]` of
those, calling windows `tuple[tuple[time, time], ...]`, the promise bands
`tuple[tuple[int | None, int], ...]` and a TOML table of texts `tuple[tuple[str, str], ...]`
(sorted name/text pairs; nested tables flattened with dots).

Metadata keys (all optional except `help`):
- `min` / `max`: bounds of a number, inclusive;
- `min_len` / `max_len`: length of a list or a text;
- `item_min` / `item_max`: bounds of each number in a list (for the promise bands, of the
  instalment count);
- `item_max_len`: longest text of each entry of a table;
- `choices`: the allowed values of a text;
- `example`: shown, commented out, for a setting unset by default;
- `help`: one line of English, printed by `recouvre config defaults`.

Amounts are integer cents (`*_cents`); durations are plain numbers with their unit in the
name. Each weekday is 0 = Monday … 6 = Sunday. Rules that tie two fields together (a claim's
lease outlasts its renewal; calling windows ordered and apart) are in `cross_field_problems`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from .money import MAX_CENTS

# A session holding a case renews its claim this often (the TUI's timer): the lease must
# last longer, or the case is free for a colleague between two renewals.
CLAIM_RENEW_SECONDS = 60


@dataclass(frozen=True)
class CallingRules:
    b2c_days: tuple[int, ...] = field(
        default=(0, 1, 2, 3, 4, 5),
        metadata={
            "min_len": 1,
            "max_len": 7,
            "item_min": 0,
            "item_max": 6,
            "help": "Days consumers may be called, 0 = Monday",
        },
    )
    b2c_windows: tuple[tuple[time, time], ...] = field(
        default=((time(9, 0), time(20, 0)),),
        metadata={"min_len": 1, "max_len": 6, "help": "Hours consumers may be called, local time"},
    )
    b2b_days: tuple[int, ...] = field(
        default=(0, 1, 2, 3, 4),
        metadata={
            "min_len": 1,
            "max_len": 7,
            "item_min": 0,
            "item_max": 6,
            "help": "Days businesses may be called, 0 = Monday",
        },
    )
    b2b_windows: tuple[tuple[time, time], ...] = field(
        default=((time(9, 0), time(12, 30)), (time(14, 0), time(18, 0))),
        metadata={"min_len": 1, "max_len": 6, "help": "Hours businesses may be called, local time"},
    )
    max_attempts_7d: int = field(
        default=7, metadata={"min": 1, "max": 100, "help": "Most call attempts per debtor over 7 days"}
    )
    min_gap_hours: float = field(
        default=4.0, metadata={"min": 0, "max": 168, "help": "Least time between two calls to one debtor, in hours"}
    )


@dataclass(frozen=True)
class PromiseRules:
    grace_days: int = field(
        default=3,
        metadata={"min": 0, "max": 60, "help": "Days after a due date before an unpaid instalment counts as broken"},
    )
    max_first_due_days: int = field(
        default=30, metadata={"min": 1, "max": 366, "help": "Latest first due date of a promise, in days from today"}
    )
    # (upper bound of the agreed amount in cents, max instalments); None = no upper bound.
    # In TOML: [ceiling in euros, max instalments], 0 = no ceiling; ceilings ascending.
    max_instalments_by_amount: tuple[tuple[int | None, int], ...] = field(
        default=((50_000, 3), (500_000, 6), (None, 12)),
        metadata={
            "min_len": 1,
            "max_len": 20,
            "item_min": 1,
            "item_max": 120,
            "help": "[ceiling in euros, max instalments] by ascending ceiling; 0 = no ceiling",
        },
    )
    move_to_working_day: bool = field(
        default=True, metadata={"help": "Move a due date falling on a holiday or weekend to the next working day"}
    )


@dataclass(frozen=True)
class WearRules:
    min_streak: int = field(
        default=3, metadata={"min": 1, "max": 100, "help": "Unanswered reminders in a row that make a debtor worn"}
    )
    min_streak_age_days: int = field(
        default=14, metadata={"min": 0, "max": 3650, "help": "Least age of such a streak, in days"}
    )
    active_window_days: int = field(
        default=28, metadata={"min": 1, "max": 3650, "help": "A debtor reminded within this many days is active"}
    )
    formal_notice_min_streak: int = field(
        default=6,
        metadata={"min": 1, "max": 100, "help": "Unanswered reminders in a row before a formal notice is suggested"},
    )
    formal_notice_lookback_months: int = field(
        default=12,
        metadata={"min": 1, "max": 120, "help": "A formal notice sent within this many months counts as recent"},
    )
    after_notice_days: int = field(
        default=15, metadata={"min": 0, "max": 365, "help": "Days after a formal notice before the next step"}
    )
    small_claims_max_cents: int = field(
        default=500_000,
        metadata={"min": 0, "max": MAX_CENTS, "help": "Largest balance for the small-claims procedure, in cents"},
    )
    fatigue_max_k: int = field(
        default=10, metadata={"min": 1, "max": 100, "help": "Longest reminder run charted by the fatigue curve"}
    )
    fatigue_weeks: int = field(
        default=12, metadata={"min": 1, "max": 520, "help": "Weeks of history behind the fatigue curve"}
    )
    fatigue_response_days: int = field(
        default=7, metadata={"min": 1, "max": 365, "help": "Days a reply may take and still answer a reminder"}
    )
    time_slot_hours: int = field(
        default=2, metadata={"min": 1, "max": 24, "help": "Width of the time slots compared by the report, in hours"}
    )


@dataclass(frozen=True)
class ScoreWeights:
    """Score = sum of components; see docs/priority.md for each formula."""

    balance_per_log10_eur: float = field(
        default=10.0, metadata={"min": 0, "max": 1000, "help": "Points per power of ten of the balance in euros"}
    )
    days_past_due_per_day: float = field(
        default=0.3, metadata={"min": 0, "max": 1000, "help": "Points per day past due"}
    )
    days_past_due_cap: float = field(
        default=30.0, metadata={"min": 0, "max": 10_000, "help": "Most points for days past due"}
    )
    broken_promise_each: float = field(
        default=10.0, metadata={"min": 0, "max": 1000, "help": "Points per broken promise"}
    )
    broken_promise_cap: float = field(
        default=30.0, metadata={"min": 0, "max": 10_000, "help": "Most points for broken promises"}
    )
    never_contacted: float = field(
        default=15.0, metadata={"min": 0, "max": 1000, "help": "Points for a debtor never reached"}
    )
    late_payer_per_day: float = field(
        default=0.2, metadata={"min": 0, "max": 1000, "help": "Points per day of average past payment delay"}
    )
    late_payer_cap: float = field(
        default=10.0, metadata={"min": 0, "max": 10_000, "help": "Most points for late paying"}
    )
    wear_per_reminder: float = field(
        default=-2.0,
        metadata={"min": -1000, "max": 0, "help": "Points per unanswered reminder (negative: worn debtors sink)"},
    )
    wear_cap: float = field(
        default=-10.0, metadata={"min": -10_000, "max": 0, "help": "Lowest total of the wear points"}
    )


@dataclass(frozen=True)
class LegalRules:
    """French legal rules (docs/legal.md): penalties, indemnity, interest, prescription."""

    claim_penalties: bool = field(
        default=True,
        metadata={"help": "Claim late-payment penalties and the 40 euro indemnity from business debtors"},
    )
    contract_penalty_rate: float | None = field(
        default=None,
        metadata={
            "min": 0,
            "max": 100,
            "example": 15.0,
            "help": "Contractual penalty rate, % a year, at least 3 x the legal rate; unset = ECB rate + 10 points",
        },
    )
    b2c_legal_interest: bool = field(
        default=False, metadata={"help": "Claim legal interest from consumers after a formal notice"}
    )
    ecb_rates: tuple[tuple[date, float], ...] = field(
        default=(),
        metadata={
            "min_len": 0,
            "max_len": 500,
            "item_min": -10,
            "item_max": 100,
            "help": 'ECB main refinancing rates after the shipped table: [["YYYY-MM-DD", % a year], ...]',
        },
    )
    legal_rates: tuple[tuple[date, float, float], ...] = field(
        default=(),
        metadata={
            "min_len": 0,
            "max_len": 500,
            "item_min": -10,
            "item_max": 100,
            "help": 'Legal interest rates after the shipped table: [["YYYY-MM-DD", individuals, others], ...]',
        },
    )
    prescription_warning_days: int = field(
        default=90,
        metadata={"min": 1, "max": 730, "help": "Invoices prescribing within this many days are shown to the lead"},
    )


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server that sends exports to a lead (docs/exports.md). Unset host: no mail."""

    host: str | None = field(
        default=None,
        metadata={"min_len": 1, "max_len": 253, "example": "smtp.example.fr", "help": "SMTP server sending exports"},
    )
    port: int = field(default=587, metadata={"min": 1, "max": 65535, "help": "SMTP port (587 submission, 25 relay)"})
    starttls: bool = field(default=True, metadata={"help": "Switch to TLS with STARTTLS before logging in"})
    username: str | None = field(
        default=None,
        metadata={
            "min_len": 1,
            "max_len": 254,
            "example": "recouvre@example.fr",
            "help": "SMTP login; unset = no login",
        },
    )
    password_file: str | None = field(
        default=None,
        metadata={
            "min_len": 1,
            "example": "/srv/recouvre/smtp-password",
            "help": "File holding the SMTP password, readable by the service account only (never the password here)",
        },
    )
    from_address: str | None = field(
        default=None,
        metadata={
            "min_len": 3,
            "max_len": 254,
            "example": "recouvre@example.fr",
            "help": "Sender of the export e-mails",
        },
    )
    ca_file: str | None = field(
        default=None,
        metadata={
            "min_len": 1,
            "example": "/etc/ssl/certs/entreprise-ca.pem",
            "help": "CA certificates trusted for the SMTP server (a private CA), else the system's",
        },
    )
    timeout_seconds: int = field(
        default=20, metadata={"min": 1, "max": 600, "help": "Give up on the SMTP server after this many seconds"}
    )


@dataclass(frozen=True)
class NoteRules:
    # Extends domain.sensitive.DEFAULT_SENSITIVE_WORDS (never replaces it).
    sensitive_words: tuple[str, ...] = field(
        default=(),
        metadata={
            "min_len": 0,
            "max_len": 1000,
            "help": "Words a note is checked for before saving, beside the shipped list (accents and case ignored; "
            "a trailing * matches any ending)",
        },
    )


@dataclass(frozen=True)
class Settings:
    calling: CallingRules = field(default_factory=CallingRules)
    promises: PromiseRules = field(default_factory=PromiseRules)
    wear: WearRules = field(default_factory=WearRules)
    score: ScoreWeights = field(default_factory=ScoreWeights)
    legal: LegalRules = field(default_factory=LegalRules)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    notes: NoteRules = field(default_factory=NoteRules)
    claim_lease_minutes: int = field(
        default=15,
        metadata={"min": 2, "max": 1440, "help": "How long a taken case stays reserved without renewal, in minutes"},
    )
    fec_payment_terms_days: int = field(
        default=30, metadata={"min": 0, "max": 366, "help": "Payment terms assumed for FEC invoices, in days"}
    )
    fec_segment: str = field(
        default="B2B", metadata={"choices": ("B2B", "B2C"), "help": "Segment of debtors created from a FEC"}
    )
    # Accounts read as the customer ledger (prefixes of CompteNum): 411 customers, 416 doubtful
    # customers (clients douteux), 4191 advances received. Odoo's generic chart: ["121"].
    fec_receivable_prefixes: tuple[str, ...] = field(
        default=("411", "416", "4191"),
        metadata={"min_len": 1, "max_len": 20, "help": "FEC account prefixes read as the customer ledger"},
    )
    # A credit on a customer account whose entry has no bank/cash (5…), revenue (7…) or
    # output VAT (4457…) line is a credit note when its journal code starts with one of these.
    fec_credit_note_journals: tuple[str, ...] = field(
        default=("V",),
        metadata={
            "min_len": 0,
            "max_len": 20,
            "help": "FEC journal code prefixes whose otherwise unclassified credits are credit notes",
        },
    )
    creditor_name: str = field(
        default="Recouvre Démo SAS",
        metadata={"min_len": 1, "max_len": 200, "help": "Creditor named in the call scripts"},
    )
    collection_agency: bool = field(default=False, metadata={"help": "True when the creditor is a collection agency"})
    # Letters and court packs (docs/letters.md): the creditor's identity, how to pay, and the
    # collection agency's identity when `collection_agency` is true (CPCE R124-4).
    creditor_address: str | None = field(
        default=None,
        metadata={
            "min_len": 1,
            "max_len": 300,
            "example": "12 rue de la Paix, 75002 Paris",
            "help": "Creditor's postal address printed on letters (required to generate one)",
        },
    )
    creditor_siren: str | None = field(
        default=None,
        metadata={"min_len": 9, "max_len": 9, "example": "552100554", "help": "Creditor's SIREN printed on letters"},
    )
    payment_iban: str | None = field(
        default=None,
        metadata={
            "min_len": 15,
            "max_len": 42,
            "example": "FR76 3000 6000 0112 3456 7890 189",
            "help": "IBAN the debtor pays to, printed on letters",
        },
    )
    payment_means: str = field(
        default="virement bancaire ou chèque à l'ordre du créancier",
        metadata={"min_len": 1, "max_len": 300, "help": "How the debtor may pay, printed on letters (French)"},
    )
    agency_name: str | None = field(
        default=None,
        metadata={"min_len": 1, "max_len": 200, "help": "Collection agency's name on letters (collection_agency)"},
    )
    agency_address: str | None = field(
        default=None,
        metadata={"min_len": 1, "max_len": 300, "help": "Collection agency's address on letters (collection_agency)"},
    )
    scripts_dir: str | None = field(
        default=None,
        metadata={
            "min_len": 1,
            "example": "/srv/recouvre/scripts",
            "help": "Folder of team scripts overriding the library",
        },
    )
    payment_check_days: int = field(
        default=5,
        metadata={
            "min": 1,
            "max": 60,
            "help": "Working days a debtor who says it paid is held while the payment is awaited",
        },
    )
    callback_handover_minutes: int = field(
        default=30,
        metadata={
            "min": 1,
            "max": 1440,
            "help": "Minutes after its time before a personal callback not taken goes to the team",
        },
    )
    callback_max_days: int = field(
        default=60, metadata={"min": 1, "max": 366, "help": "Furthest a callback may be set, in days"}
    )
    # Without a key for that long, the session gives its case back and locks (0 = off: a
    # frozen client would then keep renewing its case until sshd drops it). 0.5 = 30 s.
    idle_lock_minutes: float = field(
        default=10.0,
        metadata={
            "min": 0,
            "max": 1440,
            "help": "Minutes without a key before the case goes back and the screen locks; 0 = off",
        },
    )
    log_file: str | None = field(
        default=None,
        metadata={
            "min_len": 1,
            "example": "/srv/recouvre/log/recouvre.log",
            "help": "Log file shared by every process, else recouvre.log in the user log folder",
        },
    )
    log_max_mb: int = field(
        default=10,
        metadata={"min": 0, "max": 10_000, "help": "Rotate the log file past this size in MB; 0 = never (logrotate)"},
    )
    max_import_mb: int = field(
        default=1024, metadata={"min": 1, "max": 1_048_576, "help": "Largest import file accepted, in MB"}
    )
    # Binding id → keys (comma-separated), as a [keymap] table; ids listed in docs/screens.md.
    # Checked at the start of a TUI session (`tui.keymap.keymap_problems`).
    keymap: tuple[tuple[str, str], ...] = field(
        default=(),
        metadata={
            "min_len": 0,
            "max_len": 500,
            "item_max_len": 100,
            "help": 'TUI keys by binding id (docs/screens.md), e.g. { "queue.segment" = "ctrl+s" }',
        },
    )
    exports_dir: str | None = field(
        default=None,
        metadata={
            "min_len": 1,
            "example": "/srv/recouvre/exports",
            "help": "Folder of the leads' exports (one 0700 folder per login), else exports/ in the user data folder",
        },
    )


def cross_field_problems(settings: Settings) -> list[tuple[str, str]]:
    """(key, problem in French) for the rules that tie fields together."""
    out: list[tuple[str, str]] = []
    if settings.claim_lease_minutes * 60 <= CLAIM_RENEW_SECONDS:
        out.append(
            (
                "claim_lease_minutes",
                f"le bail doit durer plus que le renouvellement ({CLAIM_RENEW_SECONDS} s) : "
                f"{CLAIM_RENEW_SECONDS // 60 + 1} minutes au moins",
            )
        )
    return out
