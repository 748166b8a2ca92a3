"""SQLAlchemy 2 (``postgresql+psycopg``) against the server: Core DDL and DML, text SQL with
parameters, transactions and inspection of the catalogue."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from server.server_helpers import Served


def test_sqlalchemy_core_and_inspection(served: Served) -> None:
    engine = sa.create_engine(f"postgresql+psycopg://tester@127.0.0.1:{served.port}/app")
    meta = sa.MetaData()
    orders = sa.Table(
        "orders",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer", sa.String(40), nullable=False),
        sa.Column("total", sa.Numeric(10, 2)),
        sa.Column("paid", sa.Boolean, nullable=False),
    )
    try:
        meta.create_all(engine)
        with engine.begin() as con:
            con.execute(
                orders.insert(),
                [
                    {"customer": "ann", "total": Decimal("12.50"), "paid": True},
                    {"customer": "bob", "total": None, "paid": False},
                ],
            )
        with engine.connect() as con:
            rows = con.execute(sa.select(orders).order_by(orders.c.id)).all()
            assert [tuple(r) for r in rows] == [
                (1, "ann", Decimal("12.50"), True),
                (2, "bob", None, False),
            ]
            paid = con.execute(
                sa.text("SELECT customer FROM orders WHERE paid = :p"), {"p": True}
            ).scalars()
            assert list(paid) == ["ann"]
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as con:
            con.execute(orders.insert(), {"id": 1, "customer": "dup", "paid": True})
        with engine.connect() as con:
            assert con.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 2
        inspector = sa.inspect(engine)
        assert inspector.get_table_names() == ["orders"]
        columns = {c["name"]: c for c in inspector.get_columns("orders")}
        assert list(columns) == ["id", "customer", "total", "paid"]
        assert columns["customer"]["nullable"] is False
        assert columns["total"]["nullable"] is True
    finally:
        engine.dispose()


def test_sqlalchemy_typed_columns_round_trip(served: Served) -> None:
    """DateTime, Date, Numeric, Uuid and JSON columns written and read through
    ``postgresql+psycopg`` (its inserts cast parameters: ``$1::TIMESTAMP WITHOUT TIME ZONE``)."""
    engine = sa.create_engine(f"postgresql+psycopg://tester@127.0.0.1:{served.port}/app")
    meta = sa.MetaData()
    events = sa.Table(
        "events",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime),
        sa.Column("day", sa.Date),
        sa.Column("amount", sa.Numeric(10, 2)),
        sa.Column("ref", sa.Uuid),
        sa.Column("doc", sa.JSON),
    )
    at = dt.datetime(2024, 3, 4, 5, 6, 7, 890000)
    ref = uuid.UUID("12345678-1234-5678-1234-567812345678")
    try:
        meta.create_all(engine)
        with engine.begin() as con:
            con.execute(
                events.insert(),
                [
                    {
                        "at": at,
                        "day": at.date(),
                        "amount": Decimal("9.99"),
                        "ref": ref,
                        "doc": {"k": [1, 2]},
                    },
                    {"at": None, "day": None, "amount": None, "ref": None, "doc": None},
                ],
            )
        with engine.connect() as con:
            rows = con.execute(sa.select(events).order_by(events.c.id)).all()
            assert [tuple(r) for r in rows] == [
                (1, at, at.date(), Decimal("9.99"), ref, {"k": [1, 2]}),
                (2, None, None, None, None, None),
            ]
            later = con.execute(
                sa.select(events.c.id).where(events.c.at >= at - dt.timedelta(seconds=1))
            ).scalars()
            assert list(later) == [1]
    finally:
        engine.dispose()
