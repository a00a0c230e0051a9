"""Proactive-service rules (免申即享, issue 18): a small, safe expression language over a
roster person and dates, written by district staff in the catalog.

Example — 高龄津贴 from the month a resident turns 80, unless already paid::

    age_on(first_of_next_month) >= gljt_min_age and not 已领高龄津贴

A rule is parsed once (:func:`parse_rule`) into a checked tree: every name must be known
— a roster datum (:data:`PERSON_NAMES`, the flags), a date (:data:`DATE_NAMES`) or a named
parameter of the catalog — and only comparisons, ``and``/``or``/``not``, ``in`` a list of
constants, ``+``/``-`` on numbers and the functions in :data:`FUNCTIONS` are allowed; a
mistake is refused with a sentence naming what is wrong. Nothing else of Python is
reachable (no attributes, no subscripts, no other calls).

Age counts full years as Chinese law does (周岁): someone born on 29 February reaches an
age on 1 March in a year without that day.
"""

from __future__ import annotations

import ast
import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

FLAGS = ("低保", "特困", "残疾", "独居", "已领高龄津贴")
PERSON_NAMES = ("age", "sex", "compound", "grid", "birth_date", *FLAGS)
DATE_NAMES = ("today", "first_of_month", "end_of_month", "first_of_next_month",
              "end_of_next_month", "first_of_year", "end_of_year")
FUNCTIONS = ("age_on", "add_days", "add_months", "birthday_in")


class RuleError(ValueError):
    """A rule that cannot be used, with the reason in words."""


@dataclass(frozen=True)
class Person:
    """What a rule may know of a resident (from the roster)."""

    birth_date: date
    sex: str
    compound: str = ""
    grid: str = ""
    flags: frozenset[str] = frozenset()


def age_on(born: date, day: date) -> int:
    """Full years (周岁) on ``day``."""
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def add_months(day: date, n: int) -> date:
    """``day`` moved by ``n`` months, kept within the month (31 Jan + 1 → 28/29 Feb)."""
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _dates(today: date) -> dict[str, date]:
    first = today.replace(day=1)
    nxt = add_months(first, 1)
    return {"today": today, "first_of_month": first,
            "end_of_month": nxt - timedelta(days=1), "first_of_next_month": nxt,
            "end_of_next_month": add_months(nxt, 1) - timedelta(days=1),
            "first_of_year": date(today.year, 1, 1), "end_of_year": date(today.year, 12, 31)}


Node = Callable[[dict[str, Any]], Any]
_CMP: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}


@dataclass(frozen=True)
class Rule:
    """A parsed rule: :meth:`holds` for one person on one day."""

    text: str
    node: Node
    params: Mapping[str, Any]

    def holds(self, person: Person, today: date) -> bool:
        """Does the rule select ``person`` on ``today``?"""
        env: dict[str, Any] = dict(self.params)
        env.update(_dates(today))
        env.update(age=age_on(person.birth_date, today), sex=person.sex,
                   compound=person.compound, grid=person.grid, birth_date=person.birth_date)
        env.update({f: f in person.flags for f in FLAGS})
        env["__born"] = person.birth_date
        return bool(self.node(env))


def parse_rule(text: str, params: Mapping[str, Any] | None = None) -> Rule:
    """Parse and check ``text`` against the names it may use; :class:`RuleError` if not."""
    params = dict(params or {})
    known = set(PERSON_NAMES) | set(DATE_NAMES) | set(params)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise RuleError(f"规则写法有误（第{exc.offset or 0}个字附近）：{text}") from None
    return Rule(text, _compile(tree.body, known), params)


def _compile(n: ast.AST, known: set[str]) -> Node:
    if isinstance(n, ast.BoolOp):
        parts = [_compile(v, known) for v in n.values]
        if isinstance(n.op, ast.And):
            return lambda env: all(p(env) for p in parts)
        return lambda env: any(p(env) for p in parts)
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not):
        inner = _compile(n.operand, known)
        return lambda env: not inner(env)
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
        inner = _compile(n.operand, known)
        return lambda env: -inner(env)
    if isinstance(n, ast.Compare):
        left = _compile(n.left, known)
        ops = [(_CMP[type(op)], _compile(c, known)) for op, c in zip(n.ops, n.comparators,
                                                                      strict=True)
               if type(op) in _CMP]
        if len(ops) != len(n.ops):
            raise RuleError("规则只能用 < <= > >= == != in not in 比较")

        def compare(env: dict[str, Any]) -> bool:
            a = left(env)
            for fn, right in ops:
                b = right(env)
                if not fn(a, b):
                    return False
                a = b
            return True
        return compare
    if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub)):
        a, b = _compile(n.left, known), _compile(n.right, known)
        if isinstance(n.op, ast.Add):
            return lambda env: a(env) + b(env)
        return lambda env: a(env) - b(env)
    if isinstance(n, ast.Name):
        if n.id not in known:
            raise RuleError(f"规则中的“{n.id}”不认识；可用：" + "、".join(sorted(known)))
        name = n.id
        return lambda env: env[name]
    if isinstance(n, ast.Constant) and isinstance(n.value, (int, str)) and \
            not isinstance(n.value, bool):
        value = n.value
        return lambda env: value
    if isinstance(n, (ast.List, ast.Tuple)):
        items = [_compile(e, known) for e in n.elts]
        if not all(isinstance(e, ast.Constant) for e in n.elts):
            raise RuleError("in 后面的列表只能写常量，如 [\"七里一村\", \"七里二村\"]")
        return lambda env: tuple(i(env) for i in items)
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and not n.keywords:
        return _call(n.func.id, [_compile(a, known) for a in n.args])
    raise RuleError(f"规则中不能这样写：{ast.unparse(n)}")


def _call(name: str, args: list[Node]) -> Node:
    want = {"age_on": 1, "add_days": 2, "add_months": 2, "birthday_in": 2}
    if name not in want:
        raise RuleError(f"规则中的函数“{name}”不认识；可用：" + "、".join(FUNCTIONS))
    if len(args) != want[name]:
        raise RuleError(f"{name} 需要 {want[name]} 个参数")
    if name == "age_on":
        (d,) = args
        return lambda env: age_on(env["__born"], d(env))
    if name == "add_days":
        d, k = args
        return lambda env: d(env) + timedelta(days=k(env))
    if name == "add_months":
        d, k = args
        return lambda env: add_months(d(env), k(env))
    start, end = args  # the birthday falls between two dates (inclusive)

    def birthday_in(env: dict[str, Any]) -> bool:
        a, b, born = start(env), end(env), env["__born"]
        return any(a <= _birthday(born, y) <= b for y in range(a.year, b.year + 1))
    return birthday_in


def _birthday(born: date, year: int) -> date:
    """The day ``born`` has its birthday in ``year`` (29 Feb → 1 Mar in other years)."""
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return born.replace(year=year)
