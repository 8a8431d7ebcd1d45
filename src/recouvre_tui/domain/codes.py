"""The product's codes (files, JSON, CLI) and their French labels (UI).

Codes are `StrEnum`s so they compare equal to the plain strings stored in the
database and written in files.
"""

from __future__ import annotations

from enum import StrEnum


class Segment(StrEnum):
    B2B = "B2B"
    B2C = "B2C"


class Channel(StrEnum):
    CALL = "call"
    LETTER = "letter"
    EMAIL = "email"
    SMS = "sms"


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class Disposition(StrEnum):
    # No contact with the right party.
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    THIRD_PARTY = "third_party"
    WRONG_NUMBER = "wrong_number"
    INVALID_NUMBER = "invalid_number"
    # Right-party contacts (RPC).
    PROMISE = "promise"
    PLAN = "plan"
    PAID = "paid"
    DISPUTE = "dispute"
    REFUSAL = "refusal"
    CALLBACK = "callback"
    HARDSHIP = "hardship"
    # The debtor says it is paid: held for checking until the payment is imported.
    ALREADY_PAID = "already_paid"


NO_CONTACT_DISPOSITIONS = frozenset(
    {
        Disposition.NO_ANSWER,
        Disposition.BUSY,
        Disposition.VOICEMAIL,
        Disposition.THIRD_PARTY,
        Disposition.WRONG_NUMBER,
        Disposition.INVALID_NUMBER,
    }
)
BAD_NUMBER_DISPOSITIONS = frozenset({Disposition.WRONG_NUMBER, Disposition.INVALID_NUMBER})
RPC_DISPOSITIONS = frozenset(set(Disposition) - NO_CONTACT_DISPOSITIONS)


class Reason(StrEnum):
    FORGOT = "forgot"
    TEMPORARY_DIFFICULTY = "temporary_difficulty"
    PAYMENT_TECHNICAL = "payment_technical"
    PAYMENT_PATH_UNCLEAR = "payment_path_unclear"
    DISPUTE = "dispute"
    BAD_FAITH = "bad_faith"


class Tone(StrEnum):
    EMPATHIQUE = "empathique"
    NEUTRE = "neutre"
    FERME = "ferme"


class Stage(StrEnum):
    FIRST_CONTACT = "first_contact"
    FOLLOW_UP = "follow_up"
    BROKEN_PROMISE = "broken_promise"
    AFTER_FORMAL_NOTICE = "after_formal_notice"
    WORN = "worn"
    DISPUTE = "dispute"
    HARDSHIP = "hardship"
    INBOUND = "inbound"


class Recommendation(StrEnum):
    CHANGE_CHANNEL = "change_channel"
    CHANGE_INTERLOCUTOR = "change_interlocutor"
    FORMAL_NOTICE = "formal_notice"
    ORDER_FOR_PAYMENT_COMMERCIAL = "order_for_payment_commercial"
    SMALL_CLAIMS_PROCEDURE = "small_claims_procedure"
    ORDER_FOR_PAYMENT_CIVIL = "order_for_payment_civil"
    CHANGE_TIME_SLOT = "change_time_slot"


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class InstalmentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    MISSED = "missed"


class BlockReason(StrEnum):
    NO_BALANCE = "no_balance"
    CLAIMED = "claimed"
    ON_HOLD = "on_hold"
    DO_NOT_CALL = "do_not_call"
    DISPUTE = "dispute"
    OVERINDEBTEDNESS = "overindebtedness"
    PRESCRIBED = "prescribed"
    PROMISE_PENDING = "promise_pending"
    PAYMENT_CHECK = "payment_check"
    OUTSIDE_HOURS = "outside_hours"
    HOLIDAY = "holiday"
    ATTEMPT_CAP = "attempt_cap"
    MIN_INTERVAL = "min_interval"
    NO_VALID_PHONE = "no_valid_phone"


class Role(StrEnum):
    AGENT = "agent"
    LEAD = "lead"


# Outcome of an outbound letter that makes it a "mise en demeure".
FORMAL_NOTICE_OUTCOME = "formal_notice"
# Outcome of an inbound written event (letter, e-mail): the debtor acknowledged the debt in
# writing, which restarts the prescription period (C. civ. 2240).
ACKNOWLEDGMENT_OUTCOME = "acknowledgment"

LABELS_FR: dict[str, str] = {
    # segments
    "B2B": "professionnel",
    "B2C": "particulier",
    # channels
    "call": "appel",
    "letter": "courrier",
    "email": "e-mail",
    "sms": "SMS",
    # directions
    "out": "sortant",
    "in": "entrant",
    # dispositions
    "no_answer": "pas de réponse",
    "busy": "occupé",
    "voicemail": "messagerie",
    "third_party": "tiers",
    "wrong_number": "faux numéro",
    "invalid_number": "numéro invalide",
    "promise": "promesse",
    "plan": "échéancier",
    "paid": "paiement immédiat",
    "dispute": "litige",
    "refusal": "refus",
    "callback": "rappel demandé",
    "hardship": "difficulté",
    "already_paid": "déjà payé — à vérifier",
    # reasons
    "forgot": "oubli",
    "temporary_difficulty": "difficulté passagère",
    "payment_technical": "problème technique de paiement",
    "payment_path_unclear": "circuit de paiement peu clair",
    "bad_faith": "mauvaise foi",
    # tones
    "empathique": "empathique",
    "neutre": "neutre",
    "ferme": "ferme",
    # stages
    "first_contact": "premier contact",
    "follow_up": "relance",
    "broken_promise": "relance après promesse rompue",
    "after_formal_notice": "après mise en demeure",
    "worn": "nouvelle approche (usure des relances)",
    "inbound": "appel entrant",
    # recommendations
    "change_channel": "changer de canal",
    "change_interlocutor": "changer d'interlocuteur",
    "formal_notice": "mise en demeure",
    "order_for_payment_commercial": "injonction de payer (tribunal de commerce, Cerfa 12946)",
    "small_claims_procedure": "procédure simplifiée de recouvrement des petites créances",
    "order_for_payment_civil": "injonction de payer (tribunal judiciaire, Cerfa 12948)",
    "change_time_slot": "changer de créneau horaire",
    # promise / instalment status
    "pending": "en cours",
    "kept": "tenue",
    "broken": "rompue",
    "cancelled": "annulée",
    "missed": "manquée",
    # block reasons
    "no_balance": "solde nul",
    "claimed": "pris par un collègue",
    "on_hold": "en attente",
    "do_not_call": "ne pas appeler",
    "promise_pending": "promesse en cours",
    "payment_check": "paiement annoncé en vérification",
    "outside_hours": "hors plage horaire locale",
    "holiday": "jour férié local",
    "attempt_cap": "7 tentatives en 7 jours",
    "min_interval": "moins de 4 h depuis la dernière tentative",
    "no_valid_phone": "aucun numéro valide",
    # follow-up actions recorded as events
    "invoice_duplicate": "duplicata de facture envoyé",
    "handed_to_sales_rep": "transmis au commercial",
    "overindebtedness": "surendettement",
    "prescribed": "créances prescrites",
    # legal events
    "acknowledgment": "reconnaissance de dette",
    "court_pack": "dossier d'injonction de payer préparé",
    # roles
    "agent": "agent",
    "lead": "responsable d'équipe",
}

# Labels whose code is shared by two vocabularies and needs a specific wording.
REASON_LABELS_FR: dict[str, str] = {r.value: LABELS_FR[r.value] for r in Reason if r != "dispute"}
REASON_LABELS_FR["dispute"] = "litige sur le produit ou le service"
STAGE_LABELS_FR: dict[str, str] = {s.value: LABELS_FR.get(s.value, s.value) for s in Stage}
STAGE_LABELS_FR["dispute"] = "litige"
STAGE_LABELS_FR["hardship"] = "difficulté financière"


def label(code: str | None) -> str:
    """French label for a code; the code itself when it has none."""
    if code is None:
        return ""
    return LABELS_FR.get(str(code), str(code))
