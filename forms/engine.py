"""The form engine: validates a submission against an item definition.

A submission is a flat JSON object ``{field key: value, ...}`` plus a few case-level keys
(``materials``, ``priority``, ``defer_commitment``, ``remarks``). The engine normalises
values (ID numbers upper-cased and upgraded to 18 digits, phones without +86, numbers
parsed), derives birth date / age / sex from ID numbers, and returns every problem at once
— each naming the field key, the rule and a plain-language message — so the resident is
told everything in one go.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from forms import expr
from forms.dates import DATE_NAMES, date_env
from forms.model import Check, Condition, FieldDef, Item, Material
from forms.values import BadValue, check_value

CASE_KEYS = frozenset({"materials", "priority", "defer_commitment", "remarks",
                       # issue 23: the allowed exception to the item's ``once`` rule the
                       # worker chose (补办, 变更…); the resident's consent to reuse what
                       # they gave before, and the earlier case it came from (its uuid)
                       "duplicate_exception", "reuse_consent", "reuse_from",
                       # issue 17: the fields filled by reading the resident's ID card;
                       # issue 23: the card's own 有效期止 (YYYY-MM-DD or 长期), kept when
                       # the ID number came from it (reused ID card pages expire with it)
                       "identity_read", "identity_valid_to",
                       # issue 18: filed from 已确认 on the proactive list ({"entry_id": N})
                       "proactive"})

_RELATIONS = ["配偶", "子女", "父母", "兄弟姐妹", "其他亲属", "社区工作者", "志愿者", "其他"]

PROXY_FIELDS: list[FieldDef] = [
    FieldDef(key="is_proxy", label="是否代办", type="yes_no",
             help="由他人代为办理时选“是”（代办/帮办）"),
    FieldDef(key="proxy_name", label="代办人姓名", type="name",
             show_if=Condition(field="is_proxy", equals=True),
             required_if=Condition(field="is_proxy", equals=True)),
    FieldDef(key="proxy_id", label="代办人身份证号", type="id_number", sensitive=True,
             show_if=Condition(field="is_proxy", equals=True),
             required_if=Condition(field="is_proxy", equals=True)),
    FieldDef(key="proxy_phone", label="代办人电话", type="phone", sensitive=True,
             show_if=Condition(field="is_proxy", equals=True),
             required_if=Condition(field="is_proxy", equals=True)),
    FieldDef(key="proxy_relation", label="代办人与申请人关系", type="choice", choices=_RELATIONS,
             show_if=Condition(field="is_proxy", equals=True),
             required_if=Condition(field="is_proxy", equals=True)),
]
PROXY_KEYS = frozenset(f.key for f in PROXY_FIELDS)

PROXY_MATERIALS: list[Material] = [
    Material(name="授权委托书", form="original",
             note="申请人签字（或按手印）的委托书，写明委托事项",
             show_if=Condition(field="is_proxy", equals=True)),
    Material(name="代办人身份证", form="original_and_copy",
             show_if=Condition(field="is_proxy", equals=True)),
]


def all_fields(item: Item) -> list[FieldDef]:
    """The item's fields, followed by the standard proxy (代办) fields when allowed."""
    return [*item.fields, *PROXY_FIELDS] if item.proxy_allowed else list(item.fields)


def all_materials(item: Item) -> list[Material]:
    """The item's materials, followed by the proxy materials when proxies are allowed."""
    return [*item.materials, *PROXY_MATERIALS] if item.proxy_allowed else list(item.materials)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) with a submission."""

    field: str  # key path, e.g. "members[2].id_number"
    rule: str  # e.g. "required", "check_digit", "range"
    message: str  # plain-language Chinese, names the field's label
    level: str = "error"
    # the message as a Chinese template ("{label}：至少填写{n}个字") and its parameters: the
    # desk translates the template (its Qt .ts file) and fills in the parameters; empty
    # when the message has no template (then it is shown as it is)
    template: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def text(self, translate: Any = None) -> str:
        """The message, with ``translate`` (template → template in the UI's language)
        applied to the template when there is one."""
        if not self.template or translate is None:
            return self.message
        try:
            return str(translate(self.template)).format(**dict(self.params))
        except (KeyError, IndexError, ValueError):
            return self.message

    def as_dict(self) -> dict[str, str]:
        """A JSON-ready form."""
        return {"field": self.field, "rule": self.rule, "message": self.message,
                "level": self.level}


def _problem(path: str, rule: str, template: str, level: str = "error",
             **params: Any) -> Problem:
    """A problem whose message is ``template`` filled with ``params``."""
    pairs = tuple((k, str(v)) for k, v in params.items())
    return Problem(path, rule, template.format(**dict(pairs)), level, template, pairs)


@dataclass
class Result:
    """What the engine found: normalised data, problems, and the materials decision."""

    data: dict[str, Any]
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    derived: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[str] = field(default_factory=list)
    missing: list[Material] = field(default_factory=list)
    shared: list[Material] = field(default_factory=list)  # 免提交: obtained by sharing
    priority: bool = False
    remarks: str = ""
    defer_commitment: bool = True
    duplicate_exception: str = ""
    reuse_consent: bool = False
    reuse_from: str = ""
    identity_read: list[str] = field(default_factory=list)
    identity_valid_to: str = ""

    @property
    def ok(self) -> bool:
        """True when nothing blocks saving."""
        return not self.errors

    @property
    def missing_required(self) -> list[Material]:
        """Required materials not received (visible ones only)."""
        return [m for m in self.missing if m.required]

    @property
    def decision(self) -> str:
        """``accepted``, ``deferred`` (容缺受理) or ``correction`` (补正告知)."""
        req = self.missing_required
        if not req:
            return "accepted"
        if all(m.deferrable for m in req) and self.defer_commitment:
            return "deferred"
        return "correction"


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _cond_holds(cond: Condition, scope: dict[str, Any], top: dict[str, Any]) -> bool:
    value = scope[cond.field] if cond.field in scope else top.get(cond.field)
    if cond.equals is not None:
        return bool(value == cond.equals)
    if cond.not_equals is not None:
        return bool(value != cond.not_equals)
    if cond.in_ is not None:
        if isinstance(value, list):
            return any(v in cond.in_ for v in value)
        return value in cond.in_
    return not _empty(value) if cond.not_empty else _empty(value)


def is_visible(f: FieldDef, scope: dict[str, Any], top: dict[str, Any]) -> bool:
    """Whether a field is shown, given the current values."""
    return f.show_if is None or _cond_holds(f.show_if, scope, top)


def is_required(f: FieldDef, scope: dict[str, Any], top: dict[str, Any]) -> bool:
    """Whether a visible field must be filled, given the current values."""
    if f.required:
        return True
    return f.required_if is not None and _cond_holds(f.required_if, scope, top)


def material_visible(m: Material, data: dict[str, Any]) -> bool:
    """Whether a material applies, given the current values."""
    return m.show_if is None or _cond_holds(m.show_if, data, data)


def _validate_fields(
    fields: list[FieldDef],
    values: dict[str, Any],
    top: dict[str, Any],
    prefix: str,
    today: date,
    result: Result,
    row_label: str = "",
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        path = prefix + f.key
        label = f"{row_label} {f.label}" if row_label else f.label
        raw = values.get(f.key)
        if not is_visible(f, values, top):
            continue  # hidden fields are dropped, never saved
        if _empty(raw) or (f.type == "yes_no" and raw is None):
            if f.type == "group" and f.min_items:
                result.errors.append(_problem(path, "min_items", "{label}：至少填写{n}项",
                                              label=label, n=f.min_items))
            elif is_required(f, values, top):
                result.errors.append(_problem(path, "required", "{label}：必须填写",
                                              label=label))
            continue
        if f.type == "group":
            if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
                result.errors.append(Problem(path, "group", f"{f.label}：应为多行填写"))
                continue
            if f.min_items is not None and len(raw) < f.min_items:
                result.errors.append(Problem(path, "min_items",
                                             f"{f.label}：至少填写{f.min_items}项"))
            if f.max_items is not None and len(raw) > f.max_items:
                result.errors.append(Problem(path, "max_items",
                                             f"{f.label}：最多填写{f.max_items}项"))
            rows = []
            sub_keys = {s.key for s in f.fields or []}
            for i, row in enumerate(raw):
                for extra in sorted(set(row) - sub_keys):
                    result.errors.append(Problem(f"{path}[{i}].{extra}", "unknown",
                                                 f"{f.label}第{i + 1}项 {extra}：没有这一项"))
                rows.append(_validate_fields(f.fields or [], row, top, f"{path}[{i}].",
                                             today, result,
                                             f"{f.item_label or f.label}第{i + 1}项"))
            out[f.key] = rows
            continue
        try:
            value, derived = check_value(f, raw, today)
        except BadValue as bad:
            result.errors.append(_problem(path, bad.rule, "{label}：" + bad.template,
                                          label=label, **bad.params))
            continue
        out[f.key] = value
        if derived is not None:
            result.derived[path] = derived
    return out


def _compare(a: Any, op: str, b: Any) -> bool:
    ops = {
        "<": lambda x, y: x < y, "<=": lambda x, y: x <= y, ">": lambda x, y: x > y,
        ">=": lambda x, y: x >= y, "==": lambda x, y: x == y, "!=": lambda x, y: x != y,
    }
    return bool(ops[op](a, b))


def _bound(v: int | str | None) -> int | None:
    """A check's min/max: a number (a parameter's name is resolved before a catalog is
    used: :func:`forms.catalog.resolve_item`)."""
    return v if isinstance(v, int) else None


def expr_holds(item: Item, text: str, data: dict[str, Any], derived: dict[str, Any],
               today: date) -> bool | None:
    """Whether a ``rule: expr`` check holds on validated ``data`` (date fields are dates
    in the expression; ``age_on(d)`` counts from ``applicant_id``'s birth date); None when
    a field it names is empty (nothing to check yet). A rule whose values do not fit
    (a text compared with a date) raises ``TypeError`` — the checker reports it."""
    _tree, names, born_used = _rule(text)
    env: dict[str, Any] = dict(_named_days(today))
    types = {f.key: f.type for f in all_fields(item)}
    for name in names - set(env):
        value = data.get(name)
        if _empty(value):
            return None
        env[name] = date.fromisoformat(str(value)) if types.get(name) == "date" else value
    born = derived.get("applicant_id", {}).get("birth_date")
    if born is not None:
        env[expr.BORN] = date.fromisoformat(born)
    elif born_used:
        return None
    return bool(_compiled(text)(env))


_named_days = functools.lru_cache(maxsize=8)(date_env)  # the same few days, every check


@functools.lru_cache(maxsize=1024)
def _rule(text: str) -> tuple[ast.expr, frozenset[str], bool]:
    """A rule's tree, the names it uses and whether it needs the person's birth date,
    once per text: parsing it again at every check cost a case save 0.2 ms of its
    0.8 (issue 13's save benchmark, MZ-GLJT's birthday rule)."""
    tree = expr.parse(text)
    return tree, frozenset(expr.names_in(tree)), expr.uses_born(tree)


@functools.lru_cache(maxsize=1024)
def _compiled(text: str) -> expr.Node:
    """The rule compiled once per text; its names are the named days and the fields it
    uses (every one of them is given a value before it runs: :func:`expr_holds`). The
    closures keep no state, so one serves every check and thread."""
    tree, names, _ = _rule(text)
    return expr.compile_expr(tree, set(names) | set(DATE_NAMES))


def _expr_fields(c: Check) -> list[str]:
    """The names a rule expression uses, in order of appearance (the first field of them
    is where its problem is shown)."""
    if c.expr is None:
        return []
    tree = _rule(c.expr)[0]
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called]
    names.sort(key=lambda n: n.col_offset)
    born = ["applicant_id"] if expr.uses_born(tree) else []  # age_on(d): the applicant's
    return [n.id for n in names if n.id not in DATE_NAMES] + born


def _run_check(item: Item, c: Check, data: dict[str, Any], result: Result,
               today: date) -> None:
    if c.when is not None and not _cond_holds(c.when, data, data):
        return
    failed = False
    if c.rule == "compare":
        a = data.get(c.field or "")
        b = data.get(c.other) if c.other else c.value
        if b == "today":
            b = today.isoformat()
        if _empty(a) or _empty(b):
            return
        try:
            failed = not _compare(a, c.op or "==", b)
        except TypeError:
            return
    elif c.rule in ("age", "sex"):
        d = result.derived.get(c.field or "")
        if d is None:
            return
        if c.rule == "age":
            age = int(d["age"])
            lo, hi = _bound(c.min), _bound(c.max)
            failed = (lo is not None and age < lo) or (hi is not None and age > hi)
        else:
            failed = d["sex"] != c.value
    elif c.rule == "one_of":
        failed = all(_empty(data.get(k)) for k in c.fields or [])
    elif c.rule == "expr":
        try:
            held = expr_holds(item, c.expr or "", data, result.derived, today)
        except (TypeError, ValueError, KeyError):
            return  # an authoring mistake, reported by the checker, never a traceback
        if held is None:
            return
        failed = not held
    if failed:
        key = c.field or (c.fields or [*_expr_fields(c), "form"])[0]
        problem = Problem(key, f"{c.rule}", c.message, c.level)
        (result.warnings if c.level == "warning" else result.errors).append(problem)


def validate(item: Item, submission: dict[str, Any], *, today: date | None = None) -> Result:
    """Check a submission against ``item``; every problem is reported at once."""
    today = today or date.today()
    if not isinstance(submission, dict):
        r = Result(data={})
        r.errors.append(Problem("form", "type", "提交内容应为 JSON 对象"))
        return r
    fields = all_fields(item)
    known = {f.key for f in fields}
    result = Result(data={})
    for extra in sorted(set(submission) - known - CASE_KEYS):
        result.errors.append(Problem(extra, "unknown", f"{extra}：本事项没有这一项"))
    values = {k: v for k, v in submission.items() if k in known}
    result.data = _validate_fields(fields, values, values, "", today, result)
    if result.data.get("is_proxy") and result.data.get("proxy_id") and \
            result.data.get("proxy_id") == result.data.get("applicant_id"):
        result.errors.append(Problem("proxy_id", "proxy_distinct",
                                     "代办人身份证号：代办人不能是申请人本人"))
    for c in item.checks:
        _run_check(item, c, result.data, result, today)

    raw_materials = submission.get("materials", [])
    if not isinstance(raw_materials, list) or not all(isinstance(m, str) for m in raw_materials):
        result.errors.append(Problem("materials", "type", "已收材料应为材料名称列表"))
        raw_materials = []
    mats = all_materials(item)
    names = {m.name for m in mats}
    for name in raw_materials:
        if name not in names:
            result.errors.append(Problem("materials", "unknown_material",
                                         f"已收材料：本事项没有“{name}”这项材料"))
    received = set(raw_materials)
    visible = [m for m in mats if material_visible(m, result.data)]
    # 免提交 materials (issue 17) are obtained by the desk, never asked of the resident
    result.shared = [m for m in visible if m.obtained_by_sharing]
    visible = [m for m in visible if not m.obtained_by_sharing]
    result.received = [m.name for m in visible if m.name in received]
    result.missing = [m for m in visible if m.name not in received]
    result.priority = bool(submission.get("priority", False))
    remarks = submission.get("remarks", "")
    result.remarks = remarks.strip() if isinstance(remarks, str) else ""
    commitment = submission.get("defer_commitment", True)
    result.defer_commitment = bool(commitment)
    _case_choices(item, submission, result)
    return result


def _case_choices(item: Item, submission: dict[str, Any], result: Result) -> None:
    """The allowed exception to the item's ``once`` rule, and the reuse consent (issue 23)."""
    exc = submission.get("duplicate_exception", "")
    allowed = item.once.exceptions if item.once else []
    if exc not in ("", None):
        if not isinstance(exc, str) or exc not in allowed:
            shown = "、".join(allowed) if allowed else "无"
            result.errors.append(Problem(
                "duplicate_exception", "not_allowed",
                f"重复申请例外：本事项允许的例外为（{shown}），不能按“{exc}”办理"))
        else:
            result.duplicate_exception = exc
    consent = submission.get("reuse_consent", False)
    if not isinstance(consent, bool):
        result.errors.append(Problem("reuse_consent", "type",
                                     "居民同意复用已登记的信息：应为 true 或 false"))
        consent = False
    result.reuse_consent = consent
    source = submission.get("reuse_from", "")
    if source not in ("", None):
        if not isinstance(source, str):
            result.errors.append(Problem("reuse_from", "type", "复用来源应为案件编号"))
        elif not consent:
            result.errors.append(Problem(
                "reuse_consent", "required",
                "居民同意复用已登记的信息：未经居民同意，不能复用此前登记的信息"))
        else:
            result.reuse_from = source
    read = submission.get("identity_read", [])
    card_keys = {f.key for f in item.fields if f.card}
    if not isinstance(read, list) or not all(isinstance(k, str) and k in card_keys
                                             for k in read):
        result.errors.append(Problem("identity_read", "type",
                                     "读卡记录：应为本事项可由身份证填入的字段列表"))
    else:
        result.identity_read = sorted(set(read))
        _card_valid_to(item, submission, result)


def _card_valid_to(item: Item, submission: dict[str, Any], result: Result) -> None:
    """The ID card's 有效期止 (issue 23), kept only when the ID number was read from it."""
    raw = submission.get("identity_valid_to", "")
    if raw in ("", None):
        return
    try:
        ok = isinstance(raw, str) and (raw == "长期" or bool(date.fromisoformat(raw)))
    except ValueError:
        ok = False
    if not ok:
        result.errors.append(Problem("identity_valid_to", "type",
                                     "读卡记录：身份证有效期止应为日期（如 2036-05-01）或“长期”"))
        return
    id_keys = {f.key for f in item.fields if f.card == "id_number"}
    if id_keys & set(result.identity_read):
        result.identity_valid_to = str(raw)


def applicant_summary(item: Item, data: dict[str, Any]) -> dict[str, str]:
    """Name, ID and phone of the applicant (and proxy), as stored for search and receipts."""
    return {
        "name": str(data.get("applicant_name", "")),
        "id_number": str(data.get("applicant_id", "")),
        "phone": str(data.get("applicant_phone", "")),
        "proxy_name": str(data.get("proxy_name", "")) if data.get("is_proxy") else "",
        "proxy_id": str(data.get("proxy_id", "")) if data.get("is_proxy") else "",
        "proxy_phone": str(data.get("proxy_phone", "")) if data.get("is_proxy") else "",
    }
