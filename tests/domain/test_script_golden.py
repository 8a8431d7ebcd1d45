"""Golden histories: a debtor's ledger and history, the script chosen, and the exact text the
agent reads (Écouter and Identifier), figures computed by hand. Today is Wednesday 2/12/2026.

Each false statement seen on the demo has its history here: not-yet-due amounts called
overdue, « elles sont échues depuis 210 jours » when only the oldest is, a mise en demeure
said to cover later invoices, part-paid promises called « non honorée », letters and calls
claimed to a debtor who only got SMS and e-mails, a contested invoice in the amount claimed,
a tone reason that contradicts the script.
"""

from __future__ import annotations

from datetime import date

import pytest

from recouvre_tui.domain.call_scripts import CallScript, ScriptContext, render_for, select_script
from recouvre_tui.domain.codes import Stage, Tone
from recouvre_tui.domain.fact_sheet import (
    DisputeIn,
    EventIn,
    FactInputs,
    InstalmentIn,
    InvoiceIn,
    PaymentIn,
    PromiseIn,
    build_fact_sheet,
)
from recouvre_tui.domain.fact_wording import wording
from recouvre_tui.services.script_library import load_scripts

TODAY = date(2026, 12, 2)
LIBRARY: list[CallScript] = load_scripts(None)[0]
B2B, B2C = "SARL Dupont Frères", "Claire Martin"


def d(text: str) -> date:
    return date.fromisoformat(text)


def inv(ref: str, due: str, cents: int, open_cents: int | None = None, issue: str | None = None) -> InvoiceIn:
    return InvoiceIn(ref, d(issue) if issue else None, d(due), cents, cents if open_cents is None else open_cents)


def ev(on: str, channel: str, kind: str = "reminder", **kw: object) -> EventIn:
    return EventIn(on=d(on), channel=channel, direction=str(kw.pop("direction", "out")), kind=kind, **kw)  # type: ignore[arg-type]


def history(segment: str, invoices: list[InvoiceIn], **kw: object) -> FactInputs:
    return FactInputs(
        debtor_name=B2B if segment == "B2B" else B2C,
        segment=segment,
        agent_name="Alice Martin",
        creditor="Recouvre Démo SAS",
        sales_rep="Paul Durand",
        invoices=tuple(invoices),
        **{k: tuple(v) for k, v in kw.items()},  # type: ignore[arg-type]
    )


def guide(
    h: FactInputs, stage: Stage, tone: Tone | None = None, *, first: bool = False, agency: bool = False
) -> tuple[str, str, str]:
    """(script id, tone reason, Écouter + Identifier as read), thin spaces made plain."""
    sheet = build_fact_sheet(h, TODAY)
    ctx = ScriptContext(
        segment=h.segment,
        stage=stage,
        balance_cents=sheet.overdue_cents,
        is_first_contact=first,
        variables={k: v for k, v in wording(sheet).items() if v},
        collection_agency=agency,
        fact_sheet=sheet,
    )
    script, _tone, why = select_script(LIBRARY, ctx, tone)
    rendered = render_for(script, ctx)
    text = rendered.phases["ecouter"] + "\n" + rendered.phases["identifier"]
    return script.id, why.replace("\u202f", " "), text.replace("\u202f", " ")


DISPUTED = [inv("FH-1", "2026-08-31", 120_000), inv("FH-2", "2026-10-15", 303_000)]


def disputed(status: str) -> FactInputs:
    return history("B2B", DISPUTED, disputes=[DisputeIn("FH-1", d("2026-09-15"), status, 120_000, None, "Paul Durand")])


GOLDEN: list[tuple[str, FactInputs, Stage, Tone | None, str, str]] = [
    (
        "not-yet-due invoice stated apart, never as overdue",
        history(
            "B2B",
            [inv("FA-1", "2026-10-03", 50_000), inv("FA-2", "2026-11-02", 100_000), inv("FA-3", "2026-12-22", 200_000)],
            events=[ev("2026-11-10", "sms"), ev("2026-11-20", "email")],
        ),
        Stage.FOLLOW_UP,
        Tone.FERME,
        "b2b-follow-up-ferme",
        "« Bonjour, Alice Martin de Recouvre Démo SAS. »\n"
        "« Malgré nos SMS et e-mails, il reste 2 factures échues (FA-1, FA-2) pour 1 500,00 €,"
        " la plus ancienne depuis 60 jours ; 2 000,00 € à échoir le 22/12. »\n"
        "Laisser répondre ; rester courtois et précis.\n"
        "« La plus ancienne a 60 jours de retard. Qu'est-ce qui bloque ? »\n"
        "Obtenir le nom de la personne qui peut débloquer le paiement.",
    ),
    (
        "only the oldest invoice is 210 days late",
        history("B2B", [inv("FA-10", "2026-05-06", 300_000), inv("FA-11", "2026-11-12", 120_000)]),
        Stage.FOLLOW_UP,
        None,
        "b2b-follow-up-neutre",
        "« Bonjour, Alice Martin de Recouvre Démo SAS. »\n"
        "« J'appelle pour 2 factures échues (FA-10, FA-11), soit 4 200,00 €. »\n"
        "Écouter la première réponse sans interrompre.\n"
        "« La plus ancienne a 210 jours de retard. Où en est le paiement ? »\n"
        "Faire préciser : reçues, validées, programmées ? À quelle date ?",
    ),
    (
        "36 065,33 € on the account, 10 167,97 € of it due on 20/12",
        history(
            "B2B",
            [inv("FA-20", "2026-02-03", 2_589_736), inv("FA-21", "2026-12-20", 1_016_797)],
            events=[ev("2026-11-02", "call"), ev("2026-11-09", "call"), ev("2026-11-16", "call")],
        ),
        Stage.WORN,
        None,
        "b2b-worn-neutre",
        "« Bonjour, Alice Martin de Recouvre Démo SAS. »\n"
        "« Vous n'avez pas répondu à nos appels ; je change d'approche. »\n"
        "« Qui décide chez vous des paiements fournisseurs ? »\n"
        "« 1 facture échue (FA-20) pour 25 897,36 €, depuis 302 jours ; 10 167,97 € à échoir le 20/12. »\n"
        "Vérifier : bons contacts, bonne adresse de facturation, litige caché.",
    ),
    (
        "a mise en demeure of 19/10 covers only what was overdue on 19/10",
        history(
            "B2C",
            [
                inv("FB-1", "2026-09-01", 80_000, issue="2026-08-01"),
                inv("FB-2", "2026-11-20", 20_000, issue="2026-11-05"),
                inv("FB-3", "2026-11-25", 15_000, issue="2026-11-07"),
                inv("FB-4", "2026-12-22", 10_000, issue="2026-11-22"),
            ],
            events=[ev("2026-10-19", "letter", outcome="formal_notice")],
        ),
        Stage.AFTER_FORMAL_NOTICE,
        Tone.NEUTRE,
        "b2c-after-formal-notice-neutre",
        "« Bonjour, suis-je bien en ligne avec Claire Martin ? »\n"
        "« Je suis Alice Martin, de Recouvre Démo SAS. »\n"
        "« Je vous appelle suite à notre mise en demeure du 19/10/2026. »\n"
        "Laisser réagir ; vérifier que le courrier a bien été reçu.\n"
        "« Elle portait sur la facture FB-1, pour 800,00 €. Où en êtes-vous ? »\n"
        "Faire préciser : paiement en cours, difficulté, contestation.",
    ),
    (
        "287,07 € paid on a 775,88 € promise is not « non honorée »",
        history(
            "B2C",
            [inv("FC-1", "2026-09-15", 77_588, 48_881)],
            payments=[PaymentIn(d("2026-11-10"), 28_707, "FC-1")],
            promises=[PromiseIn("P-1", d("2026-11-01"), "broken", (InstalmentIn(d("2026-11-10"), 77_588, 28_707),))],
        ),
        Stage.BROKEN_PROMISE,
        Tone.NEUTRE,
        "b2c-broken-promise-neutre",
        "« Bonjour, suis-je bien en ligne avec Claire Martin ? »\n"
        "« Je suis Alice Martin, de Recouvre Démo SAS. »\n"
        "« Votre promesse (775,88 € au 10/11/2026) : vous avez réglé 287,07 € sur 775,88 € ;"
        " le solde de 488,81 € reste dû. »\n"
        "Laisser la personne s'expliquer.\n"
        "« Que s'est-il passé ? Le montant échu est de 488,81 €. »\n"
        "Vérifier : paiement en cours, oubli, montant trop lourd, contestation.",
    ),
    (
        "824,54 € of a plan paid is not « ne nous est pas parvenu »",
        history(
            "B2B",
            [inv("FD-1", "2026-09-01", 150_000, 67_546)],
            payments=[PaymentIn(d("2026-09-29"), 50_000, "FD-1"), PaymentIn(d("2026-10-29"), 32_454, "FD-1")],
            promises=[
                PromiseIn(
                    "P-2",
                    d("2026-09-10"),
                    "broken",
                    (
                        InstalmentIn(d("2026-09-30"), 50_000, 50_000),
                        InstalmentIn(d("2026-10-30"), 50_000, 32_454),
                        InstalmentIn(d("2026-11-30"), 50_000, 0),
                    ),
                )
            ],
        ),
        Stage.BROKEN_PROMISE,
        Tone.EMPATHIQUE,
        "b2b-broken-promise-empathique",
        "« Bonjour, Alice Martin de Recouvre Démo SAS. »\n"
        "« Vous nous aviez annoncé un règlement (3 échéances pour 1 500,00 € à partir du 30/09/2026). »\n"
        "« À ce jour, vous avez réglé 824,54 € sur 1 500,00 € ; le solde de 675,46 € reste dû. Un contretemps ? »\n"
        "Laisser expliquer : virement décalé, trésorerie, validation, oubli.\n"
        "« Il reste 675,46 € échus. Quelle date est réaliste pour vous ? »",
    ),
    (
        "nothing paid on a promise: then, and only then, nothing arrived",
        history(
            "B2C",
            [inv("FE-1", "2026-10-01", 60_000)],
            promises=[PromiseIn("P-3", d("2026-11-01"), "broken", (InstalmentIn(d("2026-11-15"), 60_000, 0),))],
        ),
        Stage.BROKEN_PROMISE,
        Tone.FERME,
        "b2c-broken-promise-ferme",
        "« Bonjour, suis-je bien en ligne avec Claire Martin ? »\n"
        "« Je suis Alice Martin, de Recouvre Démo SAS. »\n"
        "« Votre engagement (600,00 € au 15/11/2026) : aucun règlement ne nous est parvenu. »\n"
        "Écouter l'explication sans la commenter.\n"
        "« Il reste 1 facture échue (FE-1) pour 600,00 €, depuis 62 jours. »\n"
        "« Quel montant pouvez-vous régler, et à quelle date exactement ? »",
    ),
    (
        "a debtor who only got SMS and e-mails hears « nos SMS et e-mails »",
        history(
            "B2C",
            [inv("FF-1", "2026-09-02", 25_000)],
            events=[ev("2026-11-01", "sms"), ev("2026-11-08", "email"), ev("2026-11-15", "sms")],
        ),
        Stage.WORN,
        None,
        "b2c-worn-neutre",
        "« Bonjour, suis-je bien en ligne avec Claire Martin ? »\n"
        "« Je suis Alice Martin, de Recouvre Démo SAS. »\n"
        "« Vous n'avez pas répondu à nos SMS et e-mails ; je change d'approche. »\n"
        "« Je voudrais simplement faire le point avec vous. »\n"
        "« Il reste 250,00 € échus. Nos messages vous sont-ils parvenus ? »\n"
        "Vérifier coordonnées, horaires joignables, canal préféré.",
    ),
    (
        "only the channels of the current streak (after the last payment)",
        history(
            "B2B",
            [inv("FG-1", "2026-09-01", 100_000, 90_000)],
            payments=[PaymentIn(d("2026-09-10"), 10_000, "FG-1")],
            events=[
                ev("2026-09-05", "sms"),
                ev("2026-10-01", "letter"),
                ev("2026-10-15", "call"),
                ev("2026-11-01", "call"),
            ],
        ),
        Stage.WORN,
        Tone.FERME,
        "b2b-worn-ferme",
        "« Bonjour, Alice Martin de Recouvre Démo SAS. »\n"
        "« Vous n'avez pas répondu à nos appels et courriers ; j'ai besoin de vous. »\n"
        "Demander le décideur si l'interlocuteur ne peut pas répondre.\n"
        "« 1 facture échue (FG-1) pour 900,00 €, depuis 92 jours. Que prévoyez-vous ? »\n"
        "Distinguer : ne peut pas payer, ne veut pas payer, conteste.",
    ),
    (
        "an invoice contested in September is out of the amount claimed, and said so",
        disputed("open"),
        Stage.FOLLOW_UP,
        None,
        "b2b-follow-up-neutre",
        "« Bonjour, Alice Martin de Recouvre Démo SAS. »\n"
        "« J'appelle pour 1 facture échue (FH-2), soit 3 030,00 €. »\n"
        "Écouter la première réponse sans interrompre.\n"
        "« Elle a 48 jours de retard. Où en est le paiement ? »\n"
        "Faire préciser : reçues, validées, programmées ? À quelle date ?\n"
        "« Ce montant s'entend hors la facture FH-1 que vous contestez, transmise à Paul Durand. »",
    ),
    (
        "dispute rejected: the invoice is claimed again",
        disputed("rejected"),
        Stage.FOLLOW_UP,
        None,
        "b2b-follow-up-neutre",
        "« Bonjour, Alice Martin de Recouvre Démo SAS. »\n"
        "« J'appelle pour 2 factures échues (FH-1, FH-2), soit 4 230,00 €. »\n"
        "Écouter la première réponse sans interrompre.\n"
        "« La plus ancienne a 93 jours de retard. Où en est le paiement ? »\n"
        "Faire préciser : reçues, validées, programmées ? À quelle date ?",
    ),
    (
        "dispute accepted: a credit note is expected, the invoice stays out",
        disputed("accepted"),
        Stage.FOLLOW_UP,
        None,
        "b2b-follow-up-neutre",
        "« Bonjour, Alice Martin de Recouvre Démo SAS. »\n"
        "« J'appelle pour 1 facture échue (FH-2), soit 3 030,00 €. »\n"
        "Écouter la première réponse sans interrompre.\n"
        "« Elle a 48 jours de retard. Où en est le paiement ? »\n"
        "Faire préciser : reçues, validées, programmées ? À quelle date ?\n"
        "« Ce montant s'entend hors la facture FH-1, pour laquelle un avoir vous sera adressé. »",
    ),
    (
        "everything contested: the dispute script names the invoice and its amount",
        history(
            "B2C",
            [inv("FI-1", "2026-10-10", 45_000)],
            disputes=[DisputeIn("FI-1", d("2026-10-20"), "open", 45_000, None, "Paul Durand")],
        ),
        Stage.DISPUTE,
        Tone.FERME,
        "b2c-dispute-ferme",
        "« Bonjour, suis-je bien en ligne avec Claire Martin ? »\n"
        "« Je suis Alice Martin, de Recouvre Démo SAS. »\n"
        "« Je vous appelle au sujet de la facture FI-1 que vous contestez. »\n"
        "Laisser exposer le désaccord, sans l'interrompre.\n"
        "« Sur 450,00 €, que contestez-vous exactement, et pourquoi ? »\n"
        "Demander les justificatifs et un délai pour les envoyer.",
    ),
    (
        "a payment since the last contact is acknowledged, and the balance is what is left",
        history(
            "B2C",
            [inv("FJ-1", "2026-10-02", 80_000, 50_000)],
            payments=[PaymentIn(d("2026-11-20"), 30_000, "FJ-1")],
            events=[ev("2026-11-18", "call")],
        ),
        Stage.FOLLOW_UP,
        Tone.NEUTRE,
        "b2c-follow-up-neutre",
        "« Bonjour, suis-je bien en ligne avec Claire Martin ? »\n"
        "« Je suis Alice Martin, de Recouvre Démo SAS. »\n"
        "« J'appelle au sujet de 1 facture échue, pour 500,00 €. »\n"
        "Écouter la première réaction sans interrompre.\n"
        "« Merci, vous avez réglé 300,00 € depuis notre dernier échange. »\n"
        "« Elle a 61 jours de retard. Que s'est-il passé ? »\n"
        "Faire préciser : facture reçue ? moyen de paiement connu ? contestation ?",
    ),
    (
        "a letter with its own reference and amount is cited with them",
        history(
            "B2B",
            [inv("FK-1", "2026-09-01", 300_000)],
            events=[
                ev("2026-10-19", "letter", outcome="formal_notice", letter_ref="MED-2026-118", amount_cents=250_000)
            ],
        ),
        Stage.AFTER_FORMAL_NOTICE,
        Tone.NEUTRE,
        "b2b-after-formal-notice-neutre",
        "« Bonjour, Alice Martin de Recouvre Démo SAS. »\n"
        "« J'appelle suite à notre mise en demeure du 19/10/2026 (réf. MED-2026-118). »\n"
        "Vérifier que le courrier est arrivé au bon service.\n"
        "« Elle portait sur 2 500,00 €. Où en êtes-vous ? »\n"
        "Faire préciser : paiement programmé, difficulté, contestation.",
    ),
    (
        "a letter covers the amount open on its date: paid before it, out; paid after it, in",
        history(
            "B2C",
            [inv("FL-1", "2026-08-01", 100_000, 60_000), inv("FL-2", "2026-09-01", 50_000, 0)],
            payments=[PaymentIn(d("2026-10-01"), 50_000, "FL-2"), PaymentIn(d("2026-11-01"), 40_000, "FL-1")],
            events=[ev("2026-10-10", "letter", outcome="formal_notice")],
        ),
        Stage.AFTER_FORMAL_NOTICE,
        Tone.NEUTRE,
        "b2c-after-formal-notice-neutre",
        "« Bonjour, suis-je bien en ligne avec Claire Martin ? »\n"
        "« Je suis Alice Martin, de Recouvre Démo SAS. »\n"
        "« Je vous appelle suite à notre mise en demeure du 10/10/2026. »\n"
        "Laisser réagir ; vérifier que le courrier a bien été reçu.\n"
        "« Elle portait sur la facture FL-1, pour 1 000,00 €. Où en êtes-vous ? »\n"
        "Faire préciser : paiement en cours, difficulté, contestation.",
    ),
    (
        "first contact with a business: one invoice one day late, agreement in number",
        history("B2B", [inv("FM-1", "2026-12-01", 120_000)]),
        Stage.FIRST_CONTACT,
        None,
        "b2b-first-contact-neutre",
        "« Bonjour, la comptabilité fournisseurs de SARL Dupont Frères, s'il vous plaît. »\n"
        "Standard : ne pas détailler la dette, demander le bon interlocuteur.\n"
        "« Je suis Alice Martin, de Recouvre Démo SAS, au sujet de 1 facture échue. »\n"
        "« 1 facture échue (FM-1) pour 1 200,00 €, depuis 1 jour. »\n"
        "« Où en est le règlement dans votre circuit de paiement ? »\n"
        "Faire préciser : reçues ? validées ? date du prochain règlement ?",
    ),
    (
        "six overdue invoices: four named, then « et 2 autres »",
        history("B2C", [inv(f"FN-{k}", f"2026-11-{24 + k:02d}", 10_000) for k in range(1, 7)]),
        Stage.FIRST_CONTACT,
        Tone.NEUTRE,
        "b2c-first-contact-neutre",
        "« Bonjour, je souhaite parler à Claire Martin, s'il vous plaît. »\n"
        "Si un tiers répond : ne rien dire de la dette, demander quand rappeler.\n"
        "« Je suis Alice Martin, de Recouvre Démo SAS, au sujet de votre compte client. »\n"
        "« Notre relevé indique 6 factures échues (FN-1, FN-2, FN-3, FN-4 et 2 autres) pour 600,00 €,"
        " la plus ancienne depuis 7 jours. »\n"
        "« Y a-t-il une raison particulière à ce retard ? »\n"
        "Noter le motif exact : oubli, paiement bloqué, facture contestée…",
    ),
    (
        "nothing overdue yet: no amount is claimed, no blank is read",
        history("B2C", [inv("FO-1", "2026-12-20", 40_000)]),
        Stage.FOLLOW_UP,
        Tone.NEUTRE,
        "b2c-follow-up-petit-montant-neutre",  # 0,00 € claimed: the small-amount band
        "« Bonjour, suis-je bien en ligne avec Claire Martin ? »\n"
        "« Je suis Alice Martin, de Recouvre Démo SAS. »\n"
        "Écouter la réaction.\n",  # its only Identifier line names the oldest overdue date: left out
    ),
]


@pytest.mark.parametrize(("title", "h", "stage", "tone", "script_id", "expected"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden_script_text(
    title: str, h: FactInputs, stage: Stage, tone: Tone | None, script_id: str, expected: str
) -> None:
    chosen, _why, text = guide(h, stage, tone)
    assert chosen == script_id
    assert text == expected


def test_golden_tone_reason_never_contradicts_the_script() -> None:
    # After 8 SMS with no right-party contact ever, the guide is « nouvelle approche »: the
    # reason must say so, not « premier contact avec un professionnel ».
    h = history("B2B", [inv("FP-1", "2026-09-01", 90_000)], events=[ev(f"2026-11-{k:02d}", "sms") for k in range(1, 9)])
    chosen, why, _text = guide(h, Stage.WORN, first=True)
    assert (chosen, why) == ("b2b-worn-neutre", "Pourquoi ce ton : usure des relances : nouvelle approche")


def test_golden_large_account_reason_uses_the_amount_claimed() -> None:
    # 25 897,36 € claimed (10 167,97 € not yet due is not part of it).
    h = GOLDEN[2][1]
    _chosen, why, _text = guide(h, Stage.WORN)
    assert why == "Pourquoi ce ton : compte professionnel important (25 897,36 €)"


def test_golden_collection_agency_without_letter_has_no_blank() -> None:
    h = history("B2C", [inv("FQ-1", "2026-11-01", 20_000)])
    _chosen, _why, text = guide(h, Stage.FOLLOW_UP, Tone.NEUTRE, agency=True)
    assert text.splitlines()[:2] == [
        "Société de recouvrement : dès l'interlocuteur confirmé, préciser :",
        "« Notre société de recouvrement intervient pour le compte de Recouvre Démo SAS. »",
    ]


def test_golden_objection_names_the_sales_rep_without_gender() -> None:
    sheet = build_fact_sheet(disputed("open"), TODAY)
    script = next(s for s in LIBRARY if s.id == "b2b-follow-up-ferme")
    ctx = ScriptContext("B2B", Stage.FOLLOW_UP, variables={k: v for k, v in wording(sheet).items() if v})
    answers = [a for _o, a in render_for(script, ctx).objections]
    assert "je préviens Paul Durand aujourd'hui ; le solde reste dû" in answers


def test_every_template_variable_is_a_worded_fact_and_documented() -> None:
    from pathlib import Path

    from recouvre_tui.domain.call_scripts import VARIABLES, check_placeholders

    sheet = build_fact_sheet(disputed("open"), TODAY)
    assert set(wording(sheet)) == VARIABLES  # nothing a template may name is off the sheet
    doc = (Path(__file__).parents[2] / "docs" / "scripts.md").read_text(encoding="utf-8")
    assert {v for v in VARIABLES if f"`{{{v}}}`" not in doc} == set()
    # A fact the sheet lacks is refused by `scripts check`.
    assert check_placeholders("« Vous devez {total_balance}. »") == [
        "variable inconnue « {total_balance} » (permises : " + ", ".join(sorted(VARIABLES)) + ")"
    ]


def test_proposed_plan_states_each_amount_truly() -> None:
    from recouvre_tui.services.script_guide import plan_amounts

    # 25 897,36 € in 3: the last instalment carries the cent — never « 3 × 8 632,45 € ».
    assert plan_amounts([863_245, 863_245, 863_246]).replace("\u202f", " ") == "2 × 8 632,45 € puis 8 632,46 €"
    assert plan_amounts([50_000, 50_000, 50_000]) == "3 × 500,00 €"
    assert plan_amounts([30_001]) == "300,01 €"


def _conclure(h: FactInputs, stage: Stage, tone: Tone) -> str:
    sheet = build_fact_sheet(h, TODAY)
    ctx = ScriptContext(
        segment=h.segment,
        stage=stage,
        balance_cents=sheet.overdue_cents,
        variables={k: v for k, v in wording(sheet).items() if v},
        fact_sheet=sheet,
    )
    script, _tone, _why = select_script(LIBRARY, ctx, tone)
    rendered = render_for(script, ctx)
    return "\n".join(rendered.phases[p] for p in ("proposer", "conclure")).replace("\u202f", " ")


def test_golden_firm_b2b_script_quotes_the_penalties_from_the_sheet() -> None:
    from dataclasses import replace

    base = history("B2B", [inv("FA-1", "2026-10-03", 50_000), inv("FA-2", "2026-11-02", 100_000)])
    claimed = replace(base, claim=(1_234, 8_000, 2))
    text = _conclure(claimed, Stage.FOLLOW_UP, Tone.FERME)
    assert (
        "« S'y ajoutent, à ce jour, 12,34 € de pénalités de retard et l'indemnité forfaitaire"
        " de 40 € par facture, soit 80,00 €. »" in text
    )
    # Claiming switched off (no claim given): the line is left out, nothing about penalties is said.
    assert "pénalités" not in _conclure(base, Stage.FOLLOW_UP, Tone.FERME)
    # Never for a B2C debtor, even with a claim.
    b2c = replace(history("B2C", [inv("FA-1", "2026-10-03", 50_000)]), claim=(1_234, 4_000, 1))
    for tone in (Tone.FERME, Tone.NEUTRE, Tone.EMPATHIQUE):
        assert "pénalités" not in _conclure(b2c, Stage.FOLLOW_UP, tone)


def test_golden_prescribed_invoice_is_never_stated() -> None:
    from dataclasses import replace

    h = history(
        "B2C",
        [inv("FP-1", "2024-10-01", 30_000), inv("FP-2", "2026-10-15", 20_000)],
        events=[ev("2026-11-10", "sms")],
    )
    _chosen, _why, text = guide(replace(h, prescribed_refs=frozenset({"FP-1"})), Stage.FOLLOW_UP, Tone.NEUTRE)
    assert "FP-1" not in text and "300,00" not in text
    assert "200,00 €" in text
