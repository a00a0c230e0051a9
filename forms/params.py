"""Local parameters of a catalog (issue 16): the numbers, texts, lists and dates that
differ by place (高龄津贴's starting age, 低保 lines, deadlines…), named once and referred
to everywhere, so a district changes one cell, not ten texts.

In ``forms/catalog.yaml`` (and the workbook's ``params`` sheet)::

    params:
      gljt_min_age: {value: 80, unit: 周岁, description: 高龄津贴起始年龄,
                     translations: {en: {unit: years, description: Starting age}}}
      db_line: 1050                     # shorthand for {value: 1050}
      fa_deadline: {value: 2026-12-31, type: date}

An item refers to a parameter as ``{gljt_min_age}`` inside any text (notice, eligibility,
help, check messages, material notes, translations) and by its bare name in a check's
``min``/``max``/``value`` and in rule expressions (``age_on(today) >= gljt_min_age``).
:func:`resolve_item` gives the item with every reference replaced by the value — what the
desk shows and validates with; the catalog keeps the authored item (with its references)
for export.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from forms.dates import DATE_NAMES
from forms.expr import FUNCTIONS

ParamType = Literal["number", "text", "list", "date"]
PARAM_TYPES: tuple[str, ...] = ("number", "text", "list", "date")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# a reference inside a text
REF = re.compile(r"\{([a-z][a-z0-9_]*)\}")
# names a parameter may not take: they mean something else in rules
RESERVED = frozenset(DATE_NAMES) | frozenset(FUNCTIONS) | {"true", "false", "and", "or",
                                                          "not", "in"}
# the attributes of a check that may name a parameter instead of a value, and the type the
# parameter must have there
CHECK_REFS: dict[str, tuple[str, ...]] = {"min": ("number",), "max": ("number",),
                                          "value": PARAM_TYPES}
# texts never substituted: regular expressions and worked examples
_NOT_TEXT = ("pattern", "example")
# parameters the desk reads itself, not through an item's text or rule — never "unused" —
# and the rule each value keeps (issue 23: the longest reuse of a material on file that has
# no validity of its own, in months)
DESK_PARAMS: dict[str, str] = {"reuse_max_months": "1 到 120 之间的整数（月）"}


def desk_param_problem(name: str, param: Param) -> str | None:
    """Why a desk parameter's value cannot be used (None: fine, or not a desk parameter)."""
    rule = DESK_PARAMS.get(name)
    if rule is None:
        return None
    v = param.value
    if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 120:
        return None
    return f"参数 {name} 的值 '{format_value(v)}' 不能用：应为{rule}"


class ParamError(ValueError):
    """A parameter or a reference that cannot be used; the message says which."""


class ParamTranslation(BaseModel):
    """A parameter's words in another language; a text or list value may be translated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str | list[str] | None = None
    unit: str | None = None
    description: str | None = None


class Param(BaseModel):
    """One local parameter: its value (number, text, list or date) and what it means."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int | float | date | str | list[str | int | float]
    type: ParamType | None = None
    unit: str = ""
    description: str = ""
    translations: dict[str, ParamTranslation] = {}

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, raw: Any) -> Any:
        raw = raw if isinstance(raw, dict) else {"value": raw}
        if isinstance(raw.get("value"), bool):
            raise ValueError("a parameter's value is a number, a text, a list or a date, "
                             "not yes/no")
        return raw

    @model_validator(mode="after")
    def _typed(self) -> Param:
        v = self.value
        found = ("date" if isinstance(v, date) else "list" if isinstance(v, list)
                 else "number" if isinstance(v, int | float) else "text")
        if self.type == "date" and found == "text":
            try:
                object.__setattr__(self, "value", date.fromisoformat(str(v).strip()))
            except ValueError:
                raise ValueError(f"type date needs a date like 2026-12-31, not {v!r}") from None
            found = "date"
        if self.type == "number" and found == "text":
            try:
                n = float(str(v).strip())
            except ValueError:
                raise ValueError(f"type number needs a number, not {v!r}") from None
            object.__setattr__(self, "value", int(n) if n.is_integer() else n)
            found = "number"
        if self.type == "list" and found == "text":
            object.__setattr__(self, "value", [p.strip() for p in re.split(r"[、,，\n]", str(v))
                                               if p.strip()])
            found = "list"
        if self.type is not None and self.type != found:
            raise ValueError(f"type {self.type} does not match the value {v!r} ({found})")
        object.__setattr__(self, "type", found)
        return self

    def text(self, language: str = "") -> str:
        """The value as it is printed in a text (lists joined by 、, dates in Chinese)."""
        if language:
            words = self.translations.get(language.split("_")[0])
            if words is not None and words.value is not None:
                tv = words.value
                return ", ".join(tv) if isinstance(tv, list) else tv
        return format_value(self.value)


def format_value(v: Any) -> str:
    """A parameter value in words."""
    if isinstance(v, date):
        return f"{v.year}年{v.month}月{v.day}日"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:g}"
    if isinstance(v, list):
        return "、".join(format_value(x) for x in v)
    return str(v)


def parse_params(raw: Any) -> dict[str, Param]:
    """The ``params:`` mapping of a catalog; :class:`ParamError` naming the parameter."""
    from pydantic import ValidationError

    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ParamError("params: should be a mapping of name: value")
    out: dict[str, Param] = {}
    for name, body in raw.items():
        if not isinstance(name, str) or not NAME.match(name):
            raise ParamError(f"params.{name}: a name uses lower-case letters, digits and _")
        if name in RESERVED:
            raise ParamError(f"params.{name}: the name is reserved in rules")
        try:
            out[name] = Param.model_validate(body)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ParamError(f"params.{name}{'.' + where if where else ''}: "
                             f"{err['msg'].removeprefix('Value error, ')}") from None
        problem = desk_param_problem(name, out[name])
        if problem is not None:
            raise ParamError(f"params.{name}: {problem}")
    return out


def dump_params(params: Mapping[str, Param]) -> dict[str, Any]:
    """JSON-ready ``params`` (what a district publishes)."""
    return {n: p.model_dump(mode="json", exclude_defaults=True) | {"type": p.type}
            for n, p in params.items()}


def values(params: Mapping[str, Param]) -> dict[str, Any]:
    """name → value, for rule expressions."""
    return {n: p.value for n, p in params.items()}


# -- references in an item ----------------------------------------------------------------

Loc = tuple[str | int, ...]


def _walk(node: Any, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    yield loc, node
    if isinstance(node, dict):
        for k, v in node.items():
            if (loc == () and k in _NOT_TEXT) or k == "pattern":
                continue
            yield from _walk(v, (*loc, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, (*loc, i))


def references(raw: dict[str, Any]) -> list[tuple[Loc, str, str]]:
    """Every reference in an item's data: (location, parameter name, how: ``text`` for
    ``{name}`` in a text, else the check attribute ``min``/``max``/``value``, or ``expr``
    for a name in a rule expression — names there that are not fields are parameters)."""
    from forms import expr

    out: list[tuple[Loc, str, str]] = []
    field_keys = _field_keys(raw)
    for loc, node in _walk(raw, ()):
        if isinstance(node, str):
            for m in REF.finditer(node):
                out.append((loc, m.group(1), "text"))
    pro = raw.get("proactive")  # issue 18's rules name parameters too
    for attr in ("rule", "due"):
        text = pro.get(attr) if isinstance(pro, dict) else None
        if isinstance(text, str):
            try:
                names = expr.names_in(expr.parse(text))
            except expr.RuleError:
                continue
            for n in sorted(names - field_keys - set(DATE_NAMES)):
                out.append((("proactive", attr), n, "expr"))
    checks = raw.get("checks")
    for i, c in enumerate(checks if isinstance(checks, list) else []):
        if not isinstance(c, dict):
            continue
        for attr in CHECK_REFS:
            v = c.get(attr)
            if isinstance(v, str) and NAME.match(v) and not (attr == "value" and v == "today"):
                out.append((("checks", i, attr), v, attr))
        text = c.get("expr")
        if isinstance(text, str):
            try:
                names = expr.names_in(expr.parse(text))
            except expr.RuleError:
                continue
            for n in sorted(names - field_keys - set(DATE_NAMES)):
                out.append((("checks", i, "expr"), n, "expr"))
    return out


def _field_keys(raw: dict[str, Any]) -> set[str]:
    keys: set[str] = set()
    fields = raw.get("fields")
    for f in fields if isinstance(fields, list) else []:
        if isinstance(f, dict) and isinstance(f.get("key"), str):
            keys.add(f["key"])
    return keys


def reference_problems(raw: dict[str, Any], params: Mapping[str, Param]
                       ) -> list[tuple[Loc, str]]:
    """References to a missing parameter, or to one of the wrong type, in words."""
    out: list[tuple[Loc, str]] = []
    for loc, name, how in references(raw):
        p = params.get(name)
        if p is None:
            if how == "expr":
                continue  # the expression's own check names an unknown name
            out.append((loc, f"引用了不存在的本地参数 {{{name}}}（params 表中没有 {name}）"))
        elif how in CHECK_REFS and p.type not in CHECK_REFS[how]:
            out.append((loc, f"本地参数 {name} 是{_TYPE_WORDS[p.type or 'text']}，"
                             f"这里需要{'、'.join(_TYPE_WORDS[t] for t in CHECK_REFS[how])}"))
    return out


_TYPE_WORDS = {"number": "数字", "text": "文字", "list": "列表", "date": "日期"}


def resolve_raw(raw: dict[str, Any], params: Mapping[str, Param]) -> dict[str, Any]:
    """``raw`` (an item's data) with every reference replaced by its parameter's value;
    :class:`ParamError` for a reference to a missing parameter."""
    def text(s: str, lang: str) -> str:
        def one(m: re.Match[str]) -> str:
            p = params.get(m.group(1))
            if p is None:
                raise ParamError(f"no parameter {m.group(1)}")
            return p.text(lang)
        return REF.sub(one, s)

    def walk(node: Any, loc: Loc) -> Any:
        if isinstance(node, str):
            lang = str(loc[1]) if len(loc) > 1 and loc[0] == "translations" else ""
            return text(node, lang) if "{" in node else node
        if isinstance(node, dict):
            return {k: (v if (loc == () and k in _NOT_TEXT) or k == "pattern"
                        else walk(v, (*loc, k))) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*loc, i)) for i, v in enumerate(node)]
        return node

    out: dict[str, Any] = walk(raw, ())
    keys = _field_keys(raw)
    for c in out.get("checks") or []:
        if isinstance(c.get("expr"), str):
            c["expr"] = inline(c["expr"], params, keys)
        for attr in CHECK_REFS:
            v = c.get(attr)
            if isinstance(v, str) and NAME.match(v) and v != "today":
                p = params.get(v)
                if p is None:
                    raise ParamError(f"no parameter {v}")
                c[attr] = p.value.isoformat() if isinstance(p.value, date) else p.value
    return out


def inline(text: str, params: Mapping[str, Param], field_keys: set[str]) -> str:
    """A rule expression with each parameter's name replaced by its value (a date as
    ``date("2026-12-31")``), so that the resolved item carries everything it needs."""
    import ast

    from forms import expr

    tree = expr.parse(text)

    def const(v: Any) -> ast.expr:
        if isinstance(v, date):
            return ast.Call(ast.Name("date"), [ast.Constant(v.isoformat())], [])
        if isinstance(v, list):
            return ast.List([ast.Constant(x) for x in v])
        return ast.Constant(v)

    class Inline(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.expr:
            p = params.get(node.id)
            if p is None or node.id in field_keys:
                return node
            return const(p.value)

        def visit_Call(self, node: ast.Call) -> ast.expr:
            node.args = [self.visit(a) for a in node.args]
            return node  # the function's own name stays

    return ast.unparse(ast.fix_missing_locations(Inline().visit(tree)))


def needs_resolving(item: Any) -> bool:
    """Whether an :class:`~forms.model.Item` may refer to a parameter where
    :func:`resolve_raw` replaces references (texts, a check's min/max/value, rule
    expressions) — a fast test on the model, so most items are used as they are."""
    for c in item.checks:
        if c.expr is not None or isinstance(c.min, str) or isinstance(c.max, str) or (
                isinstance(c.value, str) and NAME.match(c.value) and c.value != "today"):
            return True
    return REF.search(item.model_dump_json(exclude={"example"})) is not None


def uses_params(raw: dict[str, Any]) -> bool:
    """Whether an item's data refers to any parameter (cheap: most items do not)."""
    return bool(references(raw))
