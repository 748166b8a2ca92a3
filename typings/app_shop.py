"""A realistic typed shop (users, products, orders, order items), probed the way an IDE user
sees it: every ``assert_type`` states the type a user would expect at that point.

``tests/test_typings_app.py`` counts the probes both mypy --strict and pyright strict find exact
(the issue-17 measure: >= 95%), and runs the app. A probe a checker gets wrong carries a
``# type: ignore[assert-type]`` here (mypy proves it still needed) and is counted as inexact.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any, NamedTuple

from typing_extensions import assert_type

import pyram
from pyram import Col, Column, Expr, Select, column, func
from pyram.dsl import Insert, Predicate, Update
from pyram.dsl.expr import Ordering


class Tier(enum.Enum):
    FREE = "free"
    GOLD = "gold"


@pyram.table
class User(pyram.Table):
    id: Col[int] = column(primary_key=True)
    email: Col[str] = column(unique=True)
    name: Col[str]
    tier: Col[Tier] = column(default=Tier.FREE)
    city: Col[str | None] = column(default=None)
    joined: Col[dt.date] = column(default_factory=dt.date.today)


@pyram.table
class Product(pyram.Table):
    sku: Col[str] = column(primary_key=True)
    title: Col[str]
    price: Col[Decimal]
    stock: Col[int] = column(default=0, check=lambda n: n >= 0)
    weight_kg: Col[float | None] = column(default=None)


@pyram.table
class Order(pyram.Table):
    id: Col[int] = column(primary_key=True)
    user_id: Col[int] = column(references=lambda: User.id, index=True)
    placed: Col[dt.datetime]
    note: Col[str | None] = column(default=None)
    paid: Col[bool] = column(default=False)


@pyram.table
class OrderItem(pyram.Table):
    id: Col[int] = column(primary_key=True)
    order_id: Col[int] = column(references=lambda: Order.id, on_delete="cascade")
    sku: Col[str] = column(references=lambda: Product.sku)
    qty: Col[int]
    unit_price: Col[Decimal]


class Spender(NamedTuple):
    name: str
    total: Decimal | None


db = pyram.Database()
db.create(User, Product, Order, OrderItem)

# --- models and columns --------------------------------------------------------------------
ada = User(id=1, email="ada@example.com", name="Ada", tier=Tier.GOLD, city="London")
assert_type(ada, User)
assert_type(ada.id, int)
assert_type(ada.city, str | None)
assert_type(ada.tier, Tier)
assert_type(ada.joined, dt.date)
assert_type(User.email, Column[str, User])
assert_type(User.city, Column[str | None, User])
assert_type(Product.price, Column[Decimal, Product])
assert_type(OrderItem.qty, Column[int, OrderItem])
assert_type(pyram.replace(ada, city="Paris"), User)
assert_type(pyram.asdict(ada), dict[str, Any])

# --- writing -------------------------------------------------------------------------------
db.insert(ada)
db.insert(User(id=2, email="bob@example.com", name="Bob"))
db.insert_many(
    [
        Product(sku="pen", title="Pen", price=Decimal("1.50"), stock=100),
        Product(sku="ink", title="Ink", price=Decimal("7.25"), stock=20, weight_kg=0.1),
    ]
)
now = dt.datetime(2026, 12, 1, 10, 30)
db.insert(Order(id=10, user_id=1, placed=now, paid=True))
db.insert_many(
    [
        OrderItem(id=100, order_id=10, sku="pen", qty=4, unit_price=Decimal("1.50")),
        OrderItem(id=101, order_id=10, sku="ink", qty=1, unit_price=Decimal("7.25")),
    ]
)
assert_type(db.count(Order), int)
assert_type(db.get(User.id, 1), User | None)
assert_type(db.get(Product.sku, "pen"), Product | None)
assert_type(db.get(User, 2), User | None)

# --- expressions ---------------------------------------------------------------------------
line_total = OrderItem.qty * OrderItem.unit_price
assert_type(line_total, Expr[Decimal])
assert_type(OrderItem.unit_price * OrderItem.qty, Expr[Decimal])
assert_type(Product.price * 2, Expr[Decimal])
assert_type(Product.stock + 1, Expr[int])
assert_type(Product.stock * 1.1, Expr[float])
assert_type(Product.weight_kg * 2, Expr[float | None])
assert_type(Product.stock / 2, Expr[int | None])
assert_type(Product.stock > 0, Predicate)
assert_type(Product.weight_kg > 1.0, Expr[bool | None])
assert_type(db.all(pyram.select(Product.weight_kg > 1.0)), list[tuple[bool | None]])
assert_type(User.name.concat(" <").concat(User.email), Expr[str])
assert_type(User.city.is_null(), Predicate)
assert_type(func.lower(User.email), Expr[str])
assert_type(func.length(User.name), Expr[int])
assert_type(func.coalesce(User.city, "nowhere"), Expr[str])
assert_type(func.coalesce(Product.weight_kg, 0.0), Expr[float])
assert_type(pyram.case((Product.stock > 10, "plenty"), else_="few"), Expr[str])
assert_type(pyram.case((Product.stock > 10, "plenty")), Expr[str | None])
assert_type(pyram.select(func.count()), Select[tuple[int]])
assert_type(pyram.select(func.sum(OrderItem.qty)), Select[tuple[int | None]])
assert_type(pyram.select(func.sum(line_total)), Select[tuple[Decimal | None]])
assert_type(pyram.select(func.avg(Product.stock)), Select[tuple[float | None]])
assert_type(pyram.select(func.max(Order.placed)), Select[tuple[dt.datetime | None]])
assert_type(pyram.select(func.min(Product.price)), Select[tuple[Decimal | None]])
assert_type(func.count() * 1.0, Expr[float])

# --- catalog queries -----------------------------------------------------------------------
in_stock = Product.select().where(Product.stock > 0).order_by(Product.price.desc())
assert_type(in_stock, Select[Product])
assert_type(db.all(in_stock), list[Product])
assert_type(db.first(in_stock), Product | None)
assert_type(db.one(Product.select().where(Product.sku.eq("pen"))), Product)
cheapest = pyram.select(Product.title, Product.price).order_by(Product.price).limit(3)
assert_type(cheapest, Select[tuple[str, Decimal]])
assert_type(db.all(cheapest), list[tuple[str, Decimal]])
assert_type(db.scalars(pyram.select(Product.sku)), list[str])
assert_type(db.scalar(pyram.select(func.count()).select_from(Product)), int | None)
assert_type(db.scalar(pyram.select(func.sum(Product.stock))), int | None)
for title, price in db.all(cheapest):
    assert_type(title, str)
    assert_type(price, Decimal)
for product in db.all(in_stock):
    assert_type(product.sku, str)
    assert_type(product.weight_kg, float | None)

# --- orders and their lines ----------------------------------------------------------------
lines = (
    pyram.select(Order.id, Product.title, OrderItem.qty, line_total)
    .join(OrderItem)
    .join(Product)
    .order_by(OrderItem.id)
)
assert_type(lines, Select[tuple[int, str, int, Decimal]])
assert_type(db.all(lines), list[tuple[int, str, int, Decimal]])
order_totals = (
    pyram.select(Order.id, func.sum(line_total), func.count())
    .join(OrderItem)
    .group_by(Order.id)
)
assert_type(db.all(order_totals), list[tuple[int, Decimal | None, int]])
with_buyer = pyram.select(Order, User).join(User)
assert_type(with_buyer, Select[tuple[Order, User]])
for order, buyer in db.all(with_buyer):
    assert_type(order.placed, dt.datetime)
    assert_type(buyer.email, str)
assert_type(db.first(pyram.select(Order, User.name).join(User)), tuple[Order, str] | None)
assert_type(db.all(pyram.select(OrderItem, Product).join(Product)), list[tuple[OrderItem, Product]])

# --- customers -----------------------------------------------------------------------------
spend = (
    pyram.select(User.name, func.sum(line_total))
    .join(Order)
    .join(OrderItem)
    .group_by(User.name)
    .order_by(func.sum(line_total).desc())
)
assert_type(spend, Select[tuple[str, Decimal | None]])
assert_type(db.all(spend, into=Spender), list[Spender])
top = db.first(spend)
assert_type(top, tuple[str, Decimal | None] | None)
if top is not None:
    assert_type(top[0], str)
    assert_type(top[1], Decimal | None)
by_city = pyram.select(User.city, func.count()).group_by(User.city)
assert_type(db.all(by_city), list[tuple[str | None, int]])
gold = User.select().where(User.tier.eq(Tier.GOLD), User.city.is_not_null())
assert_type(db.all(gold), list[User])
paid_ids = pyram.select(Order.user_id).where(Order.paid)
assert_type(User.id.in_(paid_ids), Predicate)
assert_type(db.all(User.select().where(User.id.in_(paid_ids))), list[User])
orders_per_user = (
    pyram.select(User.name, pyram.nullable(Order.id)).left_join(Order).order_by(User.id)
)
assert_type(db.all(orders_per_user), list[tuple[str, int | None]])
last_order = pyram.select(func.max(Order.placed)).where(Order.user_id.eq(User.id))
assert_type(last_order.scalar_subquery(), Expr[dt.datetime | None])
recent = pyram.select(User.name, last_order.scalar_subquery())
assert_type(db.all(recent), list[tuple[str, dt.datetime | None]])

# --- typed parameters ----------------------------------------------------------------------


def orders_of(user: int) -> None: ...


by_user = db.typed(Order.select().where(Order.user_id == pyram.param("user", int)), orders_of)
assert_type(by_user(user=1), list[Order])
assert_type(by_user.first(user=1), Order | None)
prices = pyram.select(Product.price).where(Product.sku == pyram.param("sku", str))
assert_type(db.scalar(prices, sku="pen"), Decimal | None)

# --- changes -------------------------------------------------------------------------------
restock = pyram.update(Product).set(Product.stock, Product.stock + 10).where(Product.stock < 50)
assert_type(restock, Update[Product])
assert_type(db.execute(restock), int)
assert_type(db.execute(pyram.delete(OrderItem).where(OrderItem.qty.eq(0))), int)
archive = pyram.insert(Order).from_select(
    pyram.select(Order.id + 1000, Order.user_id, Order.placed), Order.id, Order.user_id, Order.placed
)
assert_type(archive, Insert[Order])
with db.transaction():
    pen = db.get(Product.sku, "pen")
    assert_type(pen, Product | None)
    if pen is not None:
        assert_type(pen.price, Decimal)
        db.update(pyram.replace(pen, stock=pen.stock - 1))
assert_type(db.scalar(pyram.select(Product.stock).where(Product.sku.eq("pen"))), int | None)
assert_type(db.all(Order.select().where(Order.placed > now - dt.timedelta(days=7))), list[Order])
assert_type(db.all(User.select().where(User.joined <= dt.date.today())), list[User])
assert_type(Order.placed.desc(), Ordering)
assert_type(User.name.like("A%"), Predicate)
assert_type(Product.sku.in_(["pen", "ink"]), Predicate)
assert_type(Product.price.between(Decimal(1), Decimal(5)), Predicate)
assert_type(~(Product.stock > 0), Predicate)
assert_type((Product.stock > 0) & Order.paid, Predicate)
assert_type(Order.paid | (Order.id > 10), Predicate)
assert_type(~Order.paid, Predicate)

# --- reports -------------------------------------------------------------------------------
label = User.city.concat(": ").concat(User.name)
assert_type(label, Expr[str | None])
assert_type(func.coalesce(User.city, User.name), Expr[str])
assert_type(func.upper(Product.title), Expr[str])
assert_type(func.round(Product.weight_kg), Expr[float | None])
assert_type(func.abs(Product.stock - 100), Expr[int])
stock_value = pyram.select(Product.sku, Product.price * Product.stock).order_by(Product.sku)
assert_type(db.all(stock_value), list[tuple[str, Decimal]])
assert_type(db.scalar(pyram.select(func.sum(Product.price * Product.stock))), Decimal | None)
heavy = pyram.select(Product.title).where(func.coalesce(Product.weight_kg, 0.0) > 0.05)
assert_type(db.scalars(heavy), list[str])
monthly = pyram.select(Order.user_id, func.count(), func.max(Order.placed)).group_by(Order.user_id)
assert_type(db.all(monthly), list[tuple[int, int, dt.datetime | None]])
assert_type(db.one_or_none(Order.select().where(Order.id.eq(10))), Order | None)
unpaid = pyram.exists(pyram.select(Order.id).where(Order.user_id.eq(User.id), ~Order.paid))
assert_type(db.all(User.select().where(unpaid)), list[User])
buyers = pyram.select(User.name).union(pyram.select(Product.title))
assert_type(buyers, Select[tuple[str]])
assert_type(db.all(pyram.select(User.tier, func.count()).group_by(User.tier)), list[tuple[Tier, int]])
assert_type(db.all(pyram.select(Order.paid).distinct()), list[tuple[bool]])
assert_type(db.first(pyram.select(User.joined).order_by(User.joined)), tuple[dt.date] | None)
