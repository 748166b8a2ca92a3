"""What PyRAM supports, for SQLAlchemy's compliance suite.

A test whose requirement is closed here is skipped; every other test must pass (CI fails on
it). Each closed requirement says why: PyRAM has one database (no schemas, no ATTACH), no
temporary tables or views, no comments, sequences, identity or computed columns, no
RETURNING, no two-phase commit, and stores values strictly typed (no SQLite-style
affinity tricks).
"""

from sqlalchemy.testing import exclusions
from sqlalchemy.testing.requirements import SuiteRequirements

closed = exclusions.closed
open_ = exclusions.open


class Requirements(SuiteRequirements):
    """PyRAM's answers; properties not listed keep SQLAlchemy's defaults."""

    # -- one database: no schemas, no temporary objects ------------------------------------
    schemas = property(lambda self: closed())
    cross_schema_fk_reflection = property(lambda self: closed())
    implicit_default_schema = property(lambda self: closed())
    default_schema_name_switch = property(lambda self: closed())
    schema_reflection = property(lambda self: closed())
    schema_create_delete = property(lambda self: closed())
    temporary_tables = property(lambda self: closed())
    temp_table_reflection = property(lambda self: closed())
    temp_table_names = property(lambda self: closed())
    has_temp_table = property(lambda self: closed())
    temporary_views = property(lambda self: closed())
    create_temp_table_as = property(lambda self: closed())
    temp_table_comment_reflection = property(lambda self: closed())

    # -- schema objects PyRAM does not have --------------------------------------------------
    comment_reflection = property(lambda self: closed())
    comment_reflection_full_unicode = property(lambda self: closed())
    constraint_comment_reflection = property(lambda self: closed())
    sequences = property(lambda self: closed())
    sequences_optional = property(lambda self: closed())
    identity_columns = property(lambda self: closed())
    identity_columns_standard = property(lambda self: closed())
    computed_columns = property(lambda self: closed())
    computed_columns_stored = property(lambda self: closed())
    computed_columns_virtual = property(lambda self: closed())
    computed_columns_default_persisted = property(lambda self: closed())
    computed_columns_reflect_persisted = property(lambda self: closed())
    materialized_views = property(lambda self: closed())
    create_or_replace_view = property(lambda self: closed())
    indexes_with_expressions = property(lambda self: closed())
    reflect_indexes_with_expressions = property(lambda self: closed())
    indexes_with_ascdesc = property(lambda self: closed())
    reflect_indexes_with_ascdesc = property(lambda self: closed())
    reflect_indexes_with_ascdesc_as_expression = property(lambda self: closed())
    column_collation_reflection = property(lambda self: closed())
    deferrable_fks = property(lambda self: closed())
    on_update_cascade = property(lambda self: closed())  # only ON DELETE actions
    on_update_or_deferrable_fks = property(lambda self: closed())
    foreign_key_constraint_option_reflection_onupdate = property(lambda self: closed())
    # as SQLite: unnamed constraints stay unnamed
    implicitly_named_constraints = property(lambda self: closed())

    # -- statements -----------------------------------------------------------------------------
    insert_returning = property(lambda self: closed())
    update_returning = property(lambda self: closed())
    delete_returning = property(lambda self: closed())
    insert_executemany_returning = property(lambda self: closed())
    two_phase_transactions = property(lambda self: closed())
    server_side_cursors = property(lambda self: closed())
    fetch_first = property(lambda self: closed())
    fetch_percent = property(lambda self: closed())
    fetch_ties = property(lambda self: closed())
    fetch_offset_with_options = property(lambda self: closed())
    fetch_expression = property(lambda self: closed())
    supports_distinct_on = property(lambda self: closed())
    regexp_match = property(lambda self: closed())
    regexp_replace = property(lambda self: closed())
    update_from = property(lambda self: closed())
    delete_from = property(lambda self: closed())
    tuple_in = property(lambda self: closed())  # no row values: (a, b) IN (...)
    tuple_in_w_empty = property(lambda self: closed())
    table_value_constructor = property(lambda self: closed())  # VALUES of row values
    parens_in_union_contained_select_w_limit_offset = property(lambda self: closed())
    parens_in_union_contained_select_wo_limit_offset = property(lambda self: closed())
    # PyRAM's names are identifiers: no quotes, brackets, parentheses or % in table names
    unusual_column_name_characters = property(lambda self: closed())
    symbol_names_w_double_quote = property(lambda self: closed())

    # -- strict typing ----------------------------------------------------------------------
    # a JSON column holds documents (dict or list) and there are no JSON SQL functions
    # (json_extract and the like): SQLAlchemy's JSON tests need both
    json_type = property(lambda self: closed())
    # a DATE column takes dates, not datetimes
    date_coerces_from_datetime = property(lambda self: closed())

    # -- what PyRAM does have ------------------------------------------------------------------
    reflects_pk_names = property(lambda self: open_())
    reflect_table_options = property(lambda self: open_())
    foreign_key_constraint_name_reflection = property(lambda self: open_())
    views = property(lambda self: open_())
    view_reflection = property(lambda self: open_())
    view_column_reflection = property(lambda self: open_())
    foreign_keys = property(lambda self: open_())
    foreign_key_constraint_option_reflection_ondelete = property(lambda self: open_())
    unique_constraint_reflection = property(lambda self: open_())
    index_reflection = property(lambda self: open_())
    check_constraint_reflection = property(lambda self: open_())
    savepoints = property(lambda self: open_())
    autocommit = property(lambda self: open_())
    isolation_level = property(lambda self: open_())
    ctes = property(lambda self: open_())
    ctes_on_dml = property(lambda self: open_())
    window_functions = property(lambda self: open_())
    intersect = property(lambda self: open_())
    except_ = property(lambda self: open_())
    nullsordering = property(lambda self: open_())
    datetime = property(lambda self: open_())
    datetime_microseconds = property(lambda self: open_())
    timestamp_microseconds = property(lambda self: open_())
    datetime_timezone = property(lambda self: open_())
    datetime_historic = property(lambda self: open_())
    date = property(lambda self: open_())
    date_historic = property(lambda self: open_())
    time = property(lambda self: open_())
    time_microseconds = property(lambda self: open_())
    uuid_data_type = property(lambda self: open_())
    precision_numerics_general = property(lambda self: open_())
    implicit_decimal_binds = property(lambda self: open_())
    empty_inserts = property(lambda self: open_())
    insert_from_select = property(lambda self: open_())

    def get_isolation_levels(self, config):  # type: ignore[no-untyped-def]
        return {"default": "SERIALIZABLE", "supported": ["SERIALIZABLE", "AUTOCOMMIT"]}
