"""SQL triggers: CREATE/DROP TRIGGER, firing through the store's change mechanism, all-or-nothing
statements, transactional DDL, the DSL write path and change events alongside."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from conftest import assert_indexes_agree, table_state
from models import Order, User

import pyram
from pyram.errors import IntegrityError, ProgrammingError
from pyram.sql.errors import SqlBindError, SqlSyntaxError
from pyram.txn import Change

SCHEMA = """
CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL, price REAL);
CREATE TABLE log (id INTEGER PRIMARY KEY, event TEXT, item_id INTEGER, old_qty INTEGER,
                  new_qty INTEGER);
CREATE INDEX log_item ON log (item_id);
"""


@pytest.fixture
def db() -> pyram.Database:
    database = pyram.Database()
    database.sql(SCHEMA)
    return database


def rows(db: pyram.Database, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in db.sql(sql).all()]


def log(db: pyram.Database) -> list[tuple[Any, ...]]:
    return rows(db, "SELECT event, item_id, old_qty, new_qty FROM log ORDER BY id")


def same_as_sqlite(script: str, queries: list[str]) -> None:
    """Run ``script`` on PyRAM and on sqlite3; every query must give the same rows."""
    db = pyram.Database()
    db.sql(script)
    lite = sqlite3.connect(":memory:")
    lite.executescript(script)
    for query in queries:
        assert rows(db, query) == lite.execute(query).fetchall(), query


# ---------------------------------------------------------------------- timing x event
@pytest.mark.parametrize("timing", ["BEFORE", "AFTER"])
def test_insert_triggers_see_new(db: pyram.Database, timing: str) -> None:
    db.sql(
        f"CREATE TRIGGER t {timing} INSERT ON item BEGIN "
        "INSERT INTO log (event, item_id, new_qty) VALUES ('ins', NEW.id, NEW.qty); END"
    )
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 5), (2, 'b', 7)")
    assert log(db) == [("ins", 1, None, 5), ("ins", 2, None, 7)]


@pytest.mark.parametrize("timing", ["BEFORE", "AFTER"])
def test_update_triggers_see_old_and_new(db: pyram.Database, timing: str) -> None:
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 5), (2, 'b', 7)")
    db.sql(
        f"CREATE TRIGGER t {timing} UPDATE ON item FOR EACH ROW BEGIN "
        "INSERT INTO log (event, item_id, old_qty, new_qty) "
        "VALUES ('upd', OLD.id, OLD.qty, NEW.qty); END"
    )
    assert db.sql("UPDATE item SET qty = qty * 10").rowcount == 2
    assert log(db) == [("upd", 1, 5, 50), ("upd", 2, 7, 70)]


@pytest.mark.parametrize("timing", ["BEFORE", "AFTER"])
def test_delete_triggers_see_old(db: pyram.Database, timing: str) -> None:
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 5), (2, 'b', 7)")
    db.sql(
        f"CREATE TRIGGER t {timing} DELETE ON item BEGIN "
        "INSERT INTO log (event, item_id, old_qty) VALUES ('del', OLD.id, OLD.qty); END"
    )
    db.sql("DELETE FROM item WHERE id = 2")
    assert log(db) == [("del", 2, 7, None)]


def test_default_timing_is_before_and_before_runs_before_the_write(db: pyram.Database) -> None:
    # a BEFORE trigger sees the table without the new row; an AFTER trigger sees it
    db.sql(
        "CREATE TRIGGER b INSERT ON item BEGIN INSERT INTO log (event, new_qty) "
        "SELECT 'before', count(*) FROM item; END"
    )
    db.sql(
        "CREATE TRIGGER a AFTER INSERT ON item BEGIN INSERT INTO log (event, new_qty) "
        "SELECT 'after', count(*) FROM item; END"
    )
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 5)")
    assert log(db) == [("before", None, None, 0), ("after", None, None, 1)]


def test_set_at_a_time_all_before_then_write_then_all_after(db: pyram.Database) -> None:
    """PyRAM writes a statement's rows together: BEFORE triggers fire for every row first,
    AFTER triggers for every row once all are written (SQLite interleaves row by row)."""
    for timing in ("BEFORE", "AFTER"):
        db.sql(
            f"CREATE TRIGGER {timing}_t {timing} INSERT ON item BEGIN "
            f"INSERT INTO log (event, item_id, new_qty) "
            f"SELECT '{timing.lower()}', NEW.id, count(*) FROM item; END"
        )
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 5), (2, 'b', 7)")
    assert log(db) == [
        ("before", 1, None, 0),
        ("before", 2, None, 0),
        ("after", 1, None, 2),
        ("after", 2, None, 2),
    ]


def test_triggers_fire_newest_first_like_sqlite() -> None:
    same_as_sqlite(
        """
        CREATE TABLE t (a INTEGER);
        CREATE TABLE log (id INTEGER PRIMARY KEY, m TEXT);
        CREATE TRIGGER x AFTER INSERT ON t BEGIN INSERT INTO log (m) VALUES ('x' || NEW.a); END;
        CREATE TRIGGER y AFTER INSERT ON t BEGIN INSERT INTO log (m) VALUES ('y' || NEW.a); END;
        INSERT INTO t VALUES (1);
        INSERT INTO t VALUES (2);
        """,
        ["SELECT m FROM log ORDER BY id"],
    )


# ---------------------------------------------------------------------- UPDATE OF, WHEN
def test_update_of_fires_only_when_a_listed_column_changes(db: pyram.Database) -> None:
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 5)")
    db.sql(
        "CREATE TRIGGER t AFTER UPDATE OF qty, price ON item BEGIN "
        "INSERT INTO log (event, item_id, old_qty, new_qty) "
        "VALUES ('qty', NEW.id, OLD.qty, NEW.qty); END"
    )
    db.sql("UPDATE item SET name = 'z' WHERE id = 1")
    assert log(db) == []
    db.sql("UPDATE item SET price = 2.5 WHERE id = 1")
    db.sql("UPDATE item SET qty = 6, name = 'y' WHERE id = 1")
    assert log(db) == [("qty", 1, 5, 5), ("qty", 1, 5, 6)]


def test_when_filters_rows(db: pyram.Database) -> None:
    db.sql(
        "CREATE TRIGGER big AFTER INSERT ON item WHEN NEW.qty >= 10 AND NEW.price IS NOT NULL "
        "BEGIN INSERT INTO log (event, item_id) VALUES ('big', NEW.id); END"
    )
    db.sql("INSERT INTO item VALUES (1, 'a', 5, 1.0), (2, 'b', 50, NULL), (3, 'c', 10, 2.0)")
    assert log(db) == [("big", 3, None, None)]


def test_when_with_a_subquery(db: pyram.Database) -> None:
    db.sql("INSERT INTO log (event, item_id) VALUES ('seen', 2)")
    db.sql(
        "CREATE TRIGGER t AFTER INSERT ON item "
        "WHEN NOT EXISTS (SELECT 1 FROM log WHERE item_id = NEW.id) "
        "BEGIN INSERT INTO log (event, item_id) VALUES ('new', NEW.id); END"
    )
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 2)")
    assert log(db) == [("seen", 2, None, None), ("new", 1, None, None)]


# ---------------------------------------------------------------------- body statements
def test_body_where_on_new_uses_an_index() -> None:
    db = pyram.Database()
    db.sql(
        """
        CREATE TABLE item (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL);
        CREATE TABLE stock (sku INTEGER PRIMARY KEY, on_hand INTEGER NOT NULL);
        CREATE TABLE audit (id INTEGER PRIMARY KEY, sku INTEGER, note TEXT);
        CREATE INDEX audit_sku ON audit (sku);
        CREATE TRIGGER take AFTER INSERT ON item BEGIN
            UPDATE stock SET on_hand = on_hand - NEW.qty WHERE sku = NEW.id;
            UPDATE audit SET note = 'taken ' || NEW.qty WHERE sku = NEW.id;
            DELETE FROM audit WHERE sku = NEW.id + 100;
        END;
        """
    )
    db.sql("INSERT INTO stock VALUES (1, 10), (2, 20), (3, 30)")
    db.sql("INSERT INTO audit (sku, note) VALUES (1, ''), (2, ''), (101, 'gone')")
    trigger = db._sql.triggers.find("take")
    assert trigger is not None
    plans = [step.explain() for step in trigger.body.steps]
    assert "IndexScan audit USING audit_sku" in plans[1], plans[1]
    assert "IndexScan audit USING audit_sku" in plans[2], plans[2]
    db.sql("INSERT INTO item VALUES (1, 3), (2, 5)")
    assert rows(db, "SELECT * FROM stock ORDER BY sku") == [(1, 7), (2, 15), (3, 30)]
    assert rows(db, "SELECT sku, note FROM audit ORDER BY sku") == [(1, "taken 3"), (2, "taken 5")]
    assert_indexes_agree(db)


def test_point_update_assigns_outer_values() -> None:
    db = pyram.Database()
    db.sql(
        """
        CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);
        CREATE TABLE last (id INTEGER PRIMARY KEY, a INTEGER);
        INSERT INTO last VALUES (1, NULL);
        CREATE TRIGGER t AFTER INSERT ON t BEGIN UPDATE last SET a = NEW.a * 2 WHERE id = 1; END;
        """
    )
    db.sql("INSERT INTO t VALUES (1, 21)")
    assert rows(db, "SELECT a FROM last") == [(42,)]


def test_body_queries_like_sqlite() -> None:
    same_as_sqlite(
        """
        CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT);
        CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER, n INTEGER);
        CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT, v INTEGER);
        INSERT INTO u (t_id, n) VALUES (1, 10), (1, 20), (2, 5);
        CREATE TRIGGER a1 AFTER INSERT ON t BEGIN
            INSERT INTO log (msg, v) SELECT 'agg', NEW.a + count(*) FROM u WHERE t_id = NEW.id;
        END;
        CREATE TRIGGER a2 AFTER INSERT ON t BEGIN
            INSERT INTO log (msg, v) SELECT 'join', u.n FROM u JOIN t ON t.id = u.t_id
            WHERE t.id = NEW.id AND u.n > NEW.a;
        END;
        CREATE TRIGGER a3 AFTER INSERT ON t BEGIN UPDATE t SET b = NEW.b || '!' WHERE id = NEW.id;
        END;
        CREATE TRIGGER a4 AFTER INSERT ON t WHEN EXISTS (SELECT 1 FROM u WHERE t_id = NEW.id)
        BEGIN
            INSERT INTO log (msg, v) VALUES ('max', (SELECT max(n) FROM u WHERE t_id = NEW.id));
        END;
        CREATE TRIGGER a5 AFTER INSERT ON t BEGIN
            INSERT INTO log (msg, v) SELECT 'in', n FROM u WHERE n IN (NEW.a, NEW.a * 2)
            ORDER BY n LIMIT 1;
        END;
        INSERT INTO t (id, a, b) VALUES (1, 5, 'x'), (2, 10, 'y');
        """,
        ["SELECT * FROM t ORDER BY id", "SELECT * FROM log ORDER BY id"],
    )


# ---------------------------------------------------------------------- recursion, cascades
def test_a_trigger_does_not_fire_itself() -> None:
    same_as_sqlite(
        """
        CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);
        CREATE TRIGGER bump AFTER UPDATE ON t BEGIN UPDATE t SET n = n + 1 WHERE id = NEW.id; END;
        CREATE TRIGGER grow AFTER INSERT ON t WHEN NEW.id < 100 BEGIN
            INSERT INTO t VALUES (NEW.id + 1, 0);
        END;
        INSERT INTO t VALUES (1, 0);
        UPDATE t SET n = 10 WHERE id = 1;
        """,
        ["SELECT * FROM t ORDER BY id"],
    )


def test_triggers_cascade_to_other_tables() -> None:
    same_as_sqlite(
        """
        CREATE TABLE a (x INTEGER);
        CREATE TABLE b (x INTEGER);
        CREATE TABLE c (x INTEGER);
        CREATE TRIGGER ab AFTER INSERT ON a BEGIN INSERT INTO b VALUES (NEW.x * 10); END;
        CREATE TRIGGER bc AFTER INSERT ON b BEGIN INSERT INTO c VALUES (NEW.x + 1); END;
        CREATE TRIGGER ca AFTER INSERT ON c WHEN NEW.x < 1000 BEGIN
            INSERT INTO a VALUES (NEW.x);
        END;
        INSERT INTO a VALUES (1);
        """,
        ["SELECT x FROM a ORDER BY x", "SELECT x FROM b ORDER BY x", "SELECT x FROM c ORDER BY x"],
    )


def test_on_delete_cascade_fires_the_child_tables_triggers() -> None:
    db = pyram.Database()
    db.sql(
        """
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (id INTEGER PRIMARY KEY,
                            pid INTEGER REFERENCES parent (id) ON DELETE CASCADE);
        CREATE TABLE kid (id INTEGER PRIMARY KEY,
                          pid INTEGER REFERENCES parent (id) ON DELETE SET NULL);
        CREATE TABLE log (id INTEGER PRIMARY KEY, m TEXT);
        CREATE TRIGGER cd AFTER DELETE ON child BEGIN
            INSERT INTO log (m) VALUES ('child ' || OLD.id);
        END;
        CREATE TRIGGER kb BEFORE UPDATE ON kid BEGIN
            INSERT INTO log (m) VALUES ('kid ' || OLD.id || ' ' || OLD.pid || ' -> '
                || CASE WHEN NEW.pid IS NULL THEN 'null' ELSE 'set' END);
        END;
        INSERT INTO parent VALUES (1), (2);
        INSERT INTO child VALUES (10, 1), (11, 1), (12, 2);
        INSERT INTO kid VALUES (20, 1);
        """
    )
    db.sql("DELETE FROM parent WHERE id = 1")
    assert rows(db, "SELECT m FROM log ORDER BY id") == [
        ("kid 20 1 -> null",),
        ("child 10",),
        ("child 11",),
    ]


def test_before_delete_trigger_can_delete_the_children_first() -> None:
    """The classic emulation of ON DELETE CASCADE: the plan of the delete (RESTRICT check
    included) is made after the BEFORE triggers ran."""
    db = pyram.Database()
    db.sql(
        """
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent (id));
        CREATE TRIGGER clean BEFORE DELETE ON parent BEGIN
            DELETE FROM child WHERE pid = OLD.id;
        END;
        INSERT INTO parent VALUES (1), (2);
        INSERT INTO child VALUES (10, 1), (11, 2);
        """
    )
    db.sql("DELETE FROM parent WHERE id = 1")
    assert rows(db, "SELECT * FROM child") == [(11, 2)]
    assert_indexes_agree(db)


def test_before_insert_trigger_can_create_the_parent_row() -> None:
    db = pyram.Database()
    db.sql(
        """
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent (id));
        CREATE TRIGGER make BEFORE INSERT ON child
        WHEN NOT EXISTS (SELECT 1 FROM parent WHERE id = NEW.pid)
        BEGIN INSERT INTO parent VALUES (NEW.pid); END;
        """
    )
    db.sql("INSERT INTO child VALUES (10, 1), (11, 1), (12, 2)")
    assert rows(db, "SELECT id FROM parent ORDER BY id") == [(1,), (2,)]


def test_before_trigger_deleting_rows_the_statement_updates(db: pyram.Database) -> None:
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 2)")
    db.sql("CREATE TRIGGER t BEFORE UPDATE ON item BEGIN DELETE FROM item WHERE id = 2; END")
    db.sql("UPDATE item SET qty = qty + 1")
    assert rows(db, "SELECT id, qty FROM item") == [(1, 2)]
    assert_indexes_agree(db)


# ---------------------------------------------------------------------- RAISE, failures
def test_raise_abort_fails_the_statement_and_changes_nothing(db: pyram.Database) -> None:
    db.sql(
        "CREATE TRIGGER log_it AFTER INSERT ON item BEGIN "
        "INSERT INTO log (event, item_id) VALUES ('ins', NEW.id); END"
    )
    db.sql(
        "CREATE TRIGGER no_free BEFORE INSERT ON item BEGIN "
        "SELECT RAISE(ABORT, 'price must be positive') WHERE NEW.price <= 0; END"
    )
    db.sql("INSERT INTO item VALUES (1, 'a', 1, 1.0)")
    before = table_state(db)
    with pytest.raises(IntegrityError, match="price must be positive"):
        db.sql("INSERT INTO item VALUES (2, 'b', 1, 2.0), (3, 'c', 1, 0.0)")
    assert table_state(db) == before


def test_raise_in_a_case_and_raise_fail(db: pyram.Database) -> None:
    db.sql(
        "CREATE TRIGGER t AFTER UPDATE ON item BEGIN INSERT INTO log (event, new_qty) VALUES "
        "('ok', CASE WHEN NEW.qty < 0 THEN RAISE(FAIL, 'negative ' || NEW.name) "
        "ELSE NEW.qty END); END"
    )
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 2)")
    db.sql("UPDATE item SET qty = 3 WHERE id = 1")
    with pytest.raises(IntegrityError, match="negative a"):
        db.sql("UPDATE item SET qty = -1")
    assert rows(db, "SELECT qty FROM item ORDER BY id") == [(3,), (2,)]
    assert log(db) == [("ok", None, None, 3)]


def test_failing_body_undoes_the_statement_inside_a_transaction(db: pyram.Database) -> None:
    db.sql("CREATE TABLE uniq (k INTEGER PRIMARY KEY)")
    db.sql("CREATE TRIGGER t AFTER INSERT ON item BEGIN INSERT INTO uniq VALUES (NEW.qty); END")
    db.sql("BEGIN")
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1)")
    with pytest.raises(IntegrityError):
        db.sql("INSERT INTO item (id, name, qty) VALUES (2, 'b', 2), (3, 'c', 1)")
    assert rows(db, "SELECT id FROM item") == [(1,)]  # the transaction keeps what it had
    assert rows(db, "SELECT k FROM uniq") == [(1,)]
    db.sql("COMMIT")
    assert rows(db, "SELECT k FROM uniq") == [(1,)]
    assert_indexes_agree(db)


def test_failing_body_with_the_python_api_transaction(db: pyram.Database) -> None:
    db.sql("CREATE TRIGGER t BEFORE DELETE ON item BEGIN SELECT RAISE(ABORT, 'keep it'); END")
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1)")
    with pytest.raises(IntegrityError, match="keep it"), db.transaction():
        db.sql("INSERT INTO item (id, name, qty) VALUES (2, 'b', 1)")
        db.sql("DELETE FROM item")
    assert rows(db, "SELECT id FROM item") == [(1,)]


def test_rollback_undoes_trigger_writes(db: pyram.Database) -> None:
    db.sql(
        "CREATE TRIGGER t AFTER INSERT ON item BEGIN "
        "INSERT INTO log (event, item_id) VALUES ('ins', NEW.id); END"
    )
    db.sql("BEGIN")
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1)")
    db.sql("SAVEPOINT s")
    db.sql("INSERT INTO item (id, name, qty) VALUES (2, 'b', 1)")
    db.sql("ROLLBACK TO s")
    assert log(db) == [("ins", 1, None, None)]
    db.sql("ROLLBACK")
    assert log(db) == [] and rows(db, "SELECT * FROM item") == []


# ---------------------------------------------------------------------- DROP, transactions
def test_drop_trigger(db: pyram.Database) -> None:
    db.sql(
        "CREATE TRIGGER t AFTER INSERT ON item BEGIN INSERT INTO log (event) VALUES ('ins'); END"
    )
    db.sql("DROP TRIGGER t")
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1)")
    assert log(db) == []
    with pytest.raises(ProgrammingError, match="no such trigger: t"):
        db.sql("DROP TRIGGER t")
    db.sql("DROP TRIGGER IF EXISTS t")
    assert db._store.watcher is None  # no trigger left: writes pay nothing


def test_create_if_not_exists_and_duplicates(db: pyram.Database) -> None:
    db.sql("CREATE TRIGGER t AFTER INSERT ON item BEGIN SELECT 1; END")
    db.sql("CREATE TRIGGER IF NOT EXISTS t AFTER DELETE ON item BEGIN SELECT 2; END")
    with pytest.raises(SqlBindError, match="trigger T already exists") as info:
        db.sql("CREATE TRIGGER T BEFORE INSERT ON log BEGIN SELECT 1; END")
    assert info.value.offset == 0
    assert db._sql.trigger_names() == ["t"]


def test_drop_table_drops_its_triggers(db: pyram.Database) -> None:
    db.sql("CREATE TRIGGER t AFTER INSERT ON item BEGIN INSERT INTO log (event) VALUES ('x'); END")
    db.sql("DROP TABLE item")
    with pytest.raises(ProgrammingError, match="no such trigger"):
        db.sql("DROP TRIGGER t")
    db.sql("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, price REAL)")
    db.sql("INSERT INTO item VALUES (1, 'a', 1, 1.0)")
    assert log(db) == []


def test_drop_model_table_drops_its_triggers() -> None:
    db = pyram.Database()
    db.create(User)
    db.sql("CREATE TABLE log (m TEXT)")
    db.sql("CREATE TRIGGER t AFTER INSERT ON user BEGIN INSERT INTO log VALUES (NEW.name); END")
    db.drop(User)
    assert db._sql.trigger_names() == []


def test_trigger_ddl_is_transactional(db: pyram.Database) -> None:
    make = "CREATE TRIGGER t AFTER INSERT ON item BEGIN INSERT INTO log (event) VALUES ('x'); END"
    db.sql("BEGIN")
    db.sql(make)
    db.sql("ROLLBACK")
    assert db._sql.trigger_names() == []
    db.sql(make)
    db.sql("BEGIN")
    db.sql("DROP TRIGGER t")
    db.sql("ROLLBACK")
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1)")
    assert log(db) == [("x", None, None, None)]  # the trigger came back, and fires
    with db.transaction() as tx:
        db.sql("DROP TABLE item")
        assert db._sql.trigger_names() == []
        tx.rollback()
    assert db._sql.trigger_names() == ["t"]
    db.sql("INSERT INTO item (id, name, qty) VALUES (2, 'b', 1)")
    assert len(log(db)) == 2


def test_trigger_body_is_bound_again_after_schema_changes(db: pyram.Database) -> None:
    db.sql("CREATE TABLE other (x INTEGER)")
    db.sql("CREATE TRIGGER t AFTER INSERT ON item BEGIN INSERT INTO other VALUES (NEW.qty); END")
    db.sql("CREATE INDEX other_x ON other (x)")  # the body is prepared again, with the index
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1)")
    db.sql("DROP TABLE other")
    with pytest.raises(SqlBindError, match="no such table: other"):
        db.sql("INSERT INTO item (id, name, qty) VALUES (2, 'b', 1)")
    assert rows(db, "SELECT id FROM item") == [(1,)]
    db.sql("CREATE TABLE other (x INTEGER)")
    db.sql("INSERT INTO item (id, name, qty) VALUES (2, 'b', 7)")
    assert rows(db, "SELECT x FROM other") == [(7,)]


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("sql", "message", "at"),
    [
        ("CREATE TRIGGER t AFTER INSERT ON nosuch BEGIN SELECT 1; END", "no such table", "nosuch"),
        (
            "CREATE TRIGGER t AFTER DELETE ON item BEGIN SELECT NEW.qty; END",
            "no such column: NEW.qty",
            "NEW.qty",
        ),
        (
            "CREATE TRIGGER t AFTER INSERT ON item BEGIN SELECT OLD.qty; END",
            "no such column: OLD.qty",
            "OLD.qty",
        ),
        (
            "CREATE TRIGGER t AFTER INSERT ON item BEGIN SELECT qty; END",
            "no such column: qty",
            "qty;",
        ),
        (
            "CREATE TRIGGER t AFTER UPDATE OF qty, nope ON item BEGIN SELECT 1; END",
            "no such column: nope",
            "nope",
        ),
        (
            "CREATE TRIGGER t AFTER INSERT ON item BEGIN INSERT INTO nosuch VALUES (1); END",
            "no such table: nosuch",
            "INSERT INTO nosuch",
        ),
        (
            "CREATE TRIGGER t AFTER INSERT ON item WHEN NEW.nope BEGIN SELECT 1; END",
            "no such column: NEW.nope",
            "NEW.nope",
        ),
        (
            "CREATE TRIGGER t INSTEAD OF INSERT ON item BEGIN SELECT 1; END",
            "INSTEAD OF triggers are not supported",
            "INSTEAD",
        ),
        (
            "CREATE TRIGGER t AFTER INSERT ON item BEGIN SELECT RAISE(IGNORE); END",
            r"RAISE\(IGNORE\) is not supported",
            "IGNORE",
        ),
        (
            "CREATE TRIGGER t AFTER INSERT ON item BEGIN SELECT RAISE(STOP, 'x'); END",
            "RAISE takes ABORT",
            "STOP",
        ),
        (
            "CREATE TRIGGER t AFTER INSERT ON item BEGIN UPDATE item SET qty = 'x'; END",
            "'x' does not fit INTEGER",
            "'x'",
        ),
    ],
)
def test_binding_errors_point_at_the_culprit(
    db: pyram.Database, sql: str, message: str, at: str
) -> None:
    with pytest.raises(SqlBindError, match=message) as info:
        db.sql(sql)
    assert info.value.offset == sql.index(at), str(info.value)
    assert db._sql.trigger_names() == []


@pytest.mark.parametrize(
    ("sql", "message", "at"),
    [
        ("CREATE TRIGGER t AFTER INSERT ON item BEGIN END", "expected INSERT, UPDATE", "END"),
        (
            "CREATE TRIGGER t AFTER INSERT ON item BEGIN SELECT 1 DELETE FROM log; END",
            "expected ;",
            "DELETE",
        ),
        ("CREATE TRIGGER t AFTER INSERT ON item BEGIN SELECT ?; END", "parameters", "?"),
        (
            "CREATE TRIGGER t AFTER INSERT ON item BEGIN CREATE TABLE x (a INT); END",
            "expected INSERT, UPDATE, DELETE or SELECT in the trigger body",
            "CREATE",
        ),
        (
            "CREATE TRIGGER t AFTER INSERT ON item BEGIN WITH a AS (SELECT 1) SELECT 2; END",
            "WITH in a trigger body is not supported",
            "WITH",
        ),
        (
            "CREATE TRIGGER t AFTER INSERT ON item FOR EACH STATEMENT BEGIN SELECT 1; END",
            "FOR EACH STATEMENT",
            "STATEMENT",
        ),
        ("CREATE TRIGGER t AFTER ON item BEGIN SELECT 1; END", "expected INSERT", "ON"),
        ("SELECT RAISE(ABORT, 'x')", "RAISE is not supported", "RAISE"),
    ],
)
def test_syntax_errors(db: pyram.Database, sql: str, message: str, at: str) -> None:
    with pytest.raises(SqlSyntaxError, match=message) as info:
        db.sql(sql)
    assert info.value.offset == sql.index(at, 1), str(info.value)


def test_trigger_on_a_view_is_refused(db: pyram.Database) -> None:
    db.sql("CREATE VIEW v AS SELECT id FROM item")
    sql = "CREATE TRIGGER t AFTER INSERT ON v BEGIN SELECT 1; END"
    with pytest.raises(SqlBindError, match="cannot create AFTER trigger on view: v") as info:
        db.sql(sql)
    assert info.value.offset == sql.index("v BEGIN")


def test_script_with_triggers_and_case_in_when(db: pyram.Database) -> None:
    db.sql(
        """
        CREATE TRIGGER t AFTER INSERT ON item
        WHEN CASE WHEN NEW.qty > 1 THEN 1 ELSE 0 END
        BEGIN
            INSERT INTO log (event, new_qty) VALUES (CASE NEW.qty WHEN 2 THEN 'two' END, NEW.qty);
        END;
        INSERT INTO item (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 2);
        """
    )
    assert log(db) == [("two", None, None, 2)]


# ---------------------------------------------------------------------- DSL writes, events
def test_triggers_fire_for_python_api_writes() -> None:
    db = pyram.Database()
    db.create(User, Order)
    db.sql("CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT, age INTEGER)")
    db.sql(
        "CREATE TRIGGER ins AFTER INSERT ON user BEGIN "
        "INSERT INTO audit (what, age) VALUES ('ins ' || NEW.name, NEW.age); END"
    )
    db.sql(
        "CREATE TRIGGER upd AFTER UPDATE OF age ON user BEGIN "
        "INSERT INTO audit (what, age) VALUES ('age ' || OLD.age, NEW.age); END"
    )
    db.sql(
        "CREATE TRIGGER del BEFORE DELETE ON orders BEGIN "
        "INSERT INTO audit (what, age) VALUES ('order', CAST(OLD.total AS INTEGER)); END"
    )
    db.insert(User(id=1, name="ann", age=30))
    db.insert_many([User(id=2, name="bob", age=40)])
    db.insert(Order(id=1, user_id=1, total=5.0))
    db.update(User(id=1, name="ann", age=31))
    db.update(User(id=1, name="anne", age=31))  # age unchanged: UPDATE OF age does not fire
    db.delete(User, 1)  # cascades to the order
    assert rows(db, "SELECT what, age FROM audit ORDER BY id") == [
        ("ins ann", 30),
        ("ins bob", 40),
        ("age 30", 31),
        ("order", 5),
    ]


def test_python_api_write_fails_with_the_trigger_and_changes_nothing() -> None:
    db = pyram.Database()
    db.create(User)
    db.sql(
        "CREATE TRIGGER adults BEFORE INSERT ON user WHEN NEW.age < 18 BEGIN "
        "SELECT RAISE(ABORT, 'adults only'); END"
    )
    with pytest.raises(IntegrityError, match="adults only"):
        db.insert_many([User(id=1, name="a", age=30), User(id=2, name="b", age=3)])
    assert db.count(User) == 0


def test_change_events_alongside_triggers() -> None:
    db = pyram.Database()
    db.create(User)
    db.sql("CREATE TABLE audit (id INTEGER PRIMARY KEY, name TEXT)")
    seen: list[Change] = []
    commits: list[list[Change]] = []
    vetoed: list[Change] = []
    db.on_change("audit", seen.append)
    db.on_change(User, seen.append)
    db.on_commit(commits.append)
    db.before_change(User, vetoed.append)
    db.sql(
        "CREATE TRIGGER t AFTER INSERT ON user BEGIN "
        "INSERT INTO audit (name) VALUES (NEW.name); END"
    )
    assert isinstance(db._store.watcher, pyram.storage.watch.Watchers)
    db.insert(User(id=1, name="ann", age=30))
    assert [(c.kind, c.table) for c in seen] == [("insert", "user"), ("insert", "audit")]
    assert len(commits) == 1 and len(commits[0]) == 2
    assert [c.new for c in vetoed] == [User(id=1, name="ann", age=30)]

    def veto(change: Change) -> None:
        raise ValueError("no")

    db.before_change("audit", veto)
    with pytest.raises(ValueError, match="no"):
        db.insert(User(id=2, name="bob", age=30))
    assert db.count(User) == 1 and len(seen) == 2 and len(commits) == 1

    db.sql("DROP TRIGGER t")
    assert db._store.watcher is db._events  # events only


def test_failed_statement_in_a_transaction_delivers_no_events(db: pyram.Database) -> None:
    seen: list[Change] = []
    db.on_change("log", seen.append)
    db.sql(
        "CREATE TRIGGER t AFTER INSERT ON item BEGIN "
        "INSERT INTO log (event) VALUES ('ins'); SELECT RAISE(ABORT, 'no') WHERE NEW.qty < 0; END"
    )
    with db.transaction():
        db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1)")
        with pytest.raises(IntegrityError):
            db.sql("INSERT INTO item (id, name, qty) VALUES (2, 'b', -1)")
    assert len(seen) == 1


def test_insert_or_replace_and_upsert_fire_triggers(db: pyram.Database) -> None:
    for event in ("INSERT", "UPDATE", "DELETE"):
        db.sql(
            f"CREATE TRIGGER t_{event} AFTER {event} ON item BEGIN "
            f"INSERT INTO log (event, item_id) VALUES ('{event.lower()}', "
            f"{'OLD' if event == 'DELETE' else 'NEW'}.id); END"
        )
    db.sql("INSERT INTO item (id, name, qty) VALUES (1, 'a', 1)")
    db.sql("INSERT OR REPLACE INTO item (id, name, qty) VALUES (1, 'b', 2)")
    db.sql(
        "INSERT INTO item (id, name, qty) VALUES (1, 'c', 3) "
        "ON CONFLICT (id) DO UPDATE SET qty = excluded.qty"
    )
    assert [(e, i) for e, i, _, _ in log(db)] == [
        ("insert", 1),
        ("delete", 1),
        ("insert", 1),
        ("update", 1),
    ]
