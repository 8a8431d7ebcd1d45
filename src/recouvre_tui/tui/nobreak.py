"""Amounts never split across lines: no line break at a no-break space.

French amounts are written « 12 345,67 € » with U+202F between thousands and U+00A0 before
the euro sign. Rich and Textual wrap text with regular expressions built on `\\s`, which in
Python matches those no-break spaces too, so « 25 897,36 € » could end a line at « 25 ».
`install()` swaps their word patterns for ones that treat U+00A0, U+202F and U+2007, and the
spaces French typography glues (before € » : ; ! ?, after «), as part of the word (tested in
tests/tui/test_layout_80.py, so a library upgrade that renames them fails loudly).
"""

from __future__ import annotations

import re

NO_BREAK = "\u00a0\u202f\u2007"
# French typography: a line never breaks inside « 12 345,67 € », after « or before » € : ; ! ?
# (the scripts and services write a plain space there).
_GLUED_BEFORE = "€»:;!?"
_BREAKABLE = rf"[^\S{NO_BREAK}]"
_WORD = rf"(?:[\S{NO_BREAK}]|(?<=«){_BREAKABLE}|{_BREAKABLE}(?=[{_GLUED_BEFORE}]))"
_SPACE = rf"(?:(?<!«){_BREAKABLE}(?![{_GLUED_BEFORE}]))"  # a space a line may break at

RICH_WORD = re.compile(rf"{_SPACE}*{_WORD}+{_SPACE}*")
TEXTUAL_CHUNK = re.compile(rf"{_WORD}+{_SPACE}*|{_SPACE}+")


def install() -> None:
    import rich._wrap
    import textual._wrap

    rich._wrap.re_word = RICH_WORD
    textual._wrap.re_chunk = TEXTUAL_CHUNK  # type: ignore[attr-defined]
