"""How a search word is folded: written once, for the SQL of both stores and for the query.

A debtor is found whatever the case and the marks of the words typed, in every script a French
collection team meets (Latin, Greek, Cyrillic, Hebrew, Arabic, CJK): « Παπαδόπουλος » by
« παπαδοπουλ » and « ΠΑΠΑΔΌ », « محمّد » by « محمد », « שָׁלוֹם » by « שלום », « Ёлкин » by « елк ».
The lists below are the only definition; they generate

- SQLite: the nested `replace()` of the index's triggers (`schema._search_ddl`, plain SQL, no
  function registered by the application) before FTS5's tokenizer, which folds the case of
  every script and takes accents off Latin letters itself;
- PostgreSQL: the `translate()` calls and the word pattern of `_search_words`
  (`pg_schema._WORDS_OF`), which depend neither on the server's locale nor on ICU, and leave
  to `unaccent` only the Latin letters it always handled;
- the query: `prefold` (both stores, `services.search.analyse`) and `fold` (PostgreSQL's words).

Latin names are indexed as before: their accents are still taken off by FTS5 and `unaccent`,
œ æ ß… are spelled out (`SPELLED_OUT`), and the lists below hold no Latin letter.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Latin letters without a Unicode decomposition, spelled out as PostgreSQL's `unaccent` does
# (m019): « Lætitia » is found by « laetitia » and by « lætitia », on both stores.
SPELLED_OUT = (
    ("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"), ("ẞ", "SS"), ("ø", "o"), ("Ø", "O"),
    ("ł", "l"), ("Ł", "L"), ("đ", "d"), ("Đ", "D"), ("ħ", "h"), ("Ħ", "H"), ("ı", "i"),
)  # fmt: skip

# The blocks whose marks are ignored (m020). The combining diacritical marks are those typed
# after a letter (« e » + U+0301, or a Greek vowel + U+0301); FTS5 knew 25 of them only and
# split a word at any other.
_MARKED_BLOCKS = (
    (0x0300, 0x036F),  # combining diacritical marks
    (0x0370, 0x03FF),  # Greek: tonos, dialytika
    (0x0400, 0x052F),  # Cyrillic: ё й ї… (the breve and the diaeresis are marks too)
    (0x0590, 0x05FF),  # Hebrew: niqqud, cantillation
    (0x0600, 0x06FF),  # Arabic: harakat, shadda, hamza above and below, tatweel
    (0xFB1D, 0xFB4F),  # Hebrew letters with a point, precomposed
)
_TATWEEL = "\u0640"  # the Arabic stretch of a line between letters: « محـمد » is « محمد »


def _in_blocks() -> Iterable[str]:
    for lo, hi in _MARKED_BLOCKS:
        yield from (chr(cp) for cp in range(lo, hi + 1))


def _ranges(chars: Iterable[str]) -> list[tuple[str, str]]:
    """Consecutive code points as (first, last); `chars` in code point order."""
    out: list[list[int]] = []
    for cp in map(ord, chars):
        if out and out[-1][1] + 1 == cp:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return [(chr(a), chr(b)) for a, b in out]


def _char_class(chars: Iterable[str], *, negate: bool = False) -> str:
    """A regular expression's bracket expression (PostgreSQL's and Python's syntax agree)."""
    body = "".join(a if a == b else f"{a}-{b}" for a, b in _ranges(sorted(set(chars))))
    return f"[{'^' if negate else ''}{body}]"


@dataclass(frozen=True)
class Marks:
    """The marks dropped and the letters written without their mark, with what the SQL and the
    query need of them. Built on first use (`marks()`): a session that never searches and
    never migrates does not pay for it (10 ms and 0.7 MB at start-up)."""

    marks: tuple[str, ...]  # every non-spacing or enclosing mark of the blocks, and the tatweel
    # Letters written with a mark, as one code point, and the letter without it (« ά » → « α »,
    # « Ё » → « Е », « أ » → « ا », « שׁ » → « ש »).
    bases: tuple[tuple[str, str], ...]
    has_marks: str  # a text with a mark or a letter of `bases` (PostgreSQL translates only those)
    # SQLite's triggers and m020: a character in the ranges of those, block by block (a Latin
    # name has none, and costs a few range tests a character, not a hundred); SQLite's GLOB has
    # the same bracket syntax as a regular expression (ranges of code points).
    may_have_marks_glob: str
    prefold: dict[int, str | None]  # str.translate's table of `prefold`


def _glob_of_blocks(chars: list[str]) -> str:
    """A GLOB true of a text with one of `chars`: per block of `_MARKED_BLOCKS`, the range from
    its first to its last character among them. Not one range from U+0300 to U+FB4F: that held
    the typographic apostrophe, the dashes and « € » of Latin names (« d’Artagnan »), and sent
    them through the folding steps for nothing."""
    spans = []
    for lo, hi in _MARKED_BLOCKS:
        inside = [c for c in chars if lo <= ord(c) <= hi]
        if inside:
            spans.append(f"{min(inside)}-{max(inside)}")
    return "*[" + "".join(spans) + "]*"


@functools.cache
def marks() -> Marks:
    dropped = (*(c for c in _in_blocks() if unicodedata.category(c) in ("Mn", "Me")), _TATWEEL)

    def base(letter: str) -> str:
        kept = "".join(c for c in unicodedata.normalize("NFD", letter) if c not in dropped)
        return unicodedata.normalize("NFC", kept)

    letters = (c for c in _in_blocks() if unicodedata.category(c).startswith("L"))
    bases = tuple((c, base(c)) for c in letters if len(base(c)) == 1 and base(c) != c)
    folded = [*dropped, *(c for c, _ in bases)]
    assert not {b for _, b in bases} & set(folded), "a base letter is replaced again"
    return Marks(
        marks=dropped,
        bases=bases,
        has_marks=_char_class(folded),
        may_have_marks_glob=_glob_of_blocks(folded),
        prefold=str.maketrans({**dict(SPELLED_OUT), **dict(bases), **dict.fromkeys(dropped)}),
    )


# The code points a word is made of: letters, digits and private-use characters, as FTS5's
# `unicode61` tokenizer (categories L*, N*, Co); any other character separates two words.
_WORD_CATEGORIES = ("Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Co")
# Unicode assigns no letter, digit or upper case letter past U+323AF but the private use
# planes 15 and 16 (checked by tests/test_search_scripts_property.py): the tables below read
# 0.2 million code points, not 1.1 (~0.2 s on first use, nothing at import).
_LAST_SCANNED = 0x323FF
_PRIVATE_PLANES = ("\U000f0000", "\U000ffffd"), ("\U00100000", "\U0010fffd")


@dataclass(frozen=True)
class _Tables:
    cases: tuple[tuple[str, str], ...]  # upper case -> lower case, one code point each
    not_word: str  # PostgreSQL's (and Python's) pattern between two words
    has_upper: str  # a text with an upper case letter outside A-Z
    case: dict[int, str]
    word_re: re.Pattern[str]


@functools.cache
def tables() -> _Tables:
    """Upper case to lower case in every script (PostgreSQL: its `lower()` changes A-Z only
    under the columns' `COLLATE "C"`; FTS5 folds case itself), the final sigma folded as FTS5
    does; and the pattern of the characters between two words."""
    # One code point at a time: a list of the 0.2 million (and of their lower case) took 16 MB
    # that a session kept after its first search.
    category = unicodedata.category
    upper: list[tuple[str, str]] = []
    letters: list[list[int]] = []  # [first, last] code points of each run of word characters
    for cp in range(_LAST_SCANNED + 1):
        c = chr(cp)
        if cp >= 0x80 and (lc := c.lower()) != c and len(lc) == 1:
            upper.append((c, lc))
        if category(c) in _WORD_CATEGORIES:
            if letters and letters[-1][1] + 1 == cp:
                letters[-1][1] = cp
            else:
                letters.append([cp, cp])
    cases = (*upper, ("ς", "σ"))
    word = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in letters)
    not_word = "[^" + word + "".join(f"{a}-{b}" for a, b in _PRIVATE_PLANES) + "]+"
    return _Tables(
        cases=cases,
        not_word=not_word,
        has_upper=_char_class(c for c, _ in cases),
        case=str.maketrans(dict(cases)),
        word_re=re.compile(not_word),
    )


def prefold(text: str) -> str:
    """What the index's SQL does before the words are cut, on both stores: œ æ ß… spelled out,
    marks dropped, letters with a mark written without it. Case and Latin accents are left."""
    return text.translate(marks().prefold)


def _unaccent(text: str) -> str:
    """Latin accents off, as PostgreSQL's `unaccent` does for the letters that matter here."""
    out = []
    for c in text:
        if c.isascii() or not ("\u00c0" <= c <= "\u024f" or "\u1e00" <= c <= "\u1eff" or "\ufb00" <= c <= "\ufb06"):
            out.append(c)
        else:
            out.append("".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d)))
    return "".join(out)


def words(text: str) -> list[str]:
    """The words of a text as PostgreSQL's `debtor_search.words` holds them (and, for the
    scripts above, as FTS5 cuts them on SQLite): the Python reference of both indexes."""
    t = tables()
    folded = _unaccent(prefold(text)).lower().translate(t.case)
    return [w for w in t.word_re.split(folded) if w]


def fold(word: str) -> str:
    """One word typed by a user, as PostgreSQL's word table holds it (no separator left)."""
    return "".join(words(word))


def query_words(text: str) -> list[str]:
    """The words of a query, cut where the index cuts them: marks dropped first, so that
    « محمّد » stays one word (Python's regular expressions, like FTS5, end a word at a mark)."""
    return [w for w in tables().word_re.split(prefold(text.lower())) if w]


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sqlite_spelled_out_sql(expr: str) -> str:
    """SQLite: œ æ ß… spelled out, as plain SQL (nested `replace()`): the value the index's
    triggers write first, a Latin name's last."""
    for letter, spelled_out in SPELLED_OUT:
        expr = f"replace({expr}, '{letter}', '{spelled_out}')"
    return expr


# SQLite's parser refuses more than ~30 nested calls (« parser stack overflow », 3.40): the
# marks and letters are replaced in steps of this many, one statement each.
SQLITE_STEP = 20


def sqlite_fold_steps() -> list[tuple[str, str, str]]:
    """The rest of `prefold` on SQLite, in steps: (GLOB pattern of a text that has one of the
    step's characters, the step's nested `replace()` of the column `ref`, of `name`). A step
    only rewrites a text that has one of its characters; the steps commute (no character one
    writes is one another replaces)."""
    m = marks()
    pairs = sorted([*m.bases, *((mark, "") for mark in m.marks)])
    steps = []
    for i in range(0, len(pairs), SQLITE_STEP):
        step = pairs[i : i + SQLITE_STEP]
        ref, name = "ref", "name"
        for letter, base in step:
            ref = f"replace({ref}, '{letter}', '{base}')"
            name = f"replace({name}, '{letter}', '{base}')"
        steps.append(("*" + _char_class(c for c, _ in step) + "*", ref, name))
    return steps


def pg_words_sql(expr: str) -> str:
    """PostgreSQL: `words` as SQL, the words separated by spaces (one at each end). Marks off
    and letters of `Marks.bases` written without them (only when the text has one), then Latin
    accents off and œ æ ß… spelled out by `unaccent` as before, A-Z lowered (`COLLATE "C"`: the
    server's locale plays no part), any other upper case letter lowered (only when there is
    one: `translate` over the whole list costs ~0.2 ms a name), and the text cut into words."""
    m = marks()
    dropped = "".join(m.marks)
    bases_from = "".join(c for c, _ in m.bases)
    bases_to = "".join(b for _, b in m.bases)
    prefolded = (
        f"CASE WHEN {expr} ~ {_sql_literal(m.has_marks)} "
        f"THEN translate({expr}, {_sql_literal(bases_from + dropped)}, {_sql_literal(bases_to)}) ELSE {expr} END"
    )
    t = tables()
    cases_from = "".join(c for c, _ in t.cases)
    cases_to = "".join(lc for _, lc in t.cases)
    cased = (
        f"CASE WHEN t ~ {_sql_literal(t.has_upper)} "
        f"THEN translate(t, {_sql_literal(cases_from)}, {_sql_literal(cases_to)}) ELSE t END"
    )
    # A text in ASCII once its Latin accents are off (a French name) is cut at [^a-z0-9], which is
    # what the full pattern says of ASCII once A-Z are lowered: the long patterns and the case
    # table are then neither compiled nor run (each call, and each new connection, paid them).
    return (
        f"(SELECT ' ' || CASE WHEN t ~ '^[\\x01-\\x7f]*$' THEN regexp_replace(t, '[^a-z0-9]+', ' ', 'g') "
        f"ELSE regexp_replace({cased}, {_sql_literal(t.not_word)}, ' ', 'g') END || ' ' "
        f'FROM (SELECT lower(unaccent({prefolded}) COLLATE "C") AS t) AS folded)'
    )
