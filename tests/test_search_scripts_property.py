"""The same search finds the same debtors, in the same order, on SQLite and on PostgreSQL, for
names mixing the scripts a French collection team meets (Latin with its accents and œ æ ß,
Greek with tonos and dialytika, Cyrillic, Arabic with harakat, shadda and tatweel, Hebrew with
niqqud, CJK, digits), typed with or without their marks, in any case, with spaces and
punctuation. Each hit really has the query's words, per the Python reference folding
(store/search_folding.py, `words` and `fold`), and every debtor that has them is a hit.

Hypothesis draws a handful of names (some written again by a rename: the update trigger) and
queries: prefixes of a name's words as the index folds them, pieces of a name as written (marks
and case kept), and random words. One SQLite file and one PostgreSQL database serve every
example (the debtors are deleted between two). `RECOUVRE_SEARCH_EXAMPLES=500` runs more."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recouvre_tui.domain.refs import normalise_ref
from recouvre_tui.services.roles import OPERATOR
from recouvre_tui.services.search import analyse, search_debtors
from recouvre_tui.store.db import Store, init_db
from recouvre_tui.store.search_folding import words
from stores import cluster

pytestmark = pytest.mark.sqlite_only  # builds both stores itself: runs once

EXAMPLES = int(os.environ.get("RECOUVRE_SEARCH_EXAMPLES", "60"))

LATIN = "abcdeéèêëàâäçîïôöùûüÿñœæßøłEÉÈÀÂÇÎÔÙŒÆØŁSZ"
GREEK = "αβγδεζηθικλμνξοπρστυφχψωςάέήίόύώϊϋΐΰΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΆΈΉΊΌΎΏΪΫ"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюяёїўАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯЁЇ"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويأإآؤئةى"
HARAKAT = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0640"  # and the tatweel
HEBREW = "אבגדהוזחטיכךלמםנןסעפףצץקרשת"
NIQQUD = "\u05b0\u05b1\u05b2\u05b3\u05b4\u05b5\u05b6\u05b7\u05b8\u05b9\u05bb\u05bc\u05c1\u05c2"
CJK = "张伟王小明李陈東京山田"
COMBINING = "\u0301\u0300\u0308\u0302"  # accents typed after their letter (é as e + U+0301)
DIGITS = "0123456789"
SEPARATORS = "  -'.,&/()\""

LETTERS = st.sampled_from(LATIN + GREEK + CYRILLIC + ARABIC + HEBREW + CJK + DIGITS)
MARKS = st.sampled_from(HARAKAT + NIQQUD + COMBINING)


@st.composite
def word(draw: st.DrawFn) -> str:
    """Letters of one or more scripts, a mark after some of them."""
    out = ""
    for letter in draw(st.lists(LETTERS, min_size=1, max_size=8)):
        out += letter + (draw(MARKS) if draw(st.integers(0, 3)) == 0 else "")
    return out


@st.composite
def name(draw: st.DrawFn) -> str:
    parts = draw(st.lists(word(), min_size=1, max_size=4))
    text = parts[0]
    for part in parts[1:]:
        text += draw(st.text(alphabet=SEPARATORS, min_size=1, max_size=2)) + part
    return text


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[list[str], list[tuple[int, str]]]:
    """Names (several alike: « Παπα » and « ΠΑΠΆ », one twice), then some renamed."""
    names = draw(st.lists(name(), min_size=1, max_size=7))
    if draw(st.booleans()):
        names.append(names[0].upper())
    if draw(st.booleans()):
        names.append(names[-1])
    renames = draw(st.lists(st.tuples(st.integers(0, len(names) - 1), name()), max_size=2))
    return names, renames


@st.composite
def queries(draw: st.DrawFn, names: list[str]) -> str:
    kind = draw(st.integers(0, 3))
    source = draw(st.sampled_from(names))
    if kind == 0:  # prefixes of words as the index folds them
        ws = words(source)
        chosen = draw(st.lists(st.sampled_from(ws), min_size=1, max_size=2)) if ws else ["x"]
        return " ".join(w[: draw(st.integers(1, len(w)))] for w in chosen)
    if kind == 1:  # a piece of the name as written: marks, case, punctuation kept
        i = draw(st.integers(0, len(source) - 1))
        return source[i : i + draw(st.integers(1, 12))]
    if kind == 2:  # as written, in upper case
        return source[: draw(st.integers(1, len(source)))].upper()
    return draw(name())


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Store]]:
    folder = tmp_path_factory.mktemp("scripts")
    sqlite, pg = init_db(folder / "t.db"), init_db(cluster().new_database("scripts"))
    yield sqlite, pg
    sqlite.close()
    pg.close()


def write(store: Store, names: list[str], renames: list[tuple[int, str]]) -> None:
    with store.write() as conn:
        conn.execute("DELETE FROM debtors")
        for i, n in enumerate(names):
            conn.execute(
                "INSERT INTO debtors (ref, name, segment, created_at, updated_at) "
                "VALUES (?, ?, 'B2C', '2026-01-01', '2026-01-01')",
                (f"R{i}", n),
            )
        for i, n in renames:
            conn.execute("UPDATE debtors SET name = ? WHERE ref = ?", (n, f"R{i}"))


def expected(text: str, debtors: dict[str, str]) -> list[str] | None:
    """The hits per the Python reference: every word of the query starts a word of the debtor's
    reference or name, an exact reference first, then by name and reference (code points).
    None for a query of digits only (a phone, a SIREN: not the subject here)."""
    text = normalise_ref(text)  # as `search_debtors` reads it (NFKC)
    if not analyse(text).words:
        return None
    typed = words(text)  # the query's words cut as the index cuts a name, not as `analyse` does
    hits = [
        ref
        for ref, n in debtors.items()
        if typed and all(any(x.startswith(t) for x in words(ref) + words(n)) for t in typed)
    ]
    return sorted(hits, key=lambda ref: (ref != text.strip(), debtors[ref], ref))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), portfolio=portfolios())
def test_the_same_search_finds_the_same_debtors_on_both_stores(
    both: tuple[Store, Store], data: st.DataObject, portfolio: tuple[list[str], list[tuple[int, str]]]
) -> None:
    names, renames = portfolio
    sqlite, pg = both
    write(sqlite, names, renames)
    write(pg, names, renames)
    debtors = {f"R{i}": n for i, n in enumerate(names)}
    debtors.update({f"R{i}": n for i, n in renames})
    for _ in range(6):
        text = data.draw(queries(list(debtors.values())), label="query")
        on_sqlite = [h.debtor_ref for h in search_debtors(sqlite, OPERATOR, text, limit=200)]
        on_pg = [h.debtor_ref for h in search_debtors(pg, OPERATOR, text, limit=200)]
        assert on_sqlite == on_pg, text
        want = expected(text, debtors)
        if want is not None:
            assert on_sqlite == want, text


def test_the_reference_folding_on_the_hand_written_cases() -> None:
    assert words("Παπαδόπουλος, ΣΟΦΊΑ") == ["παπαδοπουλοσ", "σοφια"]
    assert words("مُحَمَّد العَلِيّ") == ["محمد", "العلي"]
    assert words("שָׁלוֹם-כֹּהֵן") == ["שלום", "כהן"]
    assert words("Ёлкин Пётр") == ["елкин", "петр"]
    assert words("张伟 (Lætitia Straße)") == ["张伟", "laetitia", "strasse"]
    assert words(unicodedata.normalize("NFD", "Éléonore Ὀδυσσεύς")) == ["eleonore", "οδυσσευσ"]


def test_no_letter_digit_or_upper_case_letter_past_the_code_points_the_tables_read() -> None:
    """`search_folding.tables` reads the code points up to U+323FF and adds the private use
    planes: true of this Python's Unicode, so the word pattern and the case table are whole."""
    from recouvre_tui.store import search_folding as f

    private = [(ord(a), ord(b)) for a, b in f._PRIVATE_PLANES]
    for cp in range(f._LAST_SCANNED + 1, 0x110000):
        c = chr(cp)
        if any(a <= cp <= b for a, b in private):
            assert unicodedata.category(c) == "Co", hex(cp)
            continue
        assert unicodedata.category(c) not in f._WORD_CATEGORIES and c.lower() == c, hex(cp)
