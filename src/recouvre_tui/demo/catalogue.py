"""The fixed lists the demo draws from: the team, behaviour archetypes, areas and
their postcodes and phone plans, contact windows, and the texts of the notes."""

from __future__ import annotations

DEFAULT_SEED = 20261123
DEMO_AGENT = "demo"
LEAD_LOGIN = "lea.lead"

# CSV column names, exactly as the README's "Import formats" lists them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "debtors": (
        "debtor_ref",
        "name",
        "segment",
        "siren",
        "postcode",
        "country",
        "phone",
        "phone2",
        "email",
        "sales_rep",
        "agent",
    ),
    "invoices": ("debtor_ref", "invoice_ref", "issue_date", "due_date", "amount"),
    "payments": ("debtor_ref", "payment_ref", "date", "amount", "invoice_ref"),
    "events": ("debtor_ref", "at", "channel", "direction", "outcome", "agent", "note"),
    "promises": ("debtor_ref", "promise_ref", "created_at", "due_date", "amount"),
}
KINDS: tuple[str, ...] = tuple(COLUMNS)

AGENTS: tuple[dict[str, str], ...] = (
    {"login": LEAD_LOGIN, "name": "Léa Lambert", "role": "lead", "team": "equipe-1"},
    {"login": DEMO_AGENT, "name": "Agent Démo", "role": "agent", "team": "equipe-1"},
    {"login": "sophie.martin", "name": "Sophie Martin", "role": "agent", "team": "equipe-1"},
    {"login": "karim.benali", "name": "Karim Benali", "role": "agent", "team": "equipe-1"},
    {"login": "julien.roux", "name": "Julien Roux", "role": "agent", "team": "equipe-1"},
    {"login": "nadia.hoarau", "name": "Nadia Hoarau", "role": "agent", "team": "equipe-2"},
    {"login": "thomas.girard", "name": "Thomas Girard", "role": "agent", "team": "equipe-2"},
)
_CALLERS = tuple(a["login"] for a in AGENTS if a["role"] == "agent")
_OVERSEAS_TEAM = ("nadia.hoarau", "thomas.girard")
SALES_REPS = (
    "Claire Dubois",
    "Marc Lefèvre",
    "Isabelle Garnier",
    "Olivier Chevalier",
    "Sandrine Lopez",
    "Frédéric Payet",
)

# Behaviour archetypes and their share of the portfolio.
ARCHETYPES: tuple[tuple[str, float], ...] = (
    ("responsive", 0.16),  # pays on time or nearly; a reminder at most
    ("forgetful", 0.14),  # pays after the first reminder
    ("plan", 0.10),  # temporary difficulty: instalment plan, mostly kept
    ("promise_kept", 0.08),  # promises and pays
    ("promise_broken", 0.08),  # promises and does not pay
    ("dispute", 0.06),  # disputes an invoice
    ("early", 0.08),  # recently overdue: first reminders sent, no answer yet
    ("worn", 0.16),  # silent: reminders without any response
    ("bad_faith", 0.05),  # refuses, broken promise, formal notice
    ("payment_issue", 0.04),  # cannot find how to pay, then pays
    ("untouched", 0.05),  # overdue but never contacted yet
)

# The first debtors are a fixed showcase so that the small committed samples
# (`write_csv_files(..., limit=12)`) show every archetype.
_SHOWCASE: tuple[dict[str, str], ...] = (
    {"archetype": "worn", "segment": "B2B", "area": "FR", "agent": DEMO_AGENT, "sub": "slot"},
    {"archetype": "promise_broken", "segment": "B2C", "area": "FR", "agent": DEMO_AGENT},
    {"archetype": "plan", "segment": "B2C", "area": "974", "agent": "nadia.hoarau"},
    {"archetype": "forgetful", "segment": "B2C", "area": "67", "agent": "sophie.martin"},
    {"archetype": "dispute", "segment": "B2B", "area": "FR", "agent": "karim.benali"},
    {"archetype": "responsive", "segment": "B2B", "area": "FR", "agent": ""},
    {"archetype": "worn", "segment": "B2C", "area": "971", "agent": "", "sub": "single"},
    {"archetype": "bad_faith", "segment": "B2C", "area": "FR", "agent": DEMO_AGENT},
    {"archetype": "payment_issue", "segment": "B2B", "area": "972", "agent": "thomas.girard"},
    {"archetype": "promise_kept", "segment": "B2B", "area": "FR", "agent": "sophie.martin"},
    {"archetype": "untouched", "segment": "B2C", "area": "57", "agent": "", "phone": "invalid"},
    {"archetype": "worn", "segment": "B2B", "area": "FR", "agent": "julien.roux", "sub": "notice"},
)

_OVERSEAS_POSTCODES: dict[str, tuple[str, ...]] = {
    "971": ("97100", "97110", "97122", "97139", "97160", "97170", "97180", "97190"),
    "972": ("97200", "97220", "97230", "97232", "97233", "97290"),
    "973": ("97300", "97310", "97320", "97351", "97354"),
    "974": ("97400", "97410", "97420", "97430", "97460", "97470", "97490"),
    "976": ("97600", "97610", "97615", "97620", "97630", "97650", "97660"),
}
_OVERSEAS_WEIGHTS = (("971", 0.30), ("972", 0.25), ("973", 0.08), ("974", 0.30), ("976", 0.07))
# National prefixes (fixed, mobile) and country calling code by overseas department.
_OVERSEAS_PHONES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "971": (("0590",), ("0690",), "590"),
    "972": (("0596",), ("0696",), "596"),
    "973": (("0594",), ("0694",), "594"),
    "974": (("0262",), ("0692", "0693"), "262"),
    "976": (("0269",), ("0639",), "262"),
}
# Metropolitan departments by fixed-line zone (01 Île-de-France … 05 south-west).
_ZONES: dict[str, str] = {}
for _zone, _depts in (
    ("1", "75 77 78 91 92 93 94 95"),
    ("2", "14 18 22 27 28 29 35 36 37 41 44 45 49 50 53 56 61 72 76 85"),
    ("3", "02 08 10 21 25 39 51 52 54 55 57 58 59 60 62 67 68 70 71 80 88 89 90"),
    ("4", "01 03 04 05 06 07 13 15 2A 2B 26 30 34 38 42 43 48 63 69 73 74 83 84"),
    ("5", "09 11 12 16 17 19 23 24 31 32 33 40 46 47 64 65 66 79 81 82 86 87"),
):
    for _dept in _depts.split():
        _ZONES[_dept] = _zone
_DEPT_WEIGHTS: tuple[tuple[str, float], ...] = tuple(
    (
        dept,
        3.0
        if _ZONES[dept] == "1"
        else 2.0
        if dept in {"13", "69", "59", "33", "31", "44", "06", "34", "35", "67"}
        else 1.0,
    )
    for dept in sorted(_ZONES)
    if dept not in {"57", "67", "68"}
)

_ACTIVITIES = (
    "Boulangerie",
    "Garage",
    "Transports",
    "Menuiserie",
    "Pharmacie",
    "Cabinet",
    "Plomberie",
    "Restaurant",
    "Boucherie",
    "Hôtel",
    "Imprimerie",
    "Électricité",
    "Maçonnerie",
    "Fleurs",
    "Librairie",
    "Auto-école",
    "Coiffure",
    "Traiteur",
)
_LEGAL_FORMS = ("SARL", "SAS", "EURL", "SA", "SASU", "SNC")

# Calling windows in the debtor's local time (minutes since midnight), the default calling windows (docs/rules.md).
_WINDOWS: dict[str, tuple[tuple[int, int], ...]] = {
    "B2C": ((9 * 60, 20 * 60),),
    "B2B": ((9 * 60, 12 * 60 + 30), (14 * 60, 18 * 60)),
}
_SMS_WINDOWS = ((10 * 60, 18 * 60),)
_EMAIL_IN_WINDOWS = ((7 * 60 + 30, 22 * 60),)
_AGENT_SHIFT = (8 * 60 + 30, 19 * 60 + 30)  # agents work in Paris, 08:30–19:30

_NO_CONTACT = {
    "B2C": (("no_answer", 0.45), ("voicemail", 0.35), ("busy", 0.1), ("third_party", 0.1)),
    "B2B": (("no_answer", 0.3), ("voicemail", 0.3), ("busy", 0.1), ("third_party", 0.3)),
}
_NOTES: dict[str, tuple[str, ...]] = {
    "no_answer": ("Pas de réponse.", "Sonne dans le vide.", "Ne décroche pas."),
    "busy": ("Ligne occupée.", "Occupé, rappel plus tard."),
    "voicemail": (
        "Messagerie, message laissé avec demande de rappel.",
        "Répondeur, pas de message laissé.",
        "Messagerie, message laissé.",
    ),
    "third_party:B2C": (
        "Conjoint au téléphone, message transmis.",
        "Un proche a répondu, le débiteur est absent.",
    ),
    "third_party:B2B": (
        "Standard : comptable absent, message transmis.",
        "Secrétariat, rappeler en fin de semaine.",
        "Accueil : le gérant est en rendez-vous.",
    ),
    "wrong_number": (
        "Le correspondant ne connaît pas le client.",
        "Faux numéro, ligne attribuée à un tiers.",
    ),
    "invalid_number": ("Numéro non attribué (message opérateur).", "Numéro invalide."),
    "sms": (
        "SMS de rappel avec lien de paiement.",
        "SMS : rappel de facture échue.",
    ),
    "email": (
        "Relance e-mail avec relevé de compte.",
        "E-mail de rappel d'échéance.",
        "Relance e-mail avec copie des factures.",
    ),
    "letter": ("Lettre de relance simple.", "Courrier de relance avec relevé de compte."),
    "formal_notice": (
        "Mise en demeure envoyée en recommandé avec AR.",
        "Mise en demeure (LRAR) avec rappel des pénalités de retard.",
    ),
    "paid": (
        "Oubli, règle par carte bancaire pendant l'appel.",
        "Avait oublié, virement fait ce jour.",
    ),
    # As many as "paid": the same random draws, whichever the debtor says.
    "already_paid": (
        "Dit avoir réglé par virement la semaine dernière. À vérifier.",
        "Affirme avoir envoyé un chèque. À vérifier à réception.",
    ),
    "hardship:B2C": (
        "Perte d'emploi, difficultés passagères. Demande un délai.",
        "Arrêt maladie, budget serré ce mois-ci.",
        "Séparation récente, demande à étaler.",
    ),
    "hardship:B2B": (
        "Trésorerie tendue, attend le règlement d'un gros client.",
        "Baisse d'activité saisonnière, demande un délai.",
    ),
    "dispute": (
        "Conteste la facture {inv} : prestation non conforme.",
        "Conteste la facture {inv} : livraison incomplète.",
        "Conteste la facture {inv} : tarif différent du devis.",
        "Dit avoir déjà réglé la facture {inv}, demande un justificatif.",
    ),
    "refusal": (
        "Refuse de régler, estime ne rien devoir.",
        "Refus de paiement, ton agressif.",
        "Refuse tout échéancier, raccroche.",
    ),
    "callback": (
        "Demande à être rappelé en fin de mois, attend un virement.",
        "Pas disponible, demande un rappel la semaine prochaine.",
    ),
    "in_ack:B2C": (
        "E-mail du client : a bien reçu la relance, va vérifier avec sa banque.",
        "E-mail du client : dit être en congés, réglera au retour.",
    ),
    "in_ack:B2B": (
        "E-mail du client : facture transmise à la comptabilité.",
        "E-mail du client : en attente de validation interne du paiement.",
    ),
}
