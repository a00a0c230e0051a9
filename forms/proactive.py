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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

# the date functions and the expression compiler are shared with the form checks (issue 16)
from forms.dates import DATE_NAMES, age_on
from forms.dates import add_months as add_months
from forms.dates import date_env as _dates
from forms.expr import FUNCTIONS, Node
from forms.expr import RuleError as RuleError
from forms.expr import compile_expr as _compile
from forms.expr import parse as _parse

FLAGS = ("低保", "特困", "残疾", "独居", "已领高龄津贴")
PERSON_NAMES = ("age", "sex", "compound", "grid", "birth_date", *FLAGS)


@dataclass(frozen=True)
class Person:
    """What a rule may know of a resident (from the roster)."""

    birth_date: date
    sex: str
    compound: str = ""
    grid: str = ""
    flags: frozenset[str] = frozenset()


def day_env(today: date, params: Mapping[str, Any]) -> dict[str, Any]:
    """What every rule knows on ``today``: the parameters and the dates (built once for a
    whole run over a roster, then :func:`person_env` for each resident)."""
    env: dict[str, Any] = dict(params)
    env.update(_dates(today))
    env["__today"] = today
    return env


def person_env(day: dict[str, Any], person: Person) -> dict[str, Any]:
    """``day``'s names and ``person``'s: evaluate any number of rules on it (``rule.node``)."""
    env = dict(day)
    born = person.birth_date
    env.update(age=age_on(born, day["__today"]), sex=person.sex, compound=person.compound,
               grid=person.grid, birth_date=born, __born=born)
    for f in FLAGS:
        env[f] = f in person.flags
    return env


@dataclass(frozen=True)
class Rule:
    """A parsed rule: :meth:`holds` for one person on one day."""

    text: str
    node: Node
    params: Mapping[str, Any]

    def holds(self, person: Person, today: date) -> bool:
        """Does the rule select ``person`` on ``today``?"""
        return bool(self.value(person, today))

    def value(self, person: Person, today: date) -> Any:
        """The expression's value for ``person`` on ``today`` (a due date, a number…)."""
        return self.node(person_env(day_env(today, self.params), person))

    def due(self, person: Person, today: date) -> date:
        """A due-by expression's date; :class:`RuleError` when it is not a date."""
        out = self.value(person, today)
        if not isinstance(out, date):
            raise RuleError(f"办理期限“{self.text}”算出的不是日期")
        return out


def parse_rule(text: str, params: Mapping[str, Any] | None = None, *,
               lenient: bool = False) -> Rule:
    """Parse and check ``text`` against the names it may use; :class:`RuleError` if not.

    ``lenient``: any other plain name is taken for a catalog parameter (an item checked on
    its own, before the catalog's parameters are known — :func:`check_catalog_rules` then
    checks the names)."""
    params = dict(params or {})
    body = _parse(text)
    known = set(PERSON_NAMES) | set(DATE_NAMES) | set(params)
    if lenient:
        known |= {n.id for n in ast.walk(body) if isinstance(n, ast.Name)} - set(FUNCTIONS)
    return Rule(text, _compile(body, known), params)


SAMPLE = Person(birth_date=date(1945, 3, 1), sex="女", compound="七里一村", grid="一网格")


def rule_problems(rule: str, due: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with one item's rule and due-by against the catalog's parameters, as
    (``rule``/``due``, words). Each is tried on a sample resident so that a wrong type (a
    text compared with a number, a due-by that is not a date) shows here and not in the
    middle of a district's run."""
    out = []
    for what, text in (("rule", rule), ("due", due)):
        try:
            parsed = parse_rule(text, params)
            if what == "due":
                parsed.due(SAMPLE, date(2024, 2, 29))
            else:
                parsed.holds(SAMPLE, date(2024, 2, 29))
        except RuleError as exc:
            out.append((what, str(exc)))
        except (TypeError, ValueError, OverflowError) as exc:
            out.append((what, f"规则里的数据类型不对（{exc}）：{text}"))
    return out


def check_catalog_rules(rules: Mapping[str, tuple[str, str]],
                        params: Mapping[str, Any]) -> list[str]:
    """:func:`rule_problems` of every item: ``rules`` maps an item code to its (rule,
    due-by) texts; each problem as ``CODE proactive.rule: words``."""
    return [f"{code} proactive.{what}: {words}" for code, (rule, due) in rules.items()
            for what, words in rule_problems(rule, due, params)]
