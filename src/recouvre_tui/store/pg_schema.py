"""Migrations that must differ on PostgreSQL, under the same names as on SQLite.

Every other migration of store/schema.py runs as written, its DDL rewritten by `pg_sql`
(identity ids, BIGINT, DOUBLE PRECISION). Here:

- m001: the append-only audit trail is enforced by a PL/pgSQL trigger (SQLite: RAISE(ABORT));
  two SQLite functions the store's SQL uses get a PostgreSQL twin: `group_concat` (an
  aggregate) and `round(double precision, int)`.
- m014: free room on the pages of `debtor_scores` (fill factor), for the nightly's rewrites.
- m016: the triggers keeping `debtors.promise_rest`, as one PL/pgSQL function.
- m017: every text column of a database created before it compares in code point order
  (`COLLATE "C"`), as new columns are declared.
- m002: debtor search. SQLite has FTS5; here a table of each debtor's searchable words
  (reference, name without accents, SIREN and phone digits), kept by triggers and indexed
  with trigrams (`pg_trgm`), so that a word prefix or a number is found without a scan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .schema import PROMISE_REST_OF, SCHEMA_V1, split_statements
from .search_folding import pg_words_sql

_COMPAT = [
    # group_concat(x) / group_concat(x, sep): SQLite's aggregate, NULLs skipped.
    """CREATE FUNCTION _group_concat_step(acc text, x text, sep text) RETURNS text
       LANGUAGE sql IMMUTABLE AS
       $$ SELECT CASE WHEN x IS NULL THEN acc WHEN acc IS NULL THEN x ELSE acc || sep || x END $$""",
    """CREATE FUNCTION _group_concat_step(acc text, x text) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$ SELECT _group_concat_step(acc, x, ',') $$""",
    "CREATE AGGREGATE group_concat(text, text) (SFUNC = _group_concat_step, STYPE = text)",
    "CREATE AGGREGATE group_concat(text) (SFUNC = _group_concat_step, STYPE = text)",
    """CREATE FUNCTION round(x double precision, digits integer) RETURNS double precision
       LANGUAGE sql IMMUTABLE AS $$ SELECT round(x::numeric, digits)::double precision $$""",
    # An integrity violation, as SQLite's RAISE(ABORT) is: callers catch one error class.
    """CREATE FUNCTION _audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'audit trail is append-only' USING ERRCODE = 'integrity_constraint_violation';
       END $$""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
       FOR EACH ROW EXECUTE FUNCTION _audit_append_only()""",
]


def m001_initial(conn: Any) -> None:
    for statement in split_statements(SCHEMA_V1):
        if statement.lstrip().upper().startswith("CREATE TRIGGER"):
            continue  # SQLite trigger syntax; the PostgreSQL one is in _COMPAT
        conn.execute(statement)
    for statement in _COMPAT:
        conn.execute(statement)


# A debtor's words: reference and name folded as store/search_folding.py says (m020; before,
# `regexp_replace(lower(unaccent(ref || ' ' || name)), '[^a-z0-9]+', ' ', 'g')`), then the SIREN's
# and the phones' digits. In PL/pgSQL, not SQL: a SQL function with a FROM is not inlined, and
# the triggers' call parsed and planned its body again for every row (a 7 kB body since m020:
# 30 000 debtors inserted in 13.5 s instead of 7.2 s); PL/pgSQL keeps its plan for the session.
_WORDS_OF = f"""
CREATE OR REPLACE FUNCTION _search_words(p_id bigint) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT {pg_words_sql("d.ref || ' ' || d.name")}
      || regexp_replace(COALESCE(d.siren, ''), '[^0-9]+', '', 'g') || ' '
      || COALESCE((SELECT string_agg(
             regexp_replace(COALESCE(p.e164, ''), '[^0-9]+', '', 'g') || ' '
             || regexp_replace(COALESCE(p.national, ''), '[^0-9]+', '', 'g') || ' '
             || regexp_replace(p.raw, '[^0-9]+', '', 'g'), ' ')
           FROM phones p WHERE p.debtor_id = d.id), '') || ' '
  FROM debtors d WHERE d.id = p_id);
END $$"""

_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE debtor_search (debtor_id BIGINT PRIMARY KEY REFERENCES debtors(id) ON DELETE CASCADE, "
    "words TEXT NOT NULL)",
    _WORDS_OF,
    """CREATE FUNCTION _search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE ids bigint[];
    BEGIN
      IF TG_TABLE_NAME = 'debtors' THEN
        IF TG_OP = 'DELETE' THEN RETURN NULL; END IF;
        ids := ARRAY[NEW.id];
      ELSIF TG_OP = 'INSERT' THEN ids := ARRAY[NEW.debtor_id];
      ELSIF TG_OP = 'DELETE' THEN ids := ARRAY[OLD.debtor_id];
      ELSE ids := ARRAY[OLD.debtor_id, NEW.debtor_id];
      END IF;
      INSERT INTO debtor_search (debtor_id, words)
        SELECT i, _search_words(i) FROM unnest(ids) AS i WHERE EXISTS (SELECT 1 FROM debtors WHERE id = i)
        ON CONFLICT (debtor_id) DO UPDATE SET words = excluded.words;
      RETURN NULL;
    END $$""",
    "CREATE TRIGGER debtor_search_ai AFTER INSERT OR UPDATE OF ref, name, siren ON debtors "
    "FOR EACH ROW EXECUTE FUNCTION _search_sync()",
    "CREATE TRIGGER debtor_search_phones AFTER INSERT OR DELETE OR UPDATE OF debtor_id, raw, e164, national "
    "ON phones FOR EACH ROW EXECUTE FUNCTION _search_sync()",
    "INSERT INTO debtor_search (debtor_id, words) SELECT id, _search_words(id) FROM debtors",
    "CREATE INDEX debtor_search_trgm ON debtor_search USING gin (words gin_trgm_ops)",
]


def m002_search(conn: Any) -> None:
    for statement in _SEARCH:
        conn.execute(statement)


def m014_score_rows_room(conn: Any) -> None:
    """Half of each page of `debtor_scores` left free, for the nightly's rewrites to stay on
    their page (HOT updates): the score-row writes of a 1 000-debtor chunk went from 33 to 20 ms
    at 1 000 000 debtors, for a table twice as large on disk. Pages written from now on; a
    `VACUUM FULL debtor_scores` in a quiet hour applies it to the existing rows at once."""
    conn.execute("ALTER TABLE debtor_scores SET (fillfactor = 50)")


_PROMISE_REST = [
    "ALTER TABLE debtors ADD COLUMN promise_rest TEXT",
    f"""CREATE FUNCTION _promise_rest(did bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE debtors SET promise_rest = {PROMISE_REST_OF.format(debtor="did")} WHERE id = did
$$""",
    """CREATE FUNCTION _promise_rest_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_TABLE_NAME = 'promises' THEN
        PERFORM _promise_rest(NEW.debtor_id);
        IF OLD.debtor_id <> NEW.debtor_id THEN PERFORM _promise_rest(OLD.debtor_id); END IF;
        RETURN NULL;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        PERFORM _promise_rest((SELECT debtor_id FROM promises WHERE id = NEW.promise_id));
      END IF;
      IF TG_OP <> 'INSERT' THEN
        PERFORM _promise_rest((SELECT debtor_id FROM promises WHERE id = OLD.promise_id));
      END IF;
      RETURN NULL;
    END $$""",
    "CREATE TRIGGER instalments_promise_rest AFTER INSERT OR DELETE OR UPDATE OF status, due_date, promise_id "
    "ON instalments FOR EACH ROW EXECUTE FUNCTION _promise_rest_sync()",
    "CREATE TRIGGER promises_promise_rest AFTER UPDATE OF status, debtor_id ON promises "
    "FOR EACH ROW EXECUTE FUNCTION _promise_rest_sync()",
    f"UPDATE debtors SET promise_rest = {PROMISE_REST_OF.format(debtor='debtors.id')} "
    "WHERE id IN (SELECT debtor_id FROM promises WHERE status = 'pending')",
    "DROP INDEX debtors_queue",
    "CREATE INDEX debtors_queue ON debtors (agent, priority_class, score DESC, ref) "
    "WHERE balance_cents > 0 AND recent_call_at IS NULL AND promise_rest IS NULL",
    "CREATE INDEX debtors_promise_rest ON debtors (promise_rest) WHERE promise_rest IS NOT NULL",
]


def m016_resting_on_a_promise(conn: Any) -> None:
    """The SQLite triggers of m016 as one PL/pgSQL trigger function (`_promise_rest_sync`)."""
    for statement in _PROMISE_REST:
        conn.execute(statement)


# m017 -------------------------------------------------------------------------------------------
# Only this program's tables and its own `text` columns are changed: another program's tables in
# the same schema, and columns of another type (a `varchar(5)`, a domain), are left as they are.
_C = "'pg_catalog.\"C\"'::regcollation"

# This program's text columns whose collation is not "C", with their table.
_NOT_BINARY = f"""
SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND c.relname = ANY(?)
  AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid = 'text'::regtype AND a.attcollation <> {_C}
ORDER BY c.relname, a.attnum
"""

# What PostgreSQL cannot carry through a column's type change, on those columns: a view or a
# rule reading it, a row-level security policy naming it, a generated column computed from it.
_BLOCKERS = f"""
SELECT DISTINCT CASE d.classid
    WHEN 'pg_rewrite'::regclass THEN
        'la vue « ' || (SELECT r.ev_class::regclass::text FROM pg_rewrite r WHERE r.oid = d.objid) || ' »'
    WHEN 'pg_policy'::regclass THEN
        'la politique d''accès « ' || (SELECT p.polname FROM pg_policy p WHERE p.oid = d.objid) || ' »'
    ELSE 'la colonne calculée « ' || d.objid::regclass::text || '.'
        || (SELECT g.attname FROM pg_attribute g WHERE g.attrelid = d.objid AND g.attnum = d.objsubid) || ' »'
  END
FROM pg_depend d
JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
JOIN pg_class c ON c.oid = d.refobjid
WHERE d.refclassid = 'pg_class'::regclass AND c.relnamespace = current_schema()::regnamespace
  AND c.relname = ANY(?) AND a.atttypid = 'text'::regtype AND a.attcollation <> {_C}
  AND (d.classid IN ('pg_rewrite'::regclass, 'pg_policy'::regclass)
       OR (d.classid = 'pg_class'::regclass AND d.objid = d.refobjid AND d.objsubid <> 0))
ORDER BY 1
"""

# Triggers that name columns (`AFTER UPDATE OF ref, name …`): PostgreSQL refuses to change the
# type of a column a trigger depends on, so these are dropped and created again around it, in
# the state they were in (enabled, disabled, replica, always).
_COLUMN_TRIGGERS = """
SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(?) AND NOT t.tgisinternal
  AND (t.tgattr <> '' OR t.tgqual IS NOT NULL)
ORDER BY 1, 2
"""
_TRIGGER_STATE = {"D": "DISABLE TRIGGER", "R": "ENABLE REPLICA TRIGGER", "A": "ENABLE ALWAYS TRIGGER"}


def own_tables() -> list[str]:
    """The tables this program creates: those of a fresh SQLite schema (the same names on
    PostgreSQL), and the migrations' own table."""
    import sqlite_utils

    from .pg import MIGRATIONS_TABLE
    from .schema import migrations

    db = sqlite_utils.Database(memory=True)
    migrations.apply(db)
    return sorted({*db.table_names(), MIGRATIONS_TABLE})


def m017_text_in_code_point_order(conn: Any) -> None:
    """`COLLATE "C"` on every text column of this program's tables not yet so, one `ALTER
    TABLE` per table, then `ANALYZE` of those tables. The type stays, so no table is
    rewritten; the indexes on those columns are rebuilt. Runs inside the migrations' one
    transaction: a failure leaves every column and trigger as it was."""
    from .db import StoreError

    tables = own_tables()
    by_table: dict[str, list[str]] = {}
    for table, column in conn.execute(_NOT_BINARY, (tables,)).fetchall():
        by_table.setdefault(table, []).append(column)
    if not by_table:
        return
    blockers = [r[0] for r in conn.execute(_BLOCKERS, (tables,)).fetchall()]
    if blockers:
        raise StoreError(
            "migration m017 (ordre du texte) impossible : "
            + ", ".join(blockers)
            + " dépend de colonnes de texte qu'elle doit changer ; supprimez-la, lancez « recouvre migrate », "
            "puis recréez-la (docs/postgresql.md, « Text order ») ; rien n'a été changé"
        )
    triggers = conn.execute(_COLUMN_TRIGGERS, (tables,)).fetchall()
    for table, name, _, _ in triggers:
        conn.execute(f'DROP TRIGGER "{name}" ON "{table}"')
    for table, columns in by_table.items():
        changes = ", ".join(f'ALTER COLUMN "{col}" TYPE text COLLATE "C"' for col in columns)
        conn.execute(f'ALTER TABLE "{table}" {changes}')
    for table, name, definition, state in triggers:
        conn.execute(definition)
        if state in _TRIGGER_STATE:
            conn.execute(f'ALTER TABLE "{table}" {_TRIGGER_STATE[state]} "{name}"')
    # Changing a column's type drops its statistics: without them the planner guessed, and
    # a next case took 1.4 s instead of 10 ms on the benchmark database until autovacuum came.
    for table in by_table:
        conn.execute(f'ANALYZE "{table}"')


def m019_search_spells_out_ligatures(conn: Any) -> None:
    """SQLite only: `_search_words` spells them out with `unaccent` since m002."""
    del conn


def m020_search_folds_every_script(conn: Any) -> None:
    """`_search_words` written again (it kept [a-z0-9] only: a Greek, Cyrillic, Arabic, Hebrew
    or Chinese name was not found by name), then the debtors whose words change indexed again.
    Only a text still outside ASCII once `unaccent` has taken the Latin accents off can change
    (« Débiteur » cannot: the marks m020 drops before `unaccent` are either non-ASCII after it
    or removed by it too); the rows whose words stay are not written (nor their trigrams)."""
    conn.execute(_WORDS_OF)
    conn.execute(
        "UPDATE debtor_search s SET words = f.words "
        "FROM (SELECT d.id, _search_words(d.id) AS words FROM debtors d "
        "      WHERE unaccent(d.ref || ' ' || d.name) ~ '[^\\x01-\\x7f]') AS f "
        "WHERE s.debtor_id = f.id AND s.words <> f.words"
    )


OVERRIDES: dict[str, Callable[[Any], None]] = {
    "m001_initial": m001_initial,
    "m002_search": m002_search,
    "m014_score_rows_room": m014_score_rows_room,
    "m016_resting_on_a_promise": m016_resting_on_a_promise,
    "m017_text_in_code_point_order": m017_text_in_code_point_order,
    "m019_search_spells_out_ligatures": m019_search_spells_out_ligatures,
    "m020_search_folds_every_script": m020_search_folds_every_script,
}
