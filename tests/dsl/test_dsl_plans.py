"""Golden plans: the logical plan the DSL builds for each construct, pinned as text.

A change in binding shows up here as a readable diff. Plans are shown before optimization (the
optimizer has its own golden tests); ``format_plan`` prints columns by name.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_dsl_execution import Dept, Emp

import pyram
from pyram import func
from pyram.dsl.binder import bind_query, bind_statement
from pyram.optimizer.display import format_plan


def lookup() -> Any:
    db = pyram.Database()
    db.create(Dept, Emp)
    return db._schema_of


QUERIES: dict[str, Any] = {
    "where": Emp.select().where(Emp.age > 30),
    "select_columns": pyram.select(Emp.name, Emp.age + 1),
    "join_fk": pyram.select(Emp.name, Dept.budget).join(Dept),
    "left_join_on": pyram.select(Emp.name, Dept.name).left_join(Dept, on=Emp.dept == Dept.name),
    "group_having": pyram.select(Emp.dept, func.count())
    .group_by(Emp.dept)
    .having(func.count() > 2),
    "order_limit_offset": Emp.select().order_by(Emp.age.desc(), Emp.id).limit(5).offset(2),
    "distinct": pyram.select(Emp.dept).distinct(),
    "union_all": pyram.select(Emp.name).union_all(pyram.select(Dept.name)),
    "in_subquery": pyram.select(Emp.id).where(Emp.dept.in_(pyram.select(Dept.name))),
    "exists_correlated": pyram.select(Dept.name).where(
        pyram.exists(pyram.select(Emp.id).where(Emp.dept == Dept.name))
    ),
    "scalar_subquery": pyram.select(Emp.id).where(
        Emp.age > pyram.select(func.avg(Emp.age)).scalar_subquery()
    ),
    "case_func_param": pyram.select(
        pyram.case((Emp.age < 30, "y"), else_="o"), func.lower(Emp.name)
    ).where(Emp.id.eq(pyram.param("id"))),
    "self_join_alias": pyram.select(Emp.id).join(
        pyram.alias(Emp, "b"), on=Emp.age < pyram.alias(Emp, "b").age
    ),
}

STATEMENTS: dict[str, Any] = {
    "update": pyram.update(Emp).set(Emp.age, Emp.age + 1).where(Emp.dept == "eng"),
    "delete": pyram.delete(Emp).where(Emp.salary.is_null()),
    "insert": pyram.insert(Dept).from_select(pyram.select(Emp.name, Emp.salary)),
}

EXPECTED = {
    "where": """\
Project id, name, age, dept, salary
  Filter (age > 30)
    Scan emp [id, name, age, dept, salary]
""",
    "select_columns": """\
Project name, (age + 1) AS column2
  Scan emp [id, name, age, dept, salary]
""",
    "join_fk": """\
Project name, budget
  Join inner ON (dept = name)
    Scan emp [id, name, age, dept, salary]
    Scan dept [name, budget]
""",
    "left_join_on": """\
Project name, name AS name_1
  Join left ON (dept = name)
    Scan emp [id, name, age, dept, salary]
    Scan dept [name, budget]
""",
    "group_having": """\
Project dept, count_star AS count
  Filter (count_star > 2)
    Aggregate [dept] [count(*) AS count_star]
      Scan emp [id, name, age, dept, salary]
""",
    "order_limit_offset": """\
Project id, name, age, dept, salary
  Limit 5 OFFSET 2
    Sort age DESC, id
      Scan emp [id, name, age, dept, salary]
""",
    "distinct": """\
Distinct
  Project dept
    Scan emp [id, name, age, dept, salary]
""",
    "union_all": """\
SetOp union all
  Project name
    Scan emp [id, name, age, dept, salary]
  Project name
    Scan dept [name, budget]
""",
    "in_subquery": """\
Project id
  Filter (dept IN $sq1)
    $sq1:
      Project name
        Scan dept [name, budget]
    Scan emp [id, name, age, dept, salary]
""",
    "exists_correlated": """\
Project name
  Filter EXISTS $sq1
    $sq1:
      Project id
        Filter (dept = name)
          Scan emp [id, name, age, dept, salary]
    Scan dept [name, budget]
""",
    "scalar_subquery": """\
Project id
  Filter (age > $sq1)
    $sq1:
      Project avg
        Aggregate [] [avg(age) AS avg]
          Scan emp [id, name, age, dept, salary]
    Scan emp [id, name, age, dept, salary]
""",
    "case_func_param": """\
Project CASE WHEN (age < 30) THEN 'y' ELSE 'o' END AS column1, lower(name) AS lower
  Filter (id = :id)
    Scan emp [id, name, age, dept, salary]
""",
    "self_join_alias": """\
Project id
  Join inner ON (age < age)
    Scan emp [id, name, age, dept, salary]
    Scan emp AS b [id, name, age, dept, salary]
""",
    "update": """\
Update emp SET age = (age + 1)
  Filter (dept = 'eng')
    Scan emp [id, name, age, dept, salary, rid]
""",
    "delete": """\
Delete emp
  Filter (salary IS NULL)
    Scan emp [id, name, age, dept, salary, rid]
""",
    "insert": """\
Insert dept [name, budget]
  Project name, salary
    Scan emp [id, name, age, dept, salary]
""",
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_plan(name: str) -> None:
    plan = bind_query(QUERIES[name], lookup()).plan
    assert format_plan(plan) + "\n" == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_statement_plan(name: str) -> None:
    plan = bind_statement(STATEMENTS[name], lookup())
    assert format_plan(plan) + "\n" == EXPECTED[name]


def test_same_query_twice_gives_identical_plans() -> None:
    for query in QUERIES.values():
        assert bind_query(query, lookup()).plan == bind_query(query, lookup()).plan
