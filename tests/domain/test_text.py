"""`domain.text`: the characters that must never reach a terminal from data."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from recouvre_tui.domain.text import (
    PLACEHOLDER,
    control_chars_problem,
    find_control_chars,
    json_safe,
    printable,
    strip_control_chars,
    terminal_safe,
)

C0 = [chr(c) for c in range(0x20)]
C1 = [chr(c) for c in range(0x7F, 0xA0)]
BIDI = [chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))]
FORBIDDEN = set(C0 + C1 + BIDI)

# Text rich in the dangerous characters, plus everything else.
texts = st.text(alphabet=st.one_of(st.sampled_from(sorted(FORBIDDEN)), st.characters()), max_size=60)


def test_find_control_chars_locates_each_one() -> None:
    name = "Du\x1b]0;x\x07pont\u202e\x9b"
    assert find_control_chars(name) == [(2, "\x1b"), (7, "\x07"), (12, "\u202e"), (13, "\x9b")]
    assert find_control_chars("Hélène Ｂ1 « ok » ‑ 😀") == []
    assert find_control_chars("ligne 1\nligne 2", keep_newlines=True) == []
    assert find_control_chars("a\tb\r\nc", keep_newlines=True) == [(1, "\t"), (3, "\r")]
    assert find_control_chars("a\nb") == [(1, "\n")]


def test_control_chars_problem_in_french() -> None:
    assert control_chars_problem("ok") is None
    assert control_chars_problem("Du\x1b[2Jx\x07") == (
        "caractère de contrôle interdit U+001B (échappement) en position 3 (et 1 autre(s))"
    )
    assert control_chars_problem("\u2066x") == (
        "caractère de contrôle interdit U+2066 (contrôle de sens d'écriture) en position 1"
    )


def test_strip_and_printable_by_hand() -> None:
    assert strip_control_chars("Du\x1b[2Jpont\x07") == "Du[2Jpont"
    assert strip_control_chars("a\tb\r\nc\rd") == "a b c d"
    assert strip_control_chars("a\tb\r\nc\rd\x1b", keep_newlines=True) == "a b\nc\nd"
    assert printable("Du\x1b]0;x\x07") == f"Du{PLACEHOLDER}]0;x{PLACEHOLDER}" == "Du\ufffd]0;x\ufffd"
    assert printable("a\nb") == "a\ufffdb" and printable("a\nb", keep_newlines=True) == "a\nb"
    assert printable(12) == "12"
    assert terminal_safe("a\tb\r\nc\rd\x1b\x9b\u202e\n") == "a\tb\r\nc\ufffdd\ufffd\ufffd\ufffd\n"


@given(texts, st.booleans())
def test_strip_leaves_no_forbidden_character_and_is_idempotent(text: str, keep: bool) -> None:
    out = strip_control_chars(text, keep_newlines=keep)
    assert not set(out) & (FORBIDDEN - ({"\n"} if keep else set()))
    assert strip_control_chars(out, keep_newlines=keep) == out
    assert find_control_chars(out, keep_newlines=keep) == []


@given(texts, st.booleans())
def test_printable_replaces_one_for_one_and_is_idempotent(text: str, keep: bool) -> None:
    out = printable(text, keep_newlines=keep)
    allowed = {"\n"} if keep else set()
    assert not set(out) & (FORBIDDEN - allowed)
    assert len(out) == len(text)
    assert [a for a, b in zip(text, out, strict=True) if a != b] == [
        ch for ch in text if ch in FORBIDDEN - allowed
    ]
    assert printable(out, keep_newlines=keep) == out


@given(texts)
def test_terminal_safe_keeps_only_line_ends_and_tabs(text: str) -> None:
    out = terminal_safe(text)
    leftover = set(out.replace("\r\n", "")) & FORBIDDEN
    assert leftover <= {"\n", "\t"}
    assert terminal_safe(out) == out


@given(st.recursive(st.one_of(st.none(), texts), lambda inner: st.lists(inner, max_size=3), max_leaves=6))
def test_json_safe_is_the_same_json_without_raw_controls(value: object) -> None:
    dumped = json_safe(json.dumps(value, ensure_ascii=False, indent=2))
    assert json.loads(dumped) == value
    assert not set(dumped) & (FORBIDDEN - {"\n"})
