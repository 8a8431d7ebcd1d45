"""Characters that must never reach a terminal from data (pure).

A name holding `ESC ] 0 ; … BEL` sets the agent's terminal title, `ESC [ 2 J` clears the
screen, a bidi override reorders what the agent reads. Imports refuse such characters
(`find_control_chars`), forms and CLI options drop them (`strip_control_chars`), and every
output replaces them with a visible placeholder (`printable`), for data already stored.

Forbidden: C0 controls (U+0000–U+001F, TAB/CR/LF included in one-line fields; notes may keep
LF), DEL, C1 controls (U+0080–U+009F), the bidi embeddings/overrides U+202A–U+202E, the
isolates U+2066–U+2069 and the marks U+200E, U+200F, U+061C.
"""

from __future__ import annotations

import re

PLACEHOLDER = "\ufffd"  # « � »: visible, one column, never a control

_BIDI = frozenset(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


_BIDI_CLASS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_FORBIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_CLASS}]")
_FORBIDDEN_KEEP_LF = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI_CLASS}]")


def _pattern(keep_newlines: bool) -> re.Pattern[str]:
    return _FORBIDDEN_KEEP_LF if keep_newlines else _FORBIDDEN


def has_control_chars(text: str, *, keep_newlines: bool = False) -> bool:
    return _pattern(keep_newlines).search(text) is not None


def find_control_chars(text: str, *, keep_newlines: bool = False) -> list[tuple[int, str]]:
    """(0-based position, character) of each forbidden character in `text`."""
    return [(m.start(), m.group()) for m in _pattern(keep_newlines).finditer(text)]


def describe_char(ch: str) -> str:
    """« U+001B » and, for the usual ones, a French name: for error messages."""
    names = {
        "\t": "tabulation",
        "\n": "saut de ligne",
        "\r": "retour chariot",
        "\x1b": "échappement",
        "\x07": "sonnerie",
        "\x00": "caractère nul",
    }
    code = f"U+{ord(ch):04X}"
    if ch in names:
        return f"{code} ({names[ch]})"
    if ord(ch) in _BIDI:
        return f"{code} (contrôle de sens d'écriture)"
    return code


def control_chars_problem(text: str, *, keep_newlines: bool = False) -> str | None:
    """The French problem for an import error, or None when `text` is clean."""
    found = find_control_chars(text, keep_newlines=keep_newlines)
    if not found:
        return None
    pos, ch = found[0]
    more = f" (et {len(found) - 1} autre(s))" if len(found) > 1 else ""
    return f"caractère de contrôle interdit {describe_char(ch)} en position {pos + 1}{more}"


def strip_control_chars(text: str, *, keep_newlines: bool = False) -> str:
    """`text` without forbidden characters (typed text: forms and CLI options).

    CR LF and a lone CR become LF when newlines are kept, else a space, as TAB does (who
    pasted a tab or a line break meant a gap). Idempotent.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if not keep_newlines:
        text = text.replace("\n", " ")
    return _pattern(keep_newlines).sub("", text)


def printable(value: object, *, keep_newlines: bool = False) -> str:
    """`str(value)` with each forbidden character replaced by « � » (every output). Idempotent."""
    return _pattern(keep_newlines).sub(PLACEHOLDER, str(value))


_OUTPUT_FORBIDDEN = re.compile(f"[\\x00-\\x08\\x0b-\\x0c\\x0e-\\x1f\\x7f-\\x9f{_BIDI_CLASS}]|\\r(?!\\n)")


def terminal_safe(text: str) -> str:
    """Whole output text (tables, reports, CSV, messages): line ends (LF, CRLF) and TAB kept,
    every other forbidden character replaced by « � ». Idempotent."""
    return _OUTPUT_FORBIDDEN.sub(PLACEHOLDER, text)


_JSON_UNESCAPED = re.compile(f"[\\x7f-\\x9f{_BIDI_CLASS}]")


def json_safe(dumped: str) -> str:
    """JSON text from `json.dumps(…, ensure_ascii=False)` with DEL, C1 and bidi controls
    written as `\\u` escapes with four hex digits (json.dumps already escapes C0): the same JSON value."""
    return _JSON_UNESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
