"""The catalog's small, safe expression language — one compiler for every rule.

Used by the form checks (``rule: expr`` in an item's ``checks``, :mod:`forms.engine`) and
the proactive-service rules (:mod:`forms.proactive`). An expression is parsed once into a
checked tree of closures: every name must be known to the caller (form fields, roster data,
the named days of :mod:`forms.dates`, the catalog's parameters) and only comparisons,
``and``/``or``/``not``, ``in`` a list of constants, ``+``/``-`` on numbers and the date
functions in :data:`FUNCTIONS` are allowed; a mistake is refused with a sentence naming
what is wrong. Nothing else of Python is reachable (no attributes, no subscripts, no other
calls).

Functions (dates from :mod:`forms.dates`, one implementation)::

    age_on(d)             full years (周岁) of the person (``BORN`` in the environment) on d
    age_on(born, d)       full years of someone born on ``born`` on d
    add_days(d, n)   add_months(d, n)   add_years(d, n)
    months_between(a, b)  full months from a to b
    birthday_in(a, b)     the person's birthday falls between a and b (inclusive)
    date("2026-12-31")    a date written out
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from forms import dates

Node = Callable[[dict[str, Any]], Any]
# the environment key holding the birth date of the person a rule is about
BORN = "__born"
# function → the numbers of arguments it takes
FUNCTIONS: dict[str, tuple[int, ...]] = {
    "age_on": (1, 2), "add_days": (2,), "add_months": (2,), "add_years": (2,),
    "months_between": (2,), "birthday_in": (2,), "date": (1,)}


class RuleError(ValueError):
    """A rule that cannot be used, with the reason in words."""


_CMP: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}


# CPython 3.11 before 3.11.8 keeps the AST converter's recursion depth in one global:
# two threads parsing at once (50 catalog imports on the district's worker threads) raise
# "SystemError: AST constructor recursion depth mismatch" (python/cpython gh-106905).
_PARSING = threading.Lock()


def parse(text: str) -> ast.expr:
    """The expression's syntax tree; :class:`RuleError` when it is not one. The one place
    the project calls :func:`ast.parse` (serialised: see ``_PARSING``)."""
    try:
        with _PARSING:
            return ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise RuleError(f"规则写法有误（第{exc.offset or 0}个字附近）：{text}") from None


def names_in(tree: ast.AST) -> set[str]:
    """The plain names an expression uses (not the functions it calls)."""
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}


def uses_born(tree: ast.AST) -> bool:
    """Whether an expression needs the person's birth date (``age_on(d)``,
    ``birthday_in``)."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
               and ((n.func.id == "age_on" and len(n.args) == 1) or n.func.id == "birthday_in")
               for n in ast.walk(tree))


def compile_expr(n: ast.AST, known: set[str]) -> Node:
    """Compile a parsed expression whose names must be in ``known``."""
    if isinstance(n, ast.BoolOp):
        parts = [compile_expr(v, known) for v in n.values]
        if isinstance(n.op, ast.And):
            return lambda env: all(p(env) for p in parts)
        return lambda env: any(p(env) for p in parts)
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not):
        inner = compile_expr(n.operand, known)
        return lambda env: not inner(env)
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
        inner = compile_expr(n.operand, known)
        return lambda env: -inner(env)
    if isinstance(n, ast.Compare):
        left = compile_expr(n.left, known)
        ops = [(_CMP[type(op)], compile_expr(c, known))
               for op, c in zip(n.ops, n.comparators, strict=True) if type(op) in _CMP]
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
        a, b = compile_expr(n.left, known), compile_expr(n.right, known)
        if isinstance(n.op, ast.Add):
            return lambda env: a(env) + b(env)
        return lambda env: a(env) - b(env)
    if isinstance(n, ast.Name):
        if n.id not in known:
            raise RuleError(f"规则中的“{n.id}”不认识；可用：" + "、".join(sorted(known)))
        name = n.id
        return lambda env: env[name]
    if isinstance(n, ast.Constant) and isinstance(n.value, (int, float, str)) and \
            not isinstance(n.value, bool):
        value = n.value
        return lambda env: value
    if isinstance(n, (ast.List, ast.Tuple)):
        items = [compile_expr(e, known) for e in n.elts]
        if not all(isinstance(e, ast.Constant) for e in n.elts):
            raise RuleError("in 后面的列表只能写常量，如 [\"七里一村\", \"七里二村\"]")
        return lambda env: tuple(i(env) for i in items)
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and not n.keywords:
        return _call(n.func.id, [compile_expr(a, known) for a in n.args])
    raise RuleError(f"规则中不能这样写：{ast.unparse(n)}")


def _call(name: str, args: list[Node]) -> Node:
    if name not in FUNCTIONS:
        raise RuleError(f"规则中的函数“{name}”不认识；可用：" + "、".join(FUNCTIONS))
    if len(args) not in FUNCTIONS[name]:
        want = "或".join(str(k) for k in FUNCTIONS[name])
        raise RuleError(f"{name} 需要 {want} 个参数")
    if name == "age_on":
        if len(args) == 1:
            (d,) = args
            return lambda env: dates.age_on(_date(env[BORN]), _date(d(env)))
        b, d = args
        return lambda env: dates.age_on(_date(b(env)), _date(d(env)))
    if name == "date":
        (t,) = args
        return lambda env: _date(t(env))
    x, y = args
    if name == "add_days":
        return lambda env: dates.add_days(_date(x(env)), _int(y(env)))
    if name == "add_months":
        return lambda env: dates.add_months(_date(x(env)), _int(y(env)))
    if name == "add_years":
        return lambda env: dates.add_years(_date(x(env)), _int(y(env)))
    if name == "months_between":
        return lambda env: dates.months_between(_date(x(env)), _date(y(env)))
    return lambda env: dates.birthday_between(_date(env[BORN]), _date(x(env)), _date(y(env)))


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise TypeError(f"“{value}”不是日期")


def _int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"“{value}”不是整数")
