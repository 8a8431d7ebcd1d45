"""The packaged call-script library and the override folder."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from recouvre_tui.domain.call_scripts import (
    PHASES,
    VARIABLES,
    CallScript,
    ScriptContext,
    render,
    select_script,
)
from recouvre_tui.domain.codes import Reason, Segment, Stage, Tone
from recouvre_tui.services.script_library import (
    load_folder,
    load_packaged_scripts,
    load_scripts,
    merge_scripts,
)

SEGMENTS = [Segment.B2B.value, Segment.B2C.value]


@pytest.fixture(scope="module")
def library() -> list[CallScript]:
    scripts, errors = load_packaged_scripts()
    assert errors == [], "\n".join(str(e) for e in errors)
    return scripts


# --------------------------------------------------------------------------- packaged


def test_every_packaged_script_validates(library: list[CallScript]) -> None:
    assert len(library) >= 24
    ids = [s.id for s in library]
    assert len(ids) == len(set(ids))
    for script in library:
        # The file is named after its id.
        assert script.source == f"recouvre_tui/script_library/{script.id}.md"


@pytest.mark.parametrize(("segment", "stage"), list(itertools.product(SEGMENTS, Stage)))
def test_every_segment_and_stage_has_a_generic_script_in_each_tone(
    library: list[CallScript], segment: str, stage: Stage
) -> None:
    generic = [
        s
        for s in library
        if s.segment == segment
        and s.stage == stage
        and not s.reasons
        and s.amount_min_cents is None
        and s.amount_max_cents is None
    ]
    assert {s.tone for s in generic} == set(Tone)


@pytest.mark.parametrize(("segment", "tone"), list(itertools.product(SEGMENTS, Tone)))
def test_every_segment_has_several_scripts_in_each_tone(library: list[CallScript], segment: str, tone: Tone) -> None:
    assert sum(1 for s in library if s.segment == segment and s.tone == tone) >= 3


@pytest.mark.parametrize("segment", SEGMENTS)
@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("reason", [None, *Reason])
def test_selection_always_finds_a_script_in_the_wanted_tone(
    library: list[CallScript], segment: str, stage: Stage, reason: Reason | None
) -> None:
    for balance, tone in itertools.product((0, 9_000, 2_500_000), (None, *Tone)):
        ctx = ScriptContext(segment=segment, stage=stage, reason=reason, balance_cents=balance)
        script, got, explanation = select_script(library, ctx, tone)
        assert script.stage == stage and script.segment == segment
        assert tone is None or got is tone
        assert "à la place" not in explanation


@pytest.mark.parametrize(
    ("ctx", "expected"),
    [
        (
            ScriptContext("B2B", Stage.BROKEN_PROMISE, balance_cents=423_000, broken_promises=2),
            "b2b-broken-promise-ferme",
        ),
        (ScriptContext("B2C", Stage.FIRST_CONTACT), "b2c-first-contact-empathique"),
        (ScriptContext("B2B", Stage.FIRST_CONTACT), "b2b-first-contact-neutre"),
        (
            ScriptContext("B2B", Stage.FIRST_CONTACT, balance_cents=1_500_000),
            "b2b-first-contact-grand-compte-neutre",
        ),
        (
            ScriptContext("B2C", Stage.FOLLOW_UP, Reason.PAYMENT_TECHNICAL),
            "b2c-follow-up-paiement-neutre",
        ),
        (ScriptContext("B2C", Stage.FOLLOW_UP, Reason.FORGOT), "b2c-follow-up-oubli-neutre"),
        (
            ScriptContext("B2C", Stage.FOLLOW_UP, balance_cents=4_500),
            "b2c-follow-up-petit-montant-neutre",
        ),
        (
            ScriptContext("B2B", Stage.FOLLOW_UP, Reason.PAYMENT_PATH_UNCLEAR),
            "b2b-follow-up-circuit-neutre",
        ),
        (
            ScriptContext("B2B", Stage.FOLLOW_UP, Reason.BAD_FAITH),
            "b2b-follow-up-mauvaise-foi-ferme",
        ),
        (
            ScriptContext("B2C", Stage.FOLLOW_UP, Reason.TEMPORARY_DIFFICULTY),
            "b2c-follow-up-empathique",
        ),
        (ScriptContext("B2C", Stage.HARDSHIP), "b2c-hardship-empathique"),
        (ScriptContext("B2B", Stage.AFTER_FORMAL_NOTICE), "b2b-after-formal-notice-ferme"),
        (
            ScriptContext("B2B", Stage.AFTER_FORMAL_NOTICE, balance_cents=2_000_000),
            "b2b-after-formal-notice-neutre",
        ),
        (ScriptContext("B2C", Stage.WORN), "b2c-worn-neutre"),
        (ScriptContext("B2B", Stage.DISPUTE, Reason.DISPUTE), "b2b-dispute-neutre"),
        (ScriptContext("B2C", Stage.INBOUND), "b2c-inbound-neutre"),
    ],
)
def test_default_selection_in_the_packaged_library(
    library: list[CallScript], ctx: ScriptContext, expected: str
) -> None:
    assert select_script(library, ctx)[0].id == expected


# --------------------------------------------------------------------------- style


def test_phases_are_short_enough_for_the_panel(library: list[CallScript]) -> None:
    for script in library:
        for phase in PHASES:
            lines = script.phases[phase].split("\n")
            assert 1 <= len(lines) <= 4, (script.id, phase)
            for line in lines:
                assert len(line) <= 76, (script.id, line)
        assert 2 <= len(script.objections) <= 5, script.id
        for objection, answer in script.objections:
            assert len(objection) <= 45 and len(answer) <= 72, (script.id, objection)


def test_every_script_asks_for_factual_notes(library: list[CallScript]) -> None:
    for script in library:
        assert "Note factuelle" in script.phases["conclure"], script.id


# Words that would be threatening, misleading or out of place in an amicable call.
FORBIDDEN = re.compile(
    r"huissier|saisie|fichage|fiché|FICP|prison|\bpénal(?:e|es|ement)?\b|plainte|casier|"
    r"employeur|voisin|"
    r"\btu\b|\btoi\b|\btes\b|\bton\s+(?:compte|dossier|solde)",
    re.IGNORECASE,
)


def _all_text(script: CallScript) -> str:
    parts = [script.title, *script.phases.values()]
    parts += [f"{o} {a}" for o, a in script.objections]
    return "\n".join(parts)


def test_no_threatening_or_misleading_wording(library: list[CallScript]) -> None:
    for script in library:
        assert not FORBIDDEN.search(_all_text(script)), (
            script.id,
            FORBIDDEN.search(_all_text(script)),
        )


def test_b2b_only_legal_wording_stays_out_of_b2c_scripts(library: list[CallScript]) -> None:
    # Late penalties and the 40 € recovery indemnity are B2B rules (code de commerce).
    for script in library:
        if script.segment == "B2C":
            text = _all_text(script)
            assert "pénalité" not in text and "40 €" not in text, script.id


def test_formal_notice_scripts_cite_the_letter(library: list[CallScript]) -> None:
    for script in library:
        if script.stage == Stage.AFTER_FORMAL_NOTICE:
            assert "{letter_ref}" in script.phases["ecouter"], script.id


def test_every_packaged_script_renders_without_leftover_placeholders(
    library: list[CallScript],
) -> None:
    values = {name: f"<{name}>" for name in VARIABLES}
    for script in library:
        rendered = render(script, values, collection_agency=True)
        text = "\n".join([*rendered.phases.values(), *(a for _, a in rendered.objections)])
        assert "{" not in text and "}" not in text, script.id
        assert "<letter_ref>" in rendered.phases["ecouter"]


# --------------------------------------------------------------------------- override folder

OVERRIDE = """\
+++
id = "{id}"
title = "{title}"
segment = "B2C"
stage = "follow_up"
tone = "neutre"
+++
## Écouter
« Bonjour {{debtor_name}}. »
## Identifier
« Il reste {{amount_due}}. »
## Proposer
Échéancier {{proposed_plan}}.
## Conclure
Note factuelle.
"""


def write(folder: Path, name: str, sid: str, title: str = "Version de l'équipe") -> Path:
    path = folder / name
    path.write_text(OVERRIDE.format(id=sid, title=title), encoding="utf-8")
    return path


def test_no_override_folder_gives_the_packaged_library(library: list[CallScript]) -> None:
    assert load_scripts(None) == (library, [])
    assert load_scripts("") == (library, [])


def test_override_replaces_same_id_and_adds_new_ids(tmp_path: Path, library: list[CallScript]) -> None:
    replaced = write(tmp_path, "relance.md", "b2c-follow-up-neutre")
    added = write(tmp_path, "nouveau.md", "equipe-relance", "Nouveau script")
    (tmp_path / "README.md").write_text("# notes de l'équipe\n", encoding="utf-8")
    (tmp_path / "_brouillon.md").write_text("pas un script", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignoré", encoding="utf-8")

    scripts, errors = load_scripts(tmp_path)

    assert errors == []
    by_id = {s.id: s for s in scripts}
    assert len(scripts) == len(library) + 1
    assert by_id["b2c-follow-up-neutre"].source == str(replaced)
    assert by_id["b2c-follow-up-neutre"].title == "Version de l'équipe"
    assert by_id["equipe-relance"].source == str(added)
    assert [s.id for s in scripts] == sorted(by_id)


def test_bad_override_file_is_reported_and_hides_nothing(tmp_path: Path, library: list[CallScript]) -> None:
    bad = write(tmp_path, "casse.md", "b2c-follow-up-neutre")
    bad.write_text(bad.read_text(encoding="utf-8").replace("{amount_due}", "{{ 7*7 }}"), encoding="utf-8")
    toml = tmp_path / "toml.md"
    toml.write_text("+++\nid = \nstage = 3\n+++\n## Écouter\nx\n", encoding="utf-8")

    scripts, errors = load_scripts(tmp_path)

    assert scripts == library  # the packaged version is still there
    rendered = sorted(str(e) for e in errors)
    assert rendered[0].startswith(f"{bad}:11: ") and "doubles accolades" in rendered[0]
    assert any(line.startswith(f"{toml}:2: en-tête TOML invalide") for line in rendered)


def test_duplicate_ids_within_the_override_folder(tmp_path: Path) -> None:
    first = write(tmp_path, "a.md", "equipe-x", "Premier")
    second = write(tmp_path, "b.md", "equipe-x", "Second")

    scripts, errors = load_folder(tmp_path)

    assert [(s.id, s.title) for s in scripts] == [("equipe-x", "Premier")]
    assert [str(e) for e in errors] == [
        f"{second}:2: id « equipe-x » déjà utilisé par {first}",
    ]


def test_non_utf8_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes(OVERRIDE.format(id="x", title="Relance à froid").encode("latin-1"))
    scripts, errors = load_folder(tmp_path)
    assert scripts == []
    assert [(e.source, e.line) for e in errors] == [(str(path), 3)]
    assert "UTF-8" in errors[0].message


def test_missing_override_folder_keeps_the_packaged_scripts(tmp_path: Path, library: list[CallScript]) -> None:
    missing = tmp_path / "absent"
    scripts, errors = load_scripts(missing)
    assert scripts == library
    assert [str(e) for e in errors] == [f"{missing}: dossier de scripts introuvable"]


def test_merge_scripts_is_pure(library: list[CallScript]) -> None:
    one = library[0]
    assert merge_scripts(library, []) == library
    assert merge_scripts([], [one]) == [one]
