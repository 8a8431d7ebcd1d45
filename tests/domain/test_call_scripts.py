"""Call scripts: parsing, validation (with line numbers), safe rendering, tone and selection."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from recouvre_tui.domain.call_scripts import (
    AGENCY_OPENING,
    MISSING_VALUE,
    PHASES,
    VARIABLES,
    CallScript,
    NoScriptError,
    ScriptContext,
    ScriptError,
    ScriptValidationError,
    check_placeholders,
    default_tone,
    find_key_line,
    matching_scripts,
    parse_script,
    render,
    render_for,
    render_text,
    select_script,
    stage_for,
)
from recouvre_tui.domain.codes import Reason, Segment, Stage, Tone

# A valid script; the comments give the line numbers the tests rely on.
VALID = """\
+++
id = "b2b-test"
title = "Relance de test"
segment = "B2B"
stage = "follow_up"
reasons = ["forgot", "payment_technical"]
amount_min = 100
amount_max = 10000.5
tone = "neutre"
+++

## Écouter
« Bonjour, {agent_name}, pour {creditor}. »
Écouter sans interrompre.

## Identifier
« Il reste {amount_due} ({invoices}), depuis le {oldest_due_date}. »

## Proposer
Échéancier : {proposed_plan}.

## Conclure
Note factuelle : date, montant, moyen de paiement.

## Objections
- « Je n'ai pas reçu la facture » → duplicata pour {debtor_name}
- « C'est le commercial qui gère » -> je préviens {sales_rep}
"""
# line 13: « Bonjour… », line 17: « Il reste… », line 20: Échéancier, line 23: Note,
# line 26/27: objections; line 9: tone; line 7: amount_min.


def parse(text: str = VALID, source: str = "test.md") -> CallScript:
    return parse_script(text, source)


def errors_of(text: str, source: str = "test.md") -> list[ScriptError]:
    with pytest.raises(ScriptValidationError) as info:
        parse_script(text, source)
    return info.value.errors


def replace_line(text: str, number: int, new: str) -> str:
    lines = text.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


# --------------------------------------------------------------------------- parsing


def test_parse_valid_script() -> None:
    script = parse()
    assert script.id == "b2b-test"
    assert script.title == "Relance de test"
    assert script.segment == "B2B"
    assert script.stage is Stage.FOLLOW_UP
    assert script.reasons == frozenset({Reason.FORGOT, Reason.PAYMENT_TECHNICAL})
    assert script.amount_min_cents == 10_000
    assert script.amount_max_cents == 1_000_050
    assert script.tone is Tone.NEUTRE
    assert list(script.phases) == list(PHASES)
    assert script.phases["ecouter"] == ("« Bonjour, {agent_name}, pour {creditor}. »\nÉcouter sans interrompre.")
    assert script.phases["conclure"] == "Note factuelle : date, montant, moyen de paiement."
    assert script.objections == (
        ("Je n'ai pas reçu la facture", "duplicata pour {debtor_name}"),
        ("C'est le commercial qui gère", "je préviens {sales_rep}"),
    )
    assert script.source == "test.md"


def test_optional_fields_default_to_any() -> None:
    text = VALID.replace('reasons = ["forgot", "payment_technical"]\n', "")
    text = text.replace("amount_min = 100\n", "").replace("amount_max = 10000.5\n", "")
    text = text.split("## Objections")[0]
    script = parse(text)
    assert script.reasons == frozenset()
    assert script.amount_min_cents is None and script.amount_max_cents is None
    assert script.objections == ()


def test_headings_without_accents_bom_crlf_and_h1_title() -> None:
    text = "\ufeff" + VALID.replace("## Écouter", "## ecouter").replace("\n", "\r\n")
    text = text.replace("+++\r\n\r\n## ecouter", "+++\r\n# Un titre\r\n## ecouter")
    script = parse(text)
    assert script.phases["ecouter"].startswith("« Bonjour")
    # Line numbers still count CRLF lines correctly.
    bad = text.replace("{amount_due}", "{montant}")
    assert [(e.line, "variable inconnue" in e.message) for e in errors_of(bad)] == [(17, True)]


@pytest.mark.parametrize(
    ("value", "cents"),
    [("0", 0), ("12", 1200), ("99.99", 9999), ('"1 234,56 €"', 123_456), ('"9000"', 900_000)],
)
def test_amounts_in_euros(value: str, cents: int) -> None:
    script = parse(VALID.replace("amount_min = 100", f"amount_min = {value}"))
    assert script.amount_min_cents == cents


def test_script_error_str() -> None:
    assert str(ScriptError("a/b.md", 12, "problème")) == "a/b.md:12: problème"
    assert str(ScriptError("dossier", 0, "introuvable")) == "dossier: introuvable"


def test_validation_error_lists_every_error_sorted() -> None:
    text = VALID.replace('tone = "neutre"', 'tone = "doux"').replace("{amount_due}", "{montant}")
    errors = errors_of(text)
    assert [e.line for e in errors] == [9, 17]
    assert all(e.source == "test.md" for e in errors)
    with pytest.raises(ScriptValidationError) as info:
        parse(text)
    assert str(info.value).splitlines()[0].startswith("test.md:9: tone")


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("edit", "line", "needle"),
    [
        # missing section → reported at the last line of the file
        (lambda t: t.replace("## Conclure\n", "").replace("Note factuelle", "x"), 26, "Conclure"),
        (lambda t: t.replace("{amount_due}", "{montant}"), 17, "variable inconnue « {montant} »"),
        (lambda t: t.replace('tone = "neutre"', 'tone = "doux"'), 9, "tone"),
        (lambda t: t.replace('tone = "neutre"', "tone = neutre"), 9, "TOML invalide"),
        (lambda t: t.replace('title = "Relance de test"', 'title = "sans fin'), 3, "TOML"),
        (lambda t: t.replace('segment = "B2B"', 'segment = "B2X"'), 4, "segment"),
        (lambda t: t.replace('stage = "follow_up"', 'stage = "relance"'), 5, "stage"),
        (lambda t: t.replace('"forgot", ', '"oubli", '), 6, "motif « oubli » inconnu"),
        (
            lambda t: t.replace('reasons = ["forgot", "payment_technical"]', 'reasons = "forgot"'),
            6,
            "liste attendue",
        ),
        (lambda t: t.replace("amount_min = 100", "amount_min = -5"), 7, "négatif"),
        (lambda t: t.replace("amount_min = 100", "amount_min = 1.234"), 7, "deux décimales"),
        (lambda t: t.replace("amount_min = 100", "amount_min = true"), 7, "montant"),
        (lambda t: t.replace("amount_min = 100", "amount_min = 20000"), 8, "inférieur"),
        (lambda t: t.replace('id = "b2b-test"', 'id = "B2B test"'), 2, "id"),
        (lambda t: t.replace('title = "Relance de test"', 'title = "{debtor_name}"'), 3, "titre"),
        (lambda t: t.replace('tone = "neutre"', 'tone = "neutre"\nton = "x"'), 10, "clé inconnue"),
        (lambda t: t.replace('tone = "neutre"\n', ""), 1, "clé obligatoire absente : tone"),
        (lambda t: t.replace("Échéancier : {proposed_plan}.\n", ""), 19, "section Proposer vide"),
        (lambda t: t.replace("## Conclure", "## Proposer"), 22, "en double"),
        (lambda t: t.replace("## Objections", "## Remarques"), 25, "section inconnue"),
        (lambda t: t.replace("+++\n\n## Écouter", "+++\nbla\n## Écouter"), 11, "hors section"),
        (lambda t: t.replace("- « C'est le commercial", "- C'est le commercial"), 27, "objection"),
        (lambda t: t.replace("{creditor}. »", "{creditor}. »\n" * 7), 19, "trop longue"),
        (lambda t: t.replace("Écouter sans", "Écouter \x1b[31m sans"), 14, "contrôle"),
        (lambda t: t.replace("{invoices}", "{invoices"), 17, "sans accolade fermante"),
        (lambda t: t.replace("{invoices}", "invoices}"), 17, "sans accolade ouvrante"),
        (lambda t: t.replace("{sales_rep}", "{Sales_Rep}"), 27, "variable inconnue"),
    ],
)
def test_validation_errors_have_line_numbers(edit: Callable[[str], str], line: int, needle: str) -> None:
    errors = errors_of(edit(VALID))
    assert any(e.line == line and needle in e.message for e in errors), errors


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("", 1, "vide"),
        ("\n\n## Écouter\nx\n", 3, "en-tête TOML"),
        ('+++\nid = "x"\n## Écouter\n', 1, "non fermé"),
        ("x" * 60_000, 0, "trop long"),
    ],
)
def test_structural_errors(text: str, line: int, needle: str) -> None:
    errors = errors_of(text)
    assert errors[0].line == line and needle in errors[0].message


def test_find_key_line() -> None:
    assert find_key_line(VALID, "tone") == 9
    assert find_key_line(VALID, "absent") == 1


# --------------------------------------------------------------------------- injection


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ("{__import__('os').system('x')}", "mal formée"),
        ("{{ 7*7 }}", "doubles accolades"),
        ("{{debtor_name}}", "doubles accolades"),
        ("${HOME}", "syntaxe non permise"),
        ("${debtor_name}", "syntaxe non permise"),
        ("{debtor_name.__class__}", "mal formée"),
        ("{debtor_name.__class__.__mro__[1].__subclasses__()}", "mal formée"),
        ("{debtor_name!r}", "mal formée"),
        ("{debtor_name:>100}", "mal formée"),
        ("{0}", "mal formée"),
        ("{}", "mal formée"),
        ("{ debtor_name }", "mal formée"),
        ("{{% import os %}}", "doubles accolades"),
        ("{HOME}", "variable inconnue"),
        ("{self}", "variable inconnue"),
    ],
)
def test_template_injection_is_rejected_at_validation(payload: str, needle: str) -> None:
    text = VALID.replace("Échéancier : {proposed_plan}.", f"Échéancier : {payload}")
    errors = errors_of(text)
    assert errors, payload
    assert all(e.line == 20 for e in errors)
    assert any(needle in e.message for e in errors), errors
    assert check_placeholders(f"x {payload} y")


@pytest.mark.parametrize("payload", ["- « {{ 7*7 }} » → ok", "- « x » → {__import__('os')}", "- « x » → ${HOME}"])
def test_injection_in_objections_is_rejected(payload: str) -> None:
    text = VALID.replace("- « C'est le commercial qui gère » -> je préviens {sales_rep}", payload)
    assert any(e.line == 27 for e in errors_of(text))


def test_allowed_placeholders_pass() -> None:
    line = " ".join(f"{{{name}}}" for name in sorted(VARIABLES))
    assert check_placeholders(line) == []
    assert check_placeholders("100 % garanti, 5 $ et %(debtor_name)s restent du texte") == []


# --------------------------------------------------------------------------- rendering

FULL_VARIABLES = {
    "debtor_name": "SARL Dupont Frères",
    "amount_due": "4 230,00 €",
    "invoices": "FA-1001, FA-1017",
    "oldest_due_date": "31/08/2026",
    "days_late": "83",
    "agent_name": "Alice Martin",
    "creditor": "Recouvre Démo SAS",
    "sales_rep": "Paul Durand",
    "last_promise": "1 200,00 € au 10/11/2026",
    "proposed_plan": "3 × 1 410,00 €",
    "letter_ref": "du 30/10/2026",
}


def test_render_substitutes_variables() -> None:
    rendered = render(parse(), FULL_VARIABLES)
    assert rendered.script_id == "b2b-test" and rendered.tone is Tone.NEUTRE
    assert rendered.phases["ecouter"].startswith("« Bonjour, Alice Martin, pour Recouvre Démo SAS. »")
    assert rendered.phases["identifier"] == ("« Il reste 4 230,00 € (FA-1001, FA-1017), depuis le 31/08/2026. »")
    assert rendered.objections[0] == (
        "Je n'ai pas reçu la facture",
        "duplicata pour SARL Dupont Frères",
    )
    assert rendered.objections[1][1] == "je préviens Paul Durand"


def test_render_leaves_out_lines_whose_fact_is_missing_or_blank() -> None:
    # A script never shows a blank where a fact should be: the line is left out.
    rendered = render(parse(), {"agent_name": "Alice Martin", "creditor": "  "})
    assert "Alice Martin" not in rendered.phases["ecouter"]
    assert MISSING_VALUE not in rendered.phases["ecouter"]
    assert rendered.phases["proposer"] == ""
    # render_text alone (one line) still marks a missing value with a dash.
    assert render_text("Échéancier : {proposed_plan}.", {}) == f"Échéancier : {MISSING_VALUE}."


@pytest.mark.parametrize(
    "value",
    [
        "{amount_due}",
        "{{ 7*7 }}",
        "${HOME}",
        "{__import__('os').system('x')}",
        "{debtor_name.__class__}",
        "{0} {} %(x)s \\1 \\g<0>",
    ],
)
def test_values_are_inserted_verbatim(value: str) -> None:
    variables = {**FULL_VARIABLES, "debtor_name": value}
    rendered = render(parse(), variables)
    assert rendered.objections[0][1] == f"duplicata pour {value}"
    assert render_text("{debtor_name}/{amount_due}", variables) == f"{value}/4 230,00 €"


def test_control_characters_in_values_are_neutralised() -> None:
    out = render_text("[{debtor_name}]", {"debtor_name": "Dupont\x1b[2J\nFrères\x07\u202e"})
    assert out == "[Dupont [2J Frères]"
    assert "\x1b" not in out


def test_render_leaves_unknown_placeholders_of_unvalidated_scripts_alone() -> None:
    assert render_text("{x} {debtor_name} {HOME}", {"x": "1"}) == f"{{x}} {MISSING_VALUE} {{HOME}}"


def test_collection_agency_prefixes_the_opening_with_the_letter_reference() -> None:
    script = parse()
    plain = render(script, FULL_VARIABLES)
    agency = render(script, FULL_VARIABLES, collection_agency=True)
    assert "du 30/10/2026" not in plain.phases["ecouter"]
    first, second, rest = agency.phases["ecouter"].split("\n", 2)
    assert first.startswith("Société de recouvrement")
    assert "pour le compte de Recouvre Démo SAS" in second
    assert "courrier du 30/10/2026" in second
    assert rest == plain.phases["ecouter"]
    assert agency.phases["identifier"] == plain.phases["identifier"]
    assert "{letter_ref}" in AGENCY_OPENING
    # A letter reference that looks like a placeholder stays literal.
    odd = render(script, {**FULL_VARIABLES, "letter_ref": "{creditor}"}, collection_agency=True)
    assert "courrier {creditor}." in odd.phases["ecouter"]


def test_render_for_uses_the_context() -> None:
    ctx = ScriptContext(segment="B2B", stage=Stage.FOLLOW_UP, variables=FULL_VARIABLES, collection_agency=True)
    rendered = render_for(parse(), ctx)
    assert "du 30/10/2026" in rendered.phases["ecouter"]


# --------------------------------------------------------------------------- stage


@pytest.mark.parametrize(
    ("facts", "stage"),
    [
        ({}, Stage.FOLLOW_UP),
        ({"never_contacted": True}, Stage.FIRST_CONTACT),
        ({"broken_promise": True, "never_contacted": True}, Stage.BROKEN_PROMISE),
        ({"worn": True, "broken_promise": True}, Stage.WORN),
        ({"after_formal_notice": True, "worn": True}, Stage.AFTER_FORMAL_NOTICE),
        ({"hardship": True, "after_formal_notice": True}, Stage.HARDSHIP),
        ({"open_dispute": True, "hardship": True}, Stage.DISPUTE),
        ({"inbound": True, "open_dispute": True, "worn": True}, Stage.INBOUND),
    ],
)
def test_stage_for(facts: dict[str, bool], stage: Stage) -> None:
    assert stage_for(**facts) is stage


# --------------------------------------------------------------------------- default tone


def ctx_of(
    segment: str = "B2C",
    stage: Stage = Stage.FOLLOW_UP,
    reason: Reason | None = None,
    balance: int = 50_000,
    broken: int = 0,
    first: bool = False,
) -> ScriptContext:
    return ScriptContext(
        segment=segment,
        stage=stage,
        reason=reason,
        balance_cents=balance,
        broken_promises=broken,
        is_first_contact=first,
    )


@pytest.mark.parametrize(
    ("ctx", "tone", "why"),
    [
        (ctx_of(stage=Stage.HARDSHIP), Tone.EMPATHIQUE, "difficulté financière déclarée"),
        (ctx_of(reason=Reason.TEMPORARY_DIFFICULTY), Tone.EMPATHIQUE, "difficulté passagère"),
        # rule 1 before rule 2
        (ctx_of(stage=Stage.HARDSHIP, broken=3), Tone.EMPATHIQUE, "difficulté"),
        (ctx_of(reason=Reason.BAD_FAITH), Tone.FERME, "mauvaise foi"),
        (ctx_of(stage=Stage.BROKEN_PROMISE, broken=2), Tone.FERME, "2e promesse rompue"),
        (ctx_of("B2B", Stage.BROKEN_PROMISE, broken=3), Tone.FERME, "3e promesse rompue"),
        (ctx_of(stage=Stage.BROKEN_PROMISE, broken=1), Tone.NEUTRE, "ton par défaut"),
        # rule 2 before rule 3
        (ctx_of(stage=Stage.FIRST_CONTACT, reason=Reason.BAD_FAITH), Tone.FERME, "mauvaise foi"),
        (ctx_of(stage=Stage.FIRST_CONTACT), Tone.EMPATHIQUE, "premier contact avec un particulier"),
        (ctx_of(first=True), Tone.EMPATHIQUE, "premier contact"),
        (ctx_of("B2B", Stage.FIRST_CONTACT), Tone.NEUTRE, "premier contact avec un professionnel"),
        # rule 3 before rule 4
        (ctx_of("B2B", Stage.FIRST_CONTACT, balance=5_000_000), Tone.NEUTRE, "premier contact"),
        (ctx_of("B2B", balance=1_000_000), Tone.NEUTRE, "compte professionnel important"),
        (ctx_of("B2B", balance=999_999), Tone.NEUTRE, "ton par défaut"),
        # rule 4 before rule 5
        (ctx_of("B2B", Stage.AFTER_FORMAL_NOTICE, balance=2_000_000), Tone.NEUTRE, "important"),
        (ctx_of("B2B", Stage.AFTER_FORMAL_NOTICE, balance=999_999), Tone.FERME, "mise en demeure"),
        (
            ctx_of("B2C", Stage.AFTER_FORMAL_NOTICE, balance=2_000_000),
            Tone.FERME,
            "mise en demeure",
        ),
        (ctx_of(stage=Stage.WORN), Tone.NEUTRE, "usure des relances"),
        (ctx_of(stage=Stage.DISPUTE, reason=Reason.DISPUTE), Tone.NEUTRE, "ton par défaut"),
        (ctx_of(stage=Stage.INBOUND), Tone.NEUTRE, "ton par défaut"),
        (ctx_of(reason=Reason.FORGOT), Tone.NEUTRE, "ton par défaut"),
    ],
)
def test_default_tone(ctx: ScriptContext, tone: Tone, why: str) -> None:
    got, line = default_tone(ctx)
    assert got is tone
    assert line.startswith("Pourquoi ce ton : ")
    assert why in line
    assert "\n" not in line


def test_large_b2b_threshold_is_a_parameter() -> None:
    assert "important" in default_tone(ctx_of("B2B", balance=600_000), large_b2b_cents=500_000)[1]


# --------------------------------------------------------------------------- selection


def mk(
    sid: str,
    segment: str = "B2C",
    stage: Stage = Stage.FOLLOW_UP,
    tone: Tone = Tone.NEUTRE,
    reasons: tuple[Reason, ...] = (),
    low: int | None = None,
    high: int | None = None,
) -> CallScript:
    return CallScript(
        id=sid,
        title=sid,
        segment=segment,
        stage=stage,
        reasons=frozenset(reasons),
        amount_min_cents=low,
        amount_max_cents=high,
        tone=tone,
        phases=dict.fromkeys(PHASES, "x"),
        objections=(),
        source=f"{sid}.md",
    )


LIBRARY = [
    mk("any-follow-neutre", "any"),
    mk("b2c-follow-neutre"),
    mk("b2c-follow-empathique", tone=Tone.EMPATHIQUE),
    mk("b2c-follow-forgot-neutre", reasons=(Reason.FORGOT,)),
    mk("b2c-follow-forgot-tech-neutre", reasons=(Reason.FORGOT, Reason.PAYMENT_TECHNICAL)),
    mk("b2c-follow-small-neutre", high=15_000),
    mk("b2c-follow-big-neutre", low=1_000_000),
    mk("b2b-follow-neutre", "B2B"),
    mk("b2b-follow-ferme", "B2B", tone=Tone.FERME),
    mk("b2b-follow-badfaith-ferme", "B2B", tone=Tone.FERME, reasons=(Reason.BAD_FAITH,)),
    mk("any-broken-ferme", "any", Stage.BROKEN_PROMISE, Tone.FERME),
    mk("b2c-broken-neutre", "B2C", Stage.BROKEN_PROMISE, Tone.NEUTRE),
    mk("b2c-hardship-empathique", "B2C", Stage.HARDSHIP, Tone.EMPATHIQUE),
    mk("b2b-worn-ferme", "B2B", Stage.WORN, Tone.FERME),
    mk("b2b-worn-empathique", "B2B", Stage.WORN, Tone.EMPATHIQUE),
]


@pytest.mark.parametrize(
    ("ctx", "tone", "expected_id", "expected_tone"),
    [
        # exact segment beats "any"
        (ctx_of("B2C", balance=50_000), None, "b2c-follow-neutre", Tone.NEUTRE),
        (ctx_of("B2B", balance=50_000), None, "b2b-follow-neutre", Tone.NEUTRE),
        # reason match beats none; the narrower reason list wins a tie
        (ctx_of(reason=Reason.FORGOT), None, "b2c-follow-forgot-neutre", Tone.NEUTRE),
        (
            ctx_of(reason=Reason.PAYMENT_TECHNICAL),
            None,
            "b2c-follow-forgot-tech-neutre",
            Tone.NEUTRE,
        ),
        # a script for other reasons does not fit
        (ctx_of(reason=Reason.PAYMENT_PATH_UNCLEAR), None, "b2c-follow-neutre", Tone.NEUTRE),
        # amount band fits (bounds inclusive) and beats no band
        (ctx_of(balance=15_000), None, "b2c-follow-small-neutre", Tone.NEUTRE),
        (ctx_of(balance=15_001), None, "b2c-follow-neutre", Tone.NEUTRE),
        (ctx_of(balance=1_000_000), None, "b2c-follow-big-neutre", Tone.NEUTRE),
        # reason match beats an amount band
        (ctx_of(reason=Reason.FORGOT, balance=100), None, "b2c-follow-forgot-neutre", Tone.NEUTRE),
        # requested tone
        (ctx_of(), Tone.EMPATHIQUE, "b2c-follow-empathique", Tone.EMPATHIQUE),
        (ctx_of("B2B"), Tone.FERME, "b2b-follow-ferme", Tone.FERME),
        # default tone (bad faith → ferme) and reason-specific script
        (ctx_of("B2B", reason=Reason.BAD_FAITH), None, "b2b-follow-badfaith-ferme", Tone.FERME),
        # default tone ferme on a broken promise: "any" script in that tone beats exact segment
        (ctx_of(stage=Stage.BROKEN_PROMISE, broken=2), None, "any-broken-ferme", Tone.FERME),
        (ctx_of(stage=Stage.BROKEN_PROMISE, broken=1), None, "b2c-broken-neutre", Tone.NEUTRE),
        # fall back across tones only when no script in that tone
        (ctx_of(), Tone.FERME, "b2c-follow-neutre", Tone.NEUTRE),
        (ctx_of("B2C", Stage.HARDSHIP), Tone.FERME, "b2c-hardship-empathique", Tone.EMPATHIQUE),
        (ctx_of("B2B", Stage.WORN), None, "b2b-worn-empathique", Tone.EMPATHIQUE),
        (ctx_of("B2B", Stage.WORN), Tone.EMPATHIQUE, "b2b-worn-empathique", Tone.EMPATHIQUE),
    ],
)
def test_select_script(ctx: ScriptContext, tone: Tone | None, expected_id: str, expected_tone: Tone) -> None:
    script, got_tone, explanation = select_script(LIBRARY, ctx, tone)
    assert script.id == expected_id
    assert got_tone is expected_tone
    assert explanation.startswith("Pourquoi ce ton : ")
    assert "\n" not in explanation


def test_select_explanations() -> None:
    _, _, default = select_script(LIBRARY, ctx_of(stage=Stage.BROKEN_PROMISE, broken=2))
    assert default == "Pourquoi ce ton : 2e promesse rompue"
    _, _, chosen = select_script(LIBRARY, ctx_of(), Tone.EMPATHIQUE)
    assert chosen == "Pourquoi ce ton : choisi par l'agent"
    _, _, fallback = select_script(LIBRARY, ctx_of(), Tone.FERME)
    assert "pas de script « ferme »" in fallback and "« neutre » à la place" in fallback
    # worn B2B: default neutre, none in neutre → empathique first, before ferme
    _, tone, worn = select_script(LIBRARY, ctx_of("B2B", Stage.WORN))
    assert tone is Tone.EMPATHIQUE and "usure des relances" in worn


def test_select_accepts_tone_as_string() -> None:
    script, tone, _ = select_script(LIBRARY, ctx_of(), "empathique")  # type: ignore[arg-type]
    assert script.id == "b2c-follow-empathique" and tone is Tone.EMPATHIQUE


def test_no_script_for_the_stage() -> None:
    with pytest.raises(NoScriptError, match="après mise en demeure"):
        select_script(LIBRARY, ctx_of(stage=Stage.AFTER_FORMAL_NOTICE))
    with pytest.raises(NoScriptError):
        select_script([], ctx_of())


def test_selection_does_not_depend_on_library_order() -> None:
    for ctx in (ctx_of(), ctx_of(reason=Reason.FORGOT), ctx_of("B2B", Stage.WORN)):
        assert select_script(LIBRARY, ctx)[0] == select_script(LIBRARY[::-1], ctx)[0]


def test_matching_scripts_filters_stage_segment_reason_amount() -> None:
    ids = [s.id for s in matching_scripts(LIBRARY, ctx_of("B2B", reason=Reason.FORGOT))]
    assert ids == ["b2b-follow-ferme", "b2b-follow-neutre", "any-follow-neutre"]
    assert Segment.B2B.value == "B2B"
