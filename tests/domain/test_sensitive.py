"""Sensitive words in notes: accent- and case-insensitive, on word boundaries, list extended by
the configuration (domain/sensitive.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from recouvre_tui.domain.sensitive import DEFAULT_SENSITIVE_WORDS, find_sensitive, fold


def test_words_found_as_written_in_order_once_each() -> None:
    note = "Hospitalisée en mars, dit que l'hôpital… HÔPITAL ; son mari est au chômage"
    assert find_sensitive(note) == ["Hospitalisée", "hôpital", "HÔPITAL"]
    assert find_sensitive("Malade. Malade !") == ["Malade"]


def test_word_boundaries_not_substrings() -> None:
    assert find_sensitive("Conteste la facture ; conseil juridique ; confirme le virement") == []
    assert find_sensitive("Il m'a traité de con.") == ["con"]
    assert find_sensitive("raceway, racetrack") == []  # « race » alone only


def test_stems_and_phrases() -> None:
    assert find_sensitive("problème d'alcoolisme") == ["alcoolisme"]
    assert find_sensitive("était en garde  à vue hier") == ["garde  à vue"]
    assert find_sensitive("garde à vous") == []


def test_extra_words_extend_the_default() -> None:
    assert find_sensitive("tricheur notoire") == []
    assert find_sensitive("tricheur notoire, malade", ["tricheu*"]) == ["tricheur", "malade"]
    assert find_sensitive("x", ["", "  ", "*"]) == []  # empty entries are ignored


def test_ligature_is_folded() -> None:
    assert fold("Œuvre Hôpital") == "oeuvre hopital"
    assert find_sensitive("sœur hospitalisée…") == ["hospitalisée"]  # as written, though lengths differ


_SEPARATORS = st.text(alphabet=" .,;:!?()'\"-\n", min_size=1, max_size=3)
_PLAIN = [w for w in DEFAULT_SENSITIVE_WORDS if not w.endswith("*") and " " not in w]


@given(
    word=st.sampled_from(_PLAIN),
    upper=st.lists(st.booleans(), min_size=30, max_size=30),
    before=_SEPARATORS,
    after=_SEPARATORS,
    filler=st.sampled_from(["", "Le client dit", "Appel du 12/11"]),
)
def test_every_listed_word_is_found_whatever_its_case_and_surroundings(
    word: str, upper: list[bool], before: str, after: str, filler: str
) -> None:
    variant = "".join(c.upper() if u else c for c, u in zip(word, upper, strict=False))
    text = f"{filler}{before}{variant}{after}{filler}"
    assert variant in find_sensitive(text)


@given(st.text(alphabet=st.characters(categories=["Ll", "Lu", "Nd", "Zs", "Po"]), max_size=80))
def test_every_reported_word_is_in_the_text(text: str) -> None:
    for word in find_sensitive(text):
        assert word in text
