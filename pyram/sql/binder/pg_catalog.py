"""PostgreSQL's ``pg_catalog``, read-only: virtual tables computed from PyRAM's catalogue for
the clients that introspect a server (psql's ``\\d`` commands, SQLAlchemy's reflection,
psycopg's type lookups), in the PostgreSQL dialect only.

They follow the pattern of :mod:`pyram.sql.binder.system` (``sqlite_master``): rows made when a
statement is bound, bound as a ``Values`` plan (so joins, ``WHERE`` and subqueries work), and a
statement reading them is not cached. Each table has the columns clients read (a subset of
PostgreSQL's); OIDs are stable numbers derived from names (:func:`object_oid`), so a table keeps
its OID while its name stays. What PyRAM lacks is empty or constant: no comments
(``pg_description`` is empty), no sequences, triggers, policies, one owner and one database.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import attrs

from pyram.catalog import IndexSpec, TableSchema
from pyram.sql.binder.base import SqlCatalog
from pyram.sql.binder.system import SystemTable
from pyram.sql.schema_text import default_sql
from pyram.types import BOOLEAN, INTEGER, REAL, TEXT, DataType
from pyram.types.pg_types import PG_TYPES, PgType, pg_type_for

__all__ = [
    "PG_CATALOG_TABLES",
    "PgSnapshot",
    "column_spec",
    "object_oid",
    "pg_catalog_table",
]

Row = tuple[object, ...]
NAMESPACE_PG_CATALOG = 11
NAMESPACE_PUBLIC = 2200
NAMESPACE_INFORMATION_SCHEMA = 13_000
OWNER = 10
_HEAP, _BTREE, _HASH = 2, 403, 405
_DEFAULT_COLLATION = 100
_TYPES = {"T": TEXT, "I": INTEGER, "B": BOOLEAN, "R": REAL}


def column_spec(spec: str) -> tuple[tuple[str, DataType], ...]:
    """``"oid:I relname:T"``: names with TEXT (T), INTEGER (I), BOOLEAN (B) or REAL (R)."""
    return tuple((item[:-2], _TYPES[item[-1]]) for item in spec.split())


def object_oid(kind: str, name: str) -> int:
    """A stable OID for a user object: above PostgreSQL's reserved range (16384), below 2**31."""
    return 16_384 + zlib.crc32(f"{kind}:{name.lower()}".encode()) % 2_000_000_000


@attrs.frozen
class _Relation:
    """A row of ``pg_class``: a table, view or index (or one of these catalogue tables)."""

    oid: int
    name: str
    namespace: int
    kind: str
    natts: int = 0
    has_index: bool = False
    am: int = 0
    checks: int = 0
    #: PostgreSQL enforces foreign keys with triggers on both tables
    triggers: bool = False


class PgSnapshot:
    """The catalogue of the moment, as PostgreSQL numbers it (made once per statement)."""

    def __init__(
        self,
        catalog: SqlCatalog,
        settings: dict[str, str],
        view_columns: Callable[[str], list[tuple[str, str]] | None] = lambda _: None,
    ) -> None:
        self.catalog = catalog
        self.settings = settings
        #: a view's output columns as (name, PyRAM type name), bound on demand
        self.view_columns = view_columns
        self.tables = catalog.tables()
        self.views = [o for o in catalog.schema_objects() if o.type == "view"]
        self.relations = self._relations()
        self.by_oid = {r.oid: r for r in self.relations}

    def _relations(self) -> list[_Relation]:
        out = [
            _Relation(oid, name, NAMESPACE_PG_CATALOG, "r", len(PG_CATALOG_TABLES[name][0]))
            for name, oid in _CATALOG_OIDS.items()
        ]
        referenced = {fk.ref_table.lower() for s in self.tables for fk in s.foreign_keys}
        for schema in self.tables:
            out.append(
                _Relation(
                    object_oid("table", schema.name),
                    schema.name,
                    NAMESPACE_PUBLIC,
                    "r",
                    len(schema.columns),
                    bool(self.indexes(schema)),
                    _HEAP,
                    len(schema.checks),
                    bool(schema.foreign_keys) or schema.name.lower() in referenced,
                )
            )
            for index, _ in self.indexes(schema):
                kind_am = _HASH if index.kind == "hash" else _BTREE
                out.append(
                    _Relation(
                        object_oid("index", index.name),
                        index.name,
                        NAMESPACE_PUBLIC,
                        "i",
                        len(index.columns),
                        am=kind_am,
                    )
                )
        out.extend(
            _Relation(object_oid("table", v.name), v.name, NAMESPACE_PUBLIC, "v")
            for v in self.views
        )
        return out

    def indexes(self, schema: TableSchema) -> list[tuple[IndexSpec, bool]]:
        """(index, is primary key) of ``schema`` as PostgreSQL has them: constraint indexes and
        CREATE INDEX ones, not the hidden ones PyRAM keeps on foreign-key columns."""
        hidden = {f"{schema.name}_{'_'.join(fk.columns)}_fkey" for fk in schema.foreign_keys}
        primary = {u.name for u in schema.uniques if u.primary_key}
        return [(ix, ix.name in primary) for ix in schema.indexes if ix.name not in hidden]

    def relation_oid(self, name: str) -> int | None:
        """The OID of a relation by (optionally ``schema.``-qualified, quoted) name."""
        key = name.strip()
        for prefix in ("pg_catalog.", "public.", "information_schema."):
            if key.lower().startswith(prefix):
                key = key[len(prefix) :]
        key = key.strip('"').lower()
        if key.isdigit():
            return int(key)
        for relation in self.relations:
            if relation.name.lower() == key:
                return relation.oid
        return None

    def index_definition(self, oid: int, pretty: bool = False) -> str | None:
        """``pg_get_indexdef``: ``CREATE [UNIQUE] INDEX name ON public.t USING btree (a)``
        (``pretty``: the table unqualified, as PostgreSQL shows a visible one)."""
        for schema in self.tables:
            for index, _ in self.indexes(schema):
                if object_oid("index", index.name) == oid:
                    unique = "UNIQUE " if index.unique else ""
                    method = "hash" if index.kind == "hash" else "btree"
                    columns = ", ".join(index.columns)
                    table = schema.name if pretty else f"public.{schema.name}"
                    return (
                        f"CREATE {unique}INDEX {index.name} ON {table} "
                        f"USING {method} ({columns})"
                    )
        return None

    def constraint_definitions(self) -> dict[int, str]:
        """``pg_get_constraintdef`` of every constraint, by OID."""
        out: dict[int, str] = {}
        for row in self.constraint_rows():
            out[int(str(row[0]))] = str(row[-1])
        return out

    def constraint_rows(self) -> list[Row]:
        """``pg_constraint``'s rows, each followed by its definition text (dropped later)."""
        rows: list[Row] = []
        for schema in self.tables:
            rel = object_oid("table", schema.name)
            for unique in schema.uniques:
                kind = "p" if unique.primary_key else "u"
                word = "PRIMARY KEY" if unique.primary_key else "UNIQUE"
                head = self._constraint(unique.name, kind, rel, schema, unique.columns)
                index = object_oid("index", unique.name)
                rows.append((*head, index, 0, None, f"{word} ({', '.join(unique.columns)})"))
            for fk in schema.foreign_keys:
                name = f"{schema.name}_{'_'.join(fk.columns)}_fkey"
                target = self.catalog.find_table(fk.ref_table)
                positions = _key(target, fk.ref_columns) if target is not None else None
                delete = {"cascade": "c", "set null": "n"}.get(fk.on_delete, "r")
                definition = (
                    f"FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES "
                    f"{fk.ref_table}({', '.join(fk.ref_columns)})"
                )
                if delete != "r":
                    definition += f" ON DELETE {fk.on_delete.upper()}"
                head = self._constraint(name, "f", rel, schema, fk.columns, delete)
                target_oid = object_oid("table", fk.ref_table)
                rows.append((*head, 0, target_oid, positions, definition))
            for check in schema.checks:
                head = self._constraint(check.name, "c", rel, schema, ())
                rows.append((*head, 0, 0, None, f"CHECK (({check.sql or 'true'}))"))
        return rows

    def _constraint(
        self, name: str, kind: str, rel: int, schema: TableSchema, columns: tuple[str, ...],
        delete: str = "a",
    ) -> Row:  # fmt: skip
        oid = object_oid(f"constraint:{schema.name}", name)
        return (oid, name, NAMESPACE_PUBLIC, kind, False, False, True, rel, 0, 0, delete,
                "a", "s", _key(schema, columns))  # fmt: skip


def _key(schema: TableSchema | None, columns: tuple[str, ...]) -> str | None:
    """PostgreSQL's ``int2[]`` text of 1-based column numbers (``{1,2}``)."""
    if schema is None or not columns:
        return None
    return "{" + ",".join(str(schema.position(c) + 1) for c in columns) + "}"


def _class_rows(snap: PgSnapshot) -> list[Row]:
    return [
        (r.oid, r.name, r.namespace, 0, 0, OWNER, r.am, r.oid, 0, 0, -1.0, 0, 0, r.has_index,
         False, "p", r.kind, r.natts, r.checks, False, r.triggers, False, False, False, True, "d",
         False, None, None, None)
        for r in snap.relations
    ]  # fmt: skip


def _namespace_rows(snap: PgSnapshot) -> list[Row]:
    return [
        (NAMESPACE_PG_CATALOG, "pg_catalog", OWNER, None),
        (NAMESPACE_PUBLIC, "public", OWNER, None),
        (NAMESPACE_INFORMATION_SCHEMA, "information_schema", OWNER, None),
    ]


def _column_type(column_type: DataType) -> PgType:
    return pg_type_for(column_type.name)


def _attribute_rows(snap: PgSnapshot) -> list[Row]:
    rows: list[Row] = []
    for schema in snap.tables:
        rel = object_oid("table", schema.name)
        for number, column in enumerate(schema.columns, start=1):
            pg = _column_type(column.dtype)
            not_null = not column.nullable or column.name in schema.primary_key
            has_default = default_sql(column) is not None
            collation = _DEFAULT_COLLATION if pg.category == "S" else 0
            rows.append(
                (rel, column.name, pg.oid, pg.length, number, -1, not_null, has_default,
                 "", "", False, True, collation, 0)
            )  # fmt: skip
    for view in snap.views:
        rel = object_oid("table", view.name)
        for number, (attname, type_name) in enumerate(snap.view_columns(view.name) or [], 1):
            pg = pg_type_for(type_name)
            rows.append(
                (rel, attname, pg.oid, pg.length, number, -1, False, False, "", "", False, True,
                 _DEFAULT_COLLATION if pg.category == "S" else 0, 0)
            )  # fmt: skip
    for name, oid in _CATALOG_OIDS.items():
        for number, (attname, dtype) in enumerate(PG_CATALOG_TABLES[name][0], start=1):
            pg = _column_type(dtype)
            rows.append(
                (oid, attname, pg.oid, pg.length, number, -1, False, False, "", "", False,
                 True, 0, 0)
            )  # fmt: skip
    return rows


def _type_rows(snap: PgSnapshot) -> list[Row]:
    rows: list[Row] = []
    for t in PG_TYPES:
        collation = _DEFAULT_COLLATION if t.category == "S" else 0
        rows.append(
            (t.oid, t.name, NAMESPACE_PG_CATALOG, OWNER, t.length, t.length > 0, "b", t.category,
             False, True, ",", 0, 0, t.array_oid, f"{t.name}in", f"{t.name}out", 0, -1, 0,
             collation, False, None)
        )  # fmt: skip
    return rows


def _index_rows(snap: PgSnapshot) -> list[Row]:
    rows: list[Row] = []
    for schema in snap.tables:
        rel = object_oid("table", schema.name)
        for index, primary in snap.indexes(schema):
            positions = " ".join(str(schema.position(c) + 1) for c in index.columns)
            n = len(index.columns)
            rows.append(
                (object_oid("index", index.name), rel, n, n, index.unique, False, primary,
                 False, True, False, True, True, False, positions, " ".join("0" * n), None, None)
            )  # fmt: skip
    return rows


def _constraint_rows(snap: PgSnapshot) -> list[Row]:
    return [row[:-1] for row in snap.constraint_rows()]


def _attrdef_rows(snap: PgSnapshot) -> list[Row]:
    rows: list[Row] = []
    for schema in snap.tables:
        rel = object_oid("table", schema.name)
        for number, column in enumerate(schema.columns, start=1):
            text = default_sql(column)
            if text is not None:
                rows.append((object_oid(f"default:{schema.name}", column.name), rel, number, text))
    return rows


def _database_rows(snap: PgSnapshot) -> list[Row]:
    name = snap.settings.get("database", "pyram")
    return [(1, name, OWNER, 6, "c", False, True, -1, "C", "C", None, None)]


def _role_rows(snap: PgSnapshot) -> list[Row]:
    user = snap.settings.get("session_authorization", "pyram")
    return [(OWNER, user, True, True, True, True, True, False, -1, "********", None, False, None)]


def _user_rows(snap: PgSnapshot) -> list[Row]:
    user = snap.settings.get("session_authorization", "pyram")
    return [(user, OWNER, True, True, False, False, "********", None, None)]


def _settings_rows(snap: PgSnapshot) -> list[Row]:
    return [
        (name, value, None, "PyRAM", "", "user", "string", "session", None)
        for name, value in sorted(snap.settings.items())
    ]


def _am_rows(snap: PgSnapshot) -> list[Row]:
    return [(_HEAP, "heap", "heap_tableam_handler", "t"), (_BTREE, "btree", "bthandler", "i"),
            (_HASH, "hash", "hashhandler", "i")]  # fmt: skip


def _collation_rows(snap: PgSnapshot) -> list[Row]:
    return [
        (_DEFAULT_COLLATION, "default", NAMESPACE_PG_CATALOG, OWNER, "d", True, -1, None, None),
        (950, "C", NAMESPACE_PG_CATALOG, OWNER, "c", True, -1, "C", "C"),
        (951, "POSIX", NAMESPACE_PG_CATALOG, OWNER, "c", True, -1, "POSIX", "POSIX"),
    ]


def _empty(snap: PgSnapshot) -> list[Row]:
    return []


def _tablespace_rows(snap: PgSnapshot) -> list[Row]:
    return [(1663, "pg_default", OWNER, None, None), (1664, "pg_global", OWNER, None, None)]


_Spec = tuple[tuple[tuple[str, DataType], ...], Callable[[PgSnapshot], list[Row]]]

#: ``pg_catalog`` tables: name -> (columns, rows of a snapshot).
PG_CATALOG_TABLES: dict[str, _Spec] = {
    "pg_class": (column_spec(
        "oid:I relname:T relnamespace:I reltype:I reloftype:I relowner:I relam:I relfilenode:I "
        "reltablespace:I relpages:I reltuples:R relallvisible:I reltoastrelid:I relhasindex:B "
        "relisshared:B relpersistence:T relkind:T relnatts:I relchecks:I relhasrules:B "
        "relhastriggers:B relhassubclass:B relrowsecurity:B relforcerowsecurity:B "
        "relispopulated:B relreplident:T relispartition:B relacl:T reloptions:T relpartbound:T"
    ), _class_rows),
    "pg_namespace": (column_spec("oid:I nspname:T nspowner:I nspacl:T"), _namespace_rows),
    "pg_attribute": (column_spec(
        "attrelid:I attname:T atttypid:I attlen:I attnum:I atttypmod:I attnotnull:B "
        "atthasdef:B attidentity:T attgenerated:T attisdropped:B attislocal:B attcollation:I "
        "attinhcount:I"
    ), _attribute_rows),
    "pg_type": (column_spec(
        "oid:I typname:T typnamespace:I typowner:I typlen:I typbyval:B typtype:T "
        "typcategory:T typispreferred:B typisdefined:B typdelim:T typrelid:I typelem:I "
        "typarray:I typinput:T typoutput:T typbasetype:I typtypmod:I typndims:I "
        "typcollation:I typnotnull:B typdefault:T"
    ), _type_rows),
    "pg_index": (column_spec(
        "indexrelid:I indrelid:I indnatts:I indnkeyatts:I indisunique:B indnullsnotdistinct:B "
        "indisprimary:B indisexclusion:B indimmediate:B indisclustered:B indisvalid:B "
        "indisready:B indisreplident:B indkey:T indoption:T indexprs:T indpred:T"
    ), _index_rows),
    "pg_constraint": (column_spec(
        "oid:I conname:T connamespace:I contype:T condeferrable:B condeferred:B "
        "convalidated:B conrelid:I contypid:I conparentid:I confdeltype:T confupdtype:T "
        "confmatchtype:T conkey:T conindid:I confrelid:I confkey:T"
    ), _constraint_rows),
    "pg_attrdef": (column_spec("oid:I adrelid:I adnum:I adbin:T"), _attrdef_rows),
    "pg_description": (column_spec("objoid:I classoid:I objsubid:I description:T"), _empty),
    "pg_database": (column_spec(
        "oid:I datname:T datdba:I encoding:I datlocprovider:T datistemplate:B datallowconn:B "
        "datconnlimit:I datcollate:T datctype:T daticulocale:T datacl:T"
    ), _database_rows),
    "pg_roles": (column_spec(
        "oid:I rolname:T rolsuper:B rolinherit:B rolcreaterole:B rolcreatedb:B rolcanlogin:B "
        "rolreplication:B rolconnlimit:I rolpassword:T rolvaliduntil:T rolbypassrls:B "
        "rolconfig:T"
    ), _role_rows),
    "pg_user": (column_spec(
        "usename:T usesysid:I usecreatedb:B usesuper:B userepl:B usebypassrls:B passwd:T "
        "valuntil:T useconfig:T"
    ), _user_rows),
    "pg_settings": (column_spec(
        "name:T setting:T unit:T category:T short_desc:T context:T vartype:T source:T "
        "boot_val:T"
    ), _settings_rows),
    "pg_am": (column_spec("oid:I amname:T amhandler:T amtype:T"), _am_rows),
    "pg_collation": (column_spec(
        "oid:I collname:T collnamespace:I collowner:I collprovider:T collisdeterministic:B "
        "collencoding:I collcollate:T collctype:T"
    ), _collation_rows),
    "pg_opclass": (column_spec(
        "oid:I opcmethod:I opcname:T opcnamespace:I opcowner:I opcfamily:I opcintype:I "
        "opcdefault:B opckeytype:I"
    ), _empty),
    "pg_sequence": (column_spec(
        "seqrelid:I seqtypid:I seqstart:I seqincrement:I seqmax:I seqmin:I seqcache:I "
        "seqcycle:B"
    ), _empty),
    "pg_inherits": (column_spec(
        "inhrelid:I inhparent:I inhseqno:I inhdetachpending:B"
    ), _empty),
    "pg_trigger": (column_spec(
        "oid:I tgrelid:I tgparentid:I tgname:T tgenabled:T tgisinternal:B"
    ), _empty),
    "pg_policy": (column_spec(
        "oid:I polname:T polrelid:I polcmd:T polpermissive:B polroles:T polqual:T "
        "polwithcheck:T"
    ), _empty),
    "pg_statistic_ext": (column_spec(
        "oid:I stxrelid:I stxname:T stxnamespace:I stxowner:I stxstattarget:I stxkeys:T "
        "stxkind:T"
    ), _empty),
    "pg_publication": (column_spec(
        "oid:I pubname:T pubowner:I puballtables:B pubinsert:B pubupdate:B pubdelete:B "
        "pubtruncate:B pubviaroot:B"
    ), _empty),
    "pg_publication_namespace": (column_spec("oid:I pnpubid:I pnnspid:I"), _empty),
    "pg_publication_rel": (column_spec(
        "oid:I prpubid:I prrelid:I prqual:T prattrs:T"
    ), _empty),
    "pg_auth_members": (column_spec("roleid:I member:I grantor:I admin_option:B"), _empty),
    "pg_proc": (column_spec(
        "oid:I proname:T pronamespace:I proowner:I prokind:T prorettype:I pronargs:I "
        "proargtypes:T prosrc:T"
    ), _empty),
    "pg_extension": (column_spec(
        "oid:I extname:T extowner:I extnamespace:I extrelocatable:B extversion:T"
    ), _empty),
    "pg_tablespace": (column_spec("oid:I spcname:T spcowner:I spcacl:T spcoptions:T"),
                      _tablespace_rows),
}  # fmt: skip

# PostgreSQL's OIDs of its own catalogue tables (``'pg_class'::regclass`` is 1259).
_CATALOG_OIDS = {
    "pg_class": 1259, "pg_namespace": 2615, "pg_attribute": 1249, "pg_type": 1247,
    "pg_index": 2610, "pg_constraint": 2606, "pg_attrdef": 2604, "pg_description": 2609,
    "pg_database": 1262, "pg_roles": 12_001, "pg_user": 12_002, "pg_settings": 12_003,
    "pg_am": 2601, "pg_collation": 3456, "pg_opclass": 2616, "pg_sequence": 2224,
    "pg_inherits": 2611, "pg_trigger": 2620, "pg_policy": 3256, "pg_statistic_ext": 3381,
    "pg_publication": 6104, "pg_publication_namespace": 6237, "pg_publication_rel": 6106,
    "pg_auth_members": 1261, "pg_proc": 1255, "pg_extension": 3079, "pg_tablespace": 1213,
}  # fmt: skip


def pg_catalog_table(snap: PgSnapshot, name: str) -> SystemTable:
    """The rows of ``pg_catalog.name`` (a key of :data:`PG_CATALOG_TABLES`)."""
    columns, rows = PG_CATALOG_TABLES[name]
    return SystemTable(columns, rows(snap))
