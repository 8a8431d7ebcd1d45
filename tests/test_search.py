"""Debtor search (FTS5 over reference, name, SIREN, phones; LIKE fallback), respecting roles."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlite_utils

from lead_helpers import PORTFOLIO, LeadEnv, make_lead_env
from recouvre_tui.services.maintenance import migrate
from recouvre_tui.services.search import analyse, search_debtors
from recouvre_tui.store import search as search_sql
from recouvre_tui.store.db import SqliteStore, connect, init_db, open_db
from recouvre_tui.store.schema import migrations
from stores import new_db, on_postgres


@pytest.fixture
def env(tmp_path: Path) -> LeadEnv:
    return make_lead_env(tmp_path)


def refs(env: LeadEnv, text: str, *, who: str = "lea", limit: int = 20) -> list[str]:
    actor = {"lea": env.lea, "alice": env.alice, "bob": env.bob}[who]
    return [h.debtor_ref for h in search_debtors(env.store, actor, text, limit=limit)]


@pytest.mark.parametrize(
    "text",
    ["06 12 34 56 78", "0612345678", "+33612345678", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678"],
)
def test_a_phone_number_matches_whatever_its_spelling(env: LeadEnv, text: str) -> None:
    assert refs(env, text) == ["A1"]


@pytest.mark.parametrize("text", ["0692 12 34 56", "0692123456", "+262 692 12 34 56", "+262692123456"])
def test_an_overseas_phone_number(env: LeadEnv, text: str) -> None:
    assert refs(env, text) == ["A2"]


def test_a_partial_phone_number_is_a_prefix(env: LeadEnv) -> None:
    assert refs(env, "06 12 34") == ["A1"]
    assert refs(env, "+33 6 98") == ["B1"]
    assert sorted(refs(env, "01 40 00 00")) == ["P1", "P2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("soc gen", ["A1"]),  # word prefixes, accents ignored
        ("SOCIETE GENERALE", ["A1"]),
        ("générale nantes", ["A1"]),
        ("dupont", ["A2"]),
        ("batiments", ["P2"]),
        ("Lefèvre", ["P1"]),
        ("lefevre paul", ["P1"]),
        ("martin dupont", []),  # every word must match
    ],
)
def test_names(env: LeadEnv, text: str, expected: list[str]) -> None:
    assert refs(env, text) == expected


def test_reference_and_siren(env: LeadEnv) -> None:
    assert refs(env, "B2") == ["B2"]
    assert refs(env, "552100554") == ["A2"]
    assert refs(env, "552 100 554") == ["A2"]
    assert refs(env, "552 100") == ["A2"]
    assert refs(env, "732829320") == ["B2"]


def test_an_exact_reference_comes_first(env: LeadEnv) -> None:
    env.add_debtors(
        [
            ("A1-BIS", "A1 Conseil", "B2B", "", "75011", "01 40 00 00 09", "alice", "2026-11-01", "10,00"),
        ]
    )
    assert refs(env, "A1")[0] == "A1"
    assert set(refs(env, "A1")) == {"A1", "A1-BIS"}


def test_empty_or_punctuation_only_finds_nothing(env: LeadEnv) -> None:
    assert refs(env, "") == []
    assert refs(env, "   ") == []
    assert refs(env, "--") == []
    assert refs(env, '"*') == []


def test_limit(env: LeadEnv) -> None:
    assert len(refs(env, "0", limit=2)) == 2


def test_roles(env: LeadEnv) -> None:
    assert refs(env, "Martin", who="alice") == []
    assert refs(env, "Martin", who="bob") == ["B1"]
    assert sorted(refs(env, "01 40 00 00", who="alice")) == ["P1", "P2"]  # the pool
    assert refs(env, "0590 11 22 33", who="alice") == []
    hit = search_debtors(env.store, env.bob, "0590112233")[0]
    assert hit.to_json() == {
        "debtor_ref": "B2",
        "name": "Antilles Négoce",
        "segment": "B2B",
        "siren": "732829320",
        "agent": "bob",
        "balance": 150.0,
        "area": "971",
        "phones": ["+590590112233"],
    }


def test_the_index_follows_imports(env: LeadEnv) -> None:
    changed = next(list(r) for r in PORTFOLIO if r[0] == "A1")
    changed[1] = "Nouvelle Raison Sociale"
    changed[5] = "07 11 22 33 44"
    env.add_debtors([tuple(changed)])
    assert refs(env, "generale nantes") == []
    assert refs(env, "06 12 34 56 78") == []
    assert refs(env, "raison sociale") == ["A1"]
    assert refs(env, "0711223344") == ["A1"]
    assert refs(env, "+33711223344") == ["A1"]


@pytest.mark.parametrize(
    ("name", "typed"),
    [("Œuvres Sociales du Port", "œuvres"), ("Œuvres Sociales du Port", "oeuvres"), ("Lætitia Roux", "laetitia"),
     ("Lætitia Roux", "LÆTITIA"), ("Straße Großhandel", "Straße"), ("Straße Großhandel", "strasse grosshandel"),
     ("Ærø Conseil", "ærø"), ("Łódź Négoce", "łódź"), ("Łódź Négoce", "lodz"), ("Øresund Fret", "Øresund")],
)
def test_a_name_with_a_ligature_or_a_stroke_is_found_as_written_and_spelled_out(
    env: LeadEnv, name: str, typed: str
) -> None:
    """Both stores index « Œ » as « oe » (PostgreSQL with `unaccent`, SQLite's triggers since
    m019), and the query is spelled out the same way (`store.search.fold`, `fts_expression`)."""
    row = list(next(r for r in PORTFOLIO if r[0] == "P1"))
    row[1] = name
    env.add_debtors([tuple(row)])
    assert refs(env, typed) == ["P1"]


# Names in the scripts a French collection team meets, and what a user types to find them:
# case ignored in every script, marks ignored (Latin accents, Greek tonos and dialytika, Arabic
# harakat and shadda, Hebrew niqqud), a word typed is the start of a word of the name.
OTHER_SCRIPTS = [
    ("Παπαδόπουλος Σοφία", "παπαδοπουλ"),
    ("Παπαδόπουλος Σοφία", "ΠΑΠΑΔΌ"),
    ("Παπαδόπουλος Σοφία", "Παπαδόπουλος"),
    ("Παπαδόπουλος Σοφία", "ΠΑΠΑΔΟΠΟΥΛΟΣ σοφια"),
    ("Παπαδόπουλος Σοφία", "παπαδοπουλος"),  # a final ς typed: the index holds σ
    ("ΑΪΔΙΝΗΣ Νίκος", "αϊδ"),
    ("ΑΪΔΙΝΗΣ Νίκος", "αιδινης νικ"),
    ("Ο\u0301μηρος", "όμηρ"),  # the tonos typed as a combining mark
    ("محمّد العلي", "محمد"),
    ("محمد العلي", "مُحَمَّد"),
    ("مُحَمَّد العَلِيّ", "محمد العلي"),
    ("محـمد", "محمد"),  # a tatweel
    ("أحمد", "احمد"),
    ("שָׁלוֹם כֹּהֵן", "שלום"),
    ("שלום כהן", "שָׁלוֹם"),
    ("שָׁלוֹם כֹּהֵן", "כה"),
    ("Ёлкин Пётр", "ёлк"),
    ("Ёлкин Пётр", "ЁЛКИН"),
    ("Ёлкин Пётр", "елкин петр"),
    ("Иванов-Петров Сергей", "петров"),
    ("ИВАНОВ Сергей", "иван серг"),
    ("张伟", "张"),
    ("张伟", "张伟"),
    ("王小明 Trading", "王小 trad"),
    ("Société 東京 Ltd", "東京 soc"),
    ("Ω-Consulting 2024", "ω 2024"),
]


@pytest.mark.parametrize(("name", "typed"), OTHER_SCRIPTS)
def test_a_name_in_another_script_is_found_case_and_marks_ignored(env: LeadEnv, name: str, typed: str) -> None:
    """On both stores (SQLite's triggers drop the marks before FTS5 cuts the words, PostgreSQL's
    `_search_words` keeps the letters of every script: store/search_folding.py, m020)."""
    row = list(next(r for r in PORTFOLIO if r[0] == "P1"))
    row[1] = name
    env.add_debtors([tuple(row)])
    assert refs(env, typed) == ["P1"], (name, typed)


@pytest.mark.parametrize(
    ("name", "typed"),
    [("Παπαδόπουλος", "σοφ"), ("Παπαδόπουλος", "απαδ"), ("محمّد", "حمد"), ("שָׁלוֹם", "לום"), ("Ёлкин", "лкин"),
     ("张伟", "伟"), ("Ёлкин", "ёлкинн"), ("محمّد", "محمدي")],
)  # fmt: skip
def test_a_word_typed_is_the_start_of_a_word_in_every_script(env: LeadEnv, name: str, typed: str) -> None:
    row = list(next(r for r in PORTFOLIO if r[0] == "P1"))
    row[1] = name
    env.add_debtors([tuple(row)])
    assert refs(env, typed) == []


def test_a_renamed_debtor_is_found_by_its_new_name_in_another_script(env: LeadEnv) -> None:
    row = list(next(r for r in PORTFOLIO if r[0] == "P1"))
    row[1] = "Παπαδόπουλος"
    env.add_debtors([tuple(row)])
    row[1] = "שָׁלוֹם"
    env.add_debtors([tuple(row)])
    assert refs(env, "παπαδ") == []
    assert refs(env, "שלום") == ["P1"]


def test_fold_and_query_words_in_every_script() -> None:
    assert [search_sql.fold(w) for w in ("Παπαδόπουλος", "ΠΑΠΑΔΌ", "محمّد", "שָׁלוֹם", "Ёлкин", "张伟", "Lætitia")] == [
        "παπαδοπουλοσ", "παπαδο", "محمد", "שלום", "елкин", "张伟", "laetitia",
    ]  # fmt: skip
    assert analyse("مُحَمَّد العَلِيّ").words == ("محمد", "العلي")  # a mark does not cut a word
    assert analyse("Ο\u0301μηρος").words == ("ομηρος",)
    assert analyse("Soc. Gén.").words == ("soc", "gén")  # Latin accents: FTS5 and unaccent, as before


def test_the_folding_lists_hold_no_latin_letter_and_case_and_marks_commute() -> None:
    """Latin names index as before m020 (their accents are left to FTS5 and `unaccent`); the
    query is lowered before it is folded, the index folded before FTS5 lowers it: the same."""
    import unicodedata

    from recouvre_tui.store import search_folding as f

    m = f.marks()
    assert not [c for pair in m.bases for c in pair if unicodedata.name(c, "").startswith("LATIN")]
    assert m.marks and all(unicodedata.category(c) in ("Mn", "Me") for c in m.marks if c != "\u0640")
    for c, _ in f.marks().bases:
        assert f.prefold(c).lower() == f.prefold(c.lower()), c


def test_fold_spells_out_what_unaccent_spells_out() -> None:
    assert [search_sql.fold(w) for w in ("Œuvres", "Straße", "Ærø", "Łódź", "Øresund", "ﬁnance", "Lefèvre")] == [
        "oeuvres", "strasse", "aero", "lodz", "oresund", "finance", "lefevre",
    ]


def test_marking_a_number_to_verify_does_not_touch_the_index(env: LeadEnv) -> None:
    # SQLite: the FTS rows by rowid; PostgreSQL: `xmin` changes whenever a row is rewritten.
    index = (
        "SELECT xmin::text, * FROM debtor_search ORDER BY debtor_id"
        if on_postgres()
        else "SELECT rowid, * FROM debtor_search ORDER BY rowid"
    )
    before = env.rows(index)
    env.outcome(env.alice, "A1", "wrong_number", phone="+33612345678")
    assert env.one("SELECT to_verify FROM phones WHERE e164 = '+33612345678'") == 1
    assert env.rows(index) == before
    assert refs(env, "0612345678") == ["A1"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0612345678", ["A1"]),
        ("06 12 34 56 78", ["A1"]),
        ("+33612345678", ["A1"]),
        ("06 12 34", ["A1"]),
        ("+262 692 12 34 56", ["A2"]),
        ("552 100 554", ["A2"]),
        ("dupont", ["A2"]),
        ("lefèvre", ["P1"]),
        ("B2", ["B2"]),
    ],
)
def test_like_fallback_gives_the_same_answers(
    env: LeadEnv, monkeypatch: pytest.MonkeyPatch, text: str, expected: list[str]
) -> None:
    monkeypatch.setattr(search_sql, "fts_available", lambda conn: False)
    assert refs(env, text) == expected
    assert refs(env, "Martin", who="alice") == []  # roles hold in the fallback too


@pytest.mark.parametrize(
    ("name", "typed"),
    [("Lætitia Cœur", "lætitia"), ("Lætitia Cœur", "cœur"), ("Straße GmbH", "straße"), ("محمّد علي", "محمّد")],
)
def test_like_fallback_compares_the_words_as_typed(
    env: LeadEnv, monkeypatch: pytest.MonkeyPatch, name: str, typed: str
) -> None:
    """The fallback reads the names as stored (nothing folded them): it must get the words as
    typed. Given the folded words (« laetitia », « strasse », « محمد ») it found nothing."""
    row = list(next(r for r in PORTFOLIO if r[0] == "P1"))
    row[1] = name
    env.add_debtors([tuple(row)])
    monkeypatch.setattr(search_sql, "fts_available", lambda conn: False)
    assert refs(env, typed) == ["P1"]


def test_like_fallback_directly(env: LeadEnv) -> None:
    with env.store.read() as conn:
        rows = search_sql.search_like(conn, analyse("soci"), exact_ref="soci", visible_to=("alice",), limit=5)
    assert [r.ref for r in rows] == ["A1"]
    assert rows[0].phones == ["+33612345678"]


@pytest.mark.sqlite_only  # an older SQLite file, built with sqlite-utils' migrations table
def test_migration_indexes_existing_debtors(tmp_path: Path) -> None:
    """A database created before m002_search gets its debtors indexed by the migration."""
    path = tmp_path / "old.db"
    store = SqliteStore(sqlite_utils.Database(connect(path)), str(path))  # as an older version left it
    with store.write():
        migrations.apply(store.db, stop_before="m002_search")
    with store.write() as conn:
        conn.execute(
            "INSERT INTO debtors (ref, name, segment, siren, created_at, updated_at) "
            "VALUES ('OLD-1', 'Ancienne Société', 'B2B', '552 100 554', '2026-01-01', '2026-01-01')"
        )
        conn.execute(
            "INSERT INTO phones (debtor_id, position, raw, e164, national, kind, valid) "
            "VALUES (1, 1, '06-12-34-56-78', '+33612345678', '06 12 34 56 78', 'mobile', 1)"
        )
    store.close()
    store = open_db(path, allow_pending=True)
    assert migrate(store, now=datetime(2026, 12, 1, 9, 0)).applied[0] == "m002_search"
    from recouvre_tui.services.roles import OPERATOR

    boss = OPERATOR  # the command line's view: every debtor
    for text in ("ancienne", "552100554", "+33 6 12 34 56 78", "OLD-1"):
        assert [h.debtor_ref for h in search_debtors(store, boss, text)] == ["OLD-1"], text


@pytest.mark.sqlite_only  # PostgreSQL's word table spelled them out from the start
def test_m019_indexes_again_the_names_it_spells_out(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = SqliteStore(sqlite_utils.Database(connect(path)), str(path))  # as an older version left it
    with store.write():
        migrations.apply(store.db, stop_before="m019_search_spells_out_ligatures")
        store.db.conn.execute("DROP TRIGGER debtor_search_ai")
        store.db.conn.execute(  # m002's trigger as it was: the name as written
            "CREATE TRIGGER debtor_search_ai AFTER INSERT ON debtors BEGIN "
            "INSERT INTO debtor_search (rowid, ref, name, siren, phones) "
            "VALUES (new.id, new.ref, new.name, '', ''); END"
        )
    with store.write() as conn:
        for ref, name in (("OLD-1", "Lætitia Cœur"), ("OLD-2", "Paul Martin")):
            conn.execute(
                "INSERT INTO debtors (ref, name, segment, created_at, updated_at) "
                "VALUES (?, ?, 'B2C', '2026-01-01', '2026-01-01')",
                (ref, name),
            )
    store.close()
    store = open_db(path, allow_pending=True)
    assert migrate(store, now=datetime(2026, 12, 1, 9, 0)).applied == [
        "m019_search_spells_out_ligatures",
        "m020_search_folds_every_script",
    ]
    from recouvre_tui.services.roles import OPERATOR

    for text in ("laetitia coeur", "lætitia cœur", "paul"):
        assert [h.debtor_ref for h in search_debtors(store, OPERATOR, text)] == (
            ["OLD-2"] if text == "paul" else ["OLD-1"]
        ), text
    with store.write() as conn:  # and the trigger m019 put back spells out new names
        conn.execute(
            "INSERT INTO debtors (ref, name, segment, created_at, updated_at) "
            "VALUES ('NEW-1', 'Æsop Œdipe', 'B2C', '2026-01-01', '2026-01-01')"
        )
    assert [h.debtor_ref for h in search_debtors(store, OPERATOR, "aesop oedipe")] == ["NEW-1"]


# `_search_words` as m002 made it (PostgreSQL): [a-z0-9] only.
_M019_WORDS = """
CREATE OR REPLACE FUNCTION _search_words(p_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT ' ' || regexp_replace(lower(unaccent(d.ref || ' ' || d.name)), '[^a-z0-9]+', ' ', 'g') || ' '
      || regexp_replace(COALESCE(d.siren, ''), '[^0-9]+', '', 'g') || ' '
      || COALESCE((SELECT string_agg(
             regexp_replace(COALESCE(p.e164, ''), '[^0-9]+', '', 'g') || ' '
             || regexp_replace(COALESCE(p.national, ''), '[^0-9]+', '', 'g') || ' '
             || regexp_replace(p.raw, '[^0-9]+', '', 'g'), ' ')
           FROM phones p WHERE p.debtor_id = d.id), '') || ' '
  FROM debtors d WHERE d.id = p_id
$$"""


def test_m020_indexes_again_the_names_of_other_scripts(tmp_path: Path) -> None:
    """A database at m019 (its index as m019 left it: PostgreSQL's words [a-z0-9] only,
    SQLite's FTS5 fed the names with their marks) with names in every script, migrated: each
    is found as `OTHER_SCRIPTS` says; a Latin name's row is not rewritten (PostgreSQL)."""
    from recouvre_tui.services.roles import OPERATOR
    from recouvre_tui.store.pg import MIGRATIONS_TABLE
    from recouvre_tui.store.schema import Migrations
    from recouvre_tui.store.search_folding import sqlite_spelled_out_sql

    db = new_db(tmp_path, "old.db")
    store = init_db(db)
    names = [*dict.fromkeys(n for n, _ in OTHER_SCRIPTS), "Société Générale", "Lætitia Roux"]
    with store.write() as conn:
        if on_postgres():
            conn.execute(_M019_WORDS)
            conn.execute(f"DELETE FROM {MIGRATIONS_TABLE} WHERE name = 'm020_search_folds_every_script'")
        else:
            for trigger in ("debtor_search_ai", "debtor_search_ai_marks", "debtor_search_au_marks"):
                conn.execute(f"DROP TRIGGER {trigger}")
            conn.execute(  # m019's trigger: œ æ ß… spelled out, marks left to FTS5
                "CREATE TRIGGER debtor_search_ai AFTER INSERT ON debtors BEGIN "
                "INSERT INTO debtor_search (rowid, ref, name, siren, phones) VALUES (new.id, "
                f"{sqlite_spelled_out_sql('new.ref')}, {sqlite_spelled_out_sql('new.name')}, '', ''); END"
            )
            conn.execute(f"DELETE FROM {Migrations.migrations_table} WHERE name = 'm020_search_folds_every_script'")
        for i, name in enumerate(names):
            conn.execute(
                "INSERT INTO debtors (ref, name, segment, created_at, updated_at) "
                "VALUES (?, ?, 'B2C', '2026-01-01', '2026-01-01')",
                (f"OLD-{i}", name),
            )
    latin = f"OLD-{names.index('Société Générale')}"
    xmin = "SELECT s.xmin::text FROM debtor_search s JOIN debtors d ON d.id = s.debtor_id WHERE d.ref = ?"
    with store.read() as conn:
        before = conn.execute(xmin, (latin,)).fetchone() if on_postgres() else None
    assert [h.debtor_ref for h in search_debtors(store, OPERATOR, "παπαδοπουλ")] == []  # m019: not found
    store.close()

    store = open_db(db, allow_pending=True)
    assert migrate(store, now=datetime(2026, 12, 1, 9, 0)).applied == ["m020_search_folds_every_script"]
    for name, typed in OTHER_SCRIPTS:
        found = [h.debtor_ref for h in search_debtors(store, OPERATOR, typed)]
        assert f"OLD-{names.index(name)}" in found, (name, typed)
    assert [h.debtor_ref for h in search_debtors(store, OPERATOR, "generale")] == [latin]
    assert [h.debtor_ref for h in search_debtors(store, OPERATOR, "laetitia")] == [f"OLD-{names.index('Lætitia Roux')}"]
    if on_postgres():
        with store.read() as conn:
            assert conn.execute(xmin, (latin,)).fetchone() == before  # not rewritten
    with store.write() as conn:  # and the trigger (function) m020 put in place folds new names
        conn.execute(
            "INSERT INTO debtors (ref, name, segment, created_at, updated_at) "
            "VALUES ('NEW-1', 'Ἀθηνᾶ Σμυρναίου', 'B2C', '2026-01-01', '2026-01-01')"
        )
    assert [h.debtor_ref for h in search_debtors(store, OPERATOR, "σμυρναιου")] == ["NEW-1"]
    store.close()


def test_analyse() -> None:
    assert analyse("Soc. Gén.") == search_sql.SearchQuery(("soc", "gén"), (), ("soc", "gén"))
    q = analyse("06 12 34 56 78")
    assert q.words == () and q.numbers == ("0612345678", "33612345678")
    assert analyse("+33612345678").numbers == ("33612345678", "0612345678")
    assert analyse("  ").numbers == () and analyse("  ").words == ()
