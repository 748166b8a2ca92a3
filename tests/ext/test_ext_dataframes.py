"""pandas and Polars through the SQLAlchemy dialect: ``read_sql``/``to_sql`` (``if_exists``,
``chunksize``, ``dtype``) and Polars' ``read_database``/``write_database``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")


from pandas.errors import DatabaseError  # noqa: E402
from sqlalchemy import create_engine, inspect  # noqa: E402
from sqlalchemy.dialects import registry  # noqa: E402
from sqlalchemy.types import Numeric, String  # noqa: E402

registry.register("pyram", "pyram.ext.sqlalchemy", "PyramDialect")


@pytest.fixture
def engine() -> Any:
    engine = create_engine("pyram://")
    yield engine
    engine.dispose()


def _frame() -> Any:
    paris = dt.timezone(dt.timedelta(hours=1))
    return pd.DataFrame(
        {
            "n": pd.array([1, None, 3], dtype="Int64"),
            "x": [1.5, None, -2.25],
            "s": ["a", None, "c"],
            "day": [dt.date(2020, 1, 1), None, dt.date(2021, 2, 3)],
            "at": [
                dt.datetime(2020, 1, 1, 10, 0, tzinfo=paris),
                None,
                dt.datetime(2021, 6, 1, 12, 30, tzinfo=dt.UTC),
            ],
        }
    ).astype({"at": "datetime64[us, UTC]"})


def test_pandas_round_trip(engine: Any) -> None:
    frame = _frame()
    assert frame.to_sql("measure", engine, index=False, chunksize=2) == 3
    back = pd.read_sql("SELECT * FROM measure", engine)
    assert back["n"].tolist()[0::2] == [1, 3] and pd.isna(back["n"][1])
    assert back["x"].tolist()[0::2] == [1.5, -2.25] and pd.isna(back["x"][1])
    assert back["s"].tolist()[0::2] == ["a", "c"] and pd.isna(back["s"][1])
    assert back["day"].tolist() == [dt.date(2020, 1, 1), None, dt.date(2021, 2, 3)]
    assert str(back["at"].dtype) == "datetime64[us, UTC]"
    pd.testing.assert_series_equal(back["at"], frame["at"])
    # the columns got PyRAM's strict types
    columns = inspect(engine).get_columns("measure")
    types = {c["name"]: type(c["type"]).__name__ for c in columns}
    assert types == {
        "n": "BIGINT",
        "x": "FLOAT",
        "s": "TEXT",
        "day": "DATE",
        "at": "TIMESTAMPTZ",
    }


def test_to_sql_if_exists_and_dtype(engine: Any) -> None:
    frame = pd.DataFrame({"code": ["a", "b"], "price": [1.5, 2.0]})
    dtype = {"code": String(5), "price": Numeric(8, 2)}
    frame.to_sql("price", engine, index=False, dtype=dtype)
    with pytest.raises(ValueError, match="already exists"):
        frame.to_sql("price", engine, index=False)
    # a DECIMAL column takes no floats: pandas converts them when told the column's type
    with pytest.raises(DatabaseError, match="expected DECIMAL"):
        frame.to_sql("price", engine, index=False, if_exists="append")
    frame.to_sql("price", engine, index=False, if_exists="append", dtype=dtype)
    prices = pd.read_sql("SELECT price FROM price", engine)["price"].tolist()
    assert prices == [1.5, 2.0] * 2  # read_sql makes floats of Decimals (coerce_float)
    assert pd.read_sql("SELECT count(*) AS n FROM price", engine)["n"][0] == 4
    frame.head(1).to_sql("price", engine, index=False, if_exists="replace")
    assert pd.read_sql_table("price", engine)["code"].tolist() == ["a"]
    chunks = list(pd.read_sql("SELECT * FROM price", engine, chunksize=1))
    assert len(chunks) == 1 and chunks[0]["code"].tolist() == ["a"]


def test_polars_read_and_write(engine: Any) -> None:
    _frame().to_sql("measure", engine, index=False)
    with engine.connect() as conn:
        frame = pl.read_database("SELECT n, s, day FROM measure", conn)
    assert frame.schema == {"n": pl.Int64, "s": pl.String, "day": pl.Date}
    assert frame["n"].to_list() == [1, None, 3]
    assert frame["day"].to_list() == [dt.date(2020, 1, 1), None, dt.date(2021, 2, 3)]
    pytest.importorskip("pyarrow")  # Polars writes through pandas and pyarrow
    pl.DataFrame({"a": [1, 2], "b": ["x", None]}).write_database("pt", engine)
    with engine.connect() as conn:
        assert pl.read_database("SELECT * FROM pt", conn).rows() == [(1, "x"), (2, None)]


def test_pandas_on_a_plain_dbapi_connection() -> None:
    """pandas' sqlite3 fallback (a DB-API connection) finds tables through sqlite_master."""
    import warnings

    import pyram

    con = pyram.connect()
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", None]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "only sqlite3 or SQLAlchemy" notice
        assert frame.to_sql("t2", con, index=False) == 2
        frame.to_sql("t2", con, index=False, if_exists="append")
        back = pd.read_sql("SELECT * FROM t2", con)
    assert back["a"].tolist() == [1, 2, 1, 2]
