"""The one checker of an item definition, whichever notation it came in (issue 16).

``python -m forms.check`` (YAML files) and the workbook import (:mod:`forms.workbook`,
used by ``doorstep-district catalog import`` and the console's 事项目录 upload) both call
:func:`check_item`: the item is parsed against the schema (:mod:`forms.model`) and its
worked example validated by the form engine. Every problem comes back with its location in
the item (a path like ``("fields", 3, "type")``) and a sentence a non-programmer
understands, in Chinese; the caller turns the location into a file path or a sheet cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError

from forms.dates import DATE_NAMES
from forms.expr import RuleError, compile_expr
from forms.expr import parse as parse_expr
from forms.model import Item
from forms.params import Param

Loc = tuple[str | int, ...]

# the day worked examples are checked on: fixed, so an example's dates (and ages derived
# from ID numbers) do not go stale with the calendar
EXAMPLE_DAY = date(2026, 11, 23)

# the schema's attribute names in words (used in messages)
WORDS: dict[str, str] = {
    "code": "事项代码", "name": "名称", "department": "部门", "kind": "办件类型",
    "promised_days": "承诺工作日", "legal_basis": "办理依据", "fee": "收费",
    "eligibility": "申请条件", "keywords": "搜索关键词", "notice": "一次性告知",
    "conditions": "告知·申请条件", "steps": "告知·办理流程", "time_limit": "告知·办理时限",
    "where": "告知·办理地点", "result": "告知·办理结果", "tips": "告知·温馨提示",
    "fields": "字段", "checks": "校验规则", "materials": "材料", "defer_days": "容缺补齐天数",
    "proxy_allowed": "可代办", "translations": "翻译", "bundle": "一件事成员",
    "bundle_services": "一件事服务对应", "once": "申请次数限制", "rule": "规则",
    "exceptions": "次数限制例外", "example": "示例",
    "key": "字段key", "label": "标题", "type": "类型", "required": "必填", "help": "帮助说明",
    "placeholder": "占位提示", "pattern": "格式规则", "pattern_message": "格式不符时的提示",
    "min_length": "最少字数", "max_length": "最多字数", "min": "最小值", "max": "最大值",
    "integer": "只能整数", "unit": "单位", "not_future": "不能晚于今天",
    "not_past": "不能早于今天", "choices": "选项", "min_selected": "最少选几项",
    "max_selected": "最多选几项", "show_if": "显示条件", "required_if": "必填条件",
    "min_items": "最少几行", "max_items": "最多几行", "item_label": "每行名称",
    "sensitive": "敏感信息", "reusable": "可复用",
    "form": "形式", "count": "份数", "deferrable": "可容缺", "note": "备注", "valid_months": "有效期（月）",
    "field": "字段", "op": "比较", "other": "另一字段", "value": "值", "level": "级别",
    "message": "提示语", "when": "适用条件", "expr": "表达式",
}

# the schema's own (English) refusals, in words a district clerk reads
_VALUE_ERRORS: list[tuple[str, str]] = [
    (r"field (\S+): type (\S+) needs choices", r"字段 \1 是选择类型（\2），须在“选项”列写选项列表名"),
    (r"field (\S+): choices repeat", r"字段 \1 的选项有重复"),
    (r"field (\S+): only choice fields take choices", r"字段 \1 不是选择类型，不能有选项"),
    (r"field (\S+): a group needs fields", r"分组字段 \1 没有子字段（子字段行的“分组”列写 \1）"),
    (r"field (\S+): groups cannot nest", r"分组字段 \1 里不能再有分组"),
    (r"field (\S+): sub-field keys repeat", r"分组字段 \1 的子字段key有重复"),
    (r"field (\S+): only groups take fields", r"字段 \1 不是分组，不能有子字段"),
    (r"field (\S+): bad pattern: (.*)", r"字段 \1 的格式规则（正则表达式）写得不对：\2"),
    (r"field (\S+): min is above max", r"字段 \1 的最小值大于最大值"),
    (r"field keys repeat: (.*)", r"字段key重复：\1"),
    (r"every item needs a field with key (\S+)",
     r"每个事项都要有key为 \1 的字段（申请人姓名 applicant_name、身份证号 applicant_id、"
     r"电话 applicant_phone）"),
    (r"material names repeat", "材料名称有重复"),
    (r"a promised item needs promised_days ≥ 1", "承诺件的承诺工作日至少为 1"),
    (r"an on-the-spot item has promised_days 0", "即办件的承诺工作日应为 0"),
    (r"field (\S+): condition names unknown field (\S+)",
     r"字段 \1 的条件用到了本事项没有的字段 \2"),
    (r"material (.+): condition names unknown field", r"材料“\1”的显示条件用到了本事项没有的字段"),
    (r"check names unknown field (\S+)", r"校验规则用到了本事项没有的字段 \1"),
    (r"compare needs field, op and exactly one of other/value",
     "比较规则（compare）需要“字段”“比较”，以及“另一字段”或“值”二者之一"),
    (r"age needs field and min or max", "年龄规则（age）需要“字段”（身份证号），以及最小值或最大值"),
    (r"sex needs field and value 男 or 女", "性别规则（sex）需要“字段”（身份证号），值为 男 或 女"),
    (r"one_of needs fields", "至少填一项规则（one_of）需要在“字段们”列写字段key"),
    (r"expr needs expr", "表达式规则（expr）需要在“表达式”列写规则，如 age_on(today) >= gljt_min_age"),
    (r"expr: (.*)", r"表达式规则：\1"),
    (r"min/max '(.*)' is neither a number nor a parameter name",
     r"最小值/最大值“\1”既不是数字，也不是本地参数名"),
    (r"a condition needs exactly one of .*", "条件须写成：字段 = 值、字段 != 值、字段 in [值1, 值2] 或 字段 已填"),
    (r"once: exceptions must be distinct, non-empty names", "次数限制例外须各不相同且不能为空"),
    (r"bundle_services is only for a bundle.*", "只有一件事才有服务对应"),
    (r"bundle_services needs a field with key services", "一件事需要一个key为 services 的选择字段"),
    (r"bundle_services: services choice (.+) has no member item",
     r"一件事服务“\1”没有对应的成员事项"),
    (r"bundle_services: (.+) is not a services choice", r"“\1”不是 services 字段的选项"),
    (r"bundle_services: (\S+) is not a member of the bundle", r"\1 不是这件一件事的成员"),
    (r"translations\.(\S+)\.fields: no field (\S+)", r"\1 翻译：本事项没有字段 \2"),
    (r"translations\.(\S+)\.materials: no material (.+)", r"\1 翻译：本事项没有材料“\2”"),
    (r"translations\.([^.\s]+)\.\S+: (\d+) lines for (\d+) Chinese lines",
     r"\1 翻译有 \2 条，中文有 \3 条：须一条中文对应一条翻译（每条占一行）"),
    (r"translations\.([^.\s]+)\.\S+: an empty line", r"\1 翻译里有空的一条"),
    (r"translations\.([^.\s]+)\.\S+: a translation of an empty text",
     r"中文没有填写，\1 翻译无从对应"),
]

_PATTERN_WORDS = {
    r"^[a-z][a-z0-9_]*$": "只能用小写英文字母、数字和下划线，以字母开头",
    r"^[A-Z]{2,4}-[A-Z0-9]{2,10}$": "如 MZ-GLJT：2—4 个大写字母、短横线、2—10 个大写字母或数字",
}


def value_error_words(msg: str) -> str:
    """A refusal of the schema (``ValueError`` text) in Chinese."""
    msg = msg.removeprefix("Value error, ")
    for pattern, words in _VALUE_ERRORS:
        m = re.fullmatch(pattern, msg)
        if m:
            return m.expand(words)
    return msg


def _word(loc: Loc) -> str:
    for part in reversed(loc):
        if isinstance(part, str) and part in WORDS:
            return WORDS[part]
    return "内容"


def explain(err: Any) -> str:
    """One pydantic error (``ValidationError.errors()`` entry) as a Chinese sentence."""
    loc: Loc = tuple(err.get("loc") or ())
    what = _word(loc)
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    given = err.get("input")
    shown = given if isinstance(given, str | int | float | bool) else ""
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"{what} '{shown}' 不认识，可选：{'、'.join(options)}"
    if kind == "missing":
        return f"{what}必须填写"
    if kind == "string_pattern_mismatch":
        rule = _PATTERN_WORDS.get(str(ctx.get("pattern", "")), f"须符合 {ctx.get('pattern')}")
        return f"{what} '{shown}' 写法不对（{rule}）"
    if kind == "string_too_short":
        return f"{what}太短，至少 {ctx.get('min_length')} 个字"
    if kind == "too_short":
        return f"{what}至少要有 {ctx.get('min_length')} 项"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": "不能小于", "greater_than": "须大于",
                "less_than_equal": "不能大于", "less_than": "须小于"}[kind]
        bound = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt"))))
        return f"{what} {shown} {sign} {bound}"
    if kind.startswith("int_"):
        return f"{what}应为整数，'{shown}' 不是"
    if kind.startswith("float_"):
        return f"{what}应为数字，'{shown}' 不是"
    if kind.startswith("bool_"):
        return f"{what}应为 是 或 否，'{shown}' 不是"
    if kind.startswith("string_"):
        return f"{what}应为文字"
    if kind == "value_error":
        return value_error_words(str(err.get("msg", "")))
    if kind == "extra_forbidden":
        return f"不认识的项 '{loc[-1] if loc else ''}'"
    return f"{what}：{err.get('msg', '')}"


def check_item(raw: dict[str, Any],
               known: Callable[[Loc], bool] = lambda _loc: False,
               params: Mapping[str, Param] | None = None) -> tuple[Item | None,
                                                                  list[tuple[Loc, str]]]:
    """Parse ``raw`` as an item and validate its worked example.

    Returns the item as authored (None when it does not parse) and every problem as
    (location in ``raw``, Chinese sentence). ``known(loc)`` says a problem at ``loc`` was
    already reported by the caller (e.g. a workbook cell that could not be read, so the
    value is missing here): such problems are not repeated. ``params``: the catalog's local
    parameters — every reference must name one of the right type, and the worked example
    is validated with their values (as the desk will).
    """
    problems: list[tuple[Loc, str]] = []
    try:
        item = Item.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc: Loc = tuple(err["loc"])
            if err.get("type") == "value_error":
                loc = (*loc, *_refine(_at(raw, loc), str(err.get("msg", ""))))
            if not known(loc):
                problems.append((loc, explain(err)))
        return None, problems
    from forms.engine import expr_holds, validate
    from forms.params import reference_problems, resolve_raw

    params = params or {}
    found = [(loc, words) for loc, words in reference_problems(raw, params) if not known(loc)]
    keys = {f.key for f in item.fields}
    for i, c in enumerate(item.checks):
        if c.expr is not None:
            try:
                compile_expr(parse_expr(c.expr), keys | set(DATE_NAMES) | set(params))
            except RuleError as exc:
                found.append((("checks", i, "expr"), str(exc)))
    if found:
        return item, problems + found
    authored = item
    if params:
        item = Item.model_validate(resolve_raw(
            item.model_dump(mode="json", by_alias=True, exclude_none=True), params))
    res = validate(item, item.example, today=EXAMPLE_DAY)
    for i, c in enumerate(item.checks):
        if c.expr is not None and not res.errors:
            try:
                expr_holds(item, c.expr, res.data, res.derived, EXAMPLE_DAY)
            except (TypeError, ValueError, KeyError) as exc:
                problems.append((("checks", i, "expr"),
                                 f"规则里的数据类型不对（{exc}）：{authored.checks[i].expr}"))
    problems += time_limit_problems(item)
    for p in res.errors:
        key = p.field.split(".")[0].split("[")[0]
        problems.append((("example", key), f"示例：{p.message}"))
    if not res.errors and res.decision != "accepted":
        missing = "、".join(m.name for m in res.missing_required)
        problems.append((("example", "materials"),
                         f"示例的已收材料应包括全部必交材料（缺：{missing}）"))
    return authored, problems


ON_THE_SPOT_WORDS = ("当场", "即时", "即办", "立即")


def time_limit_problems(item: Item) -> list[tuple[Loc, str]]:
    """The notice's 办理时限 sentence says what the item promises (its parameters resolved):
    a promised item names its ``promised_days`` working days — the date its receipt
    promises — and an on-the-spot item says it is done on the spot. Otherwise the resident
    reads one time limit and the receipt prints another."""
    text = item.notice.time_limit
    if item.kind == "promised" and not re.search(
            rf"(?<![0-9０-９]){item.promised_days}\s*个工作日", text):
        return [(("notice", "time_limit"),
                 f"告知·办理时限应写明承诺的 {item.promised_days} 个工作日（回执按它写承诺办结日期），"
                 f"现为“{text}”")]
    if item.kind == "on_the_spot" and not any(w in text for w in ON_THE_SPOT_WORDS):
        return [(("notice", "time_limit"),
                 f"即办件的告知·办理时限应写明当场（即时）办结，现为“{text}”")]
    return []


def _at(raw: Any, loc: Loc) -> Any:
    node = raw
    for p in loc:
        if isinstance(p, int):
            node = node[p] if isinstance(node, list) and p < len(node) else None
        else:
            node = node.get(p) if isinstance(node, dict) else None
    return node


def _index(rows: Any, attr: str, value: Any, last: bool = False) -> int | None:
    found = [i for i, r in enumerate(rows if isinstance(rows, list) else [])
             if isinstance(r, dict) and r.get(attr) == value]
    return (found[-1] if last else found[0]) if found else None


def _refine(node: Any, msg: str) -> Loc:
    """Where inside ``node`` (an item, or a field) a refusal of the whole is about, from
    its message: the schema checks the item as a whole and says only what is wrong."""
    msg = msg.removeprefix("Value error, ")
    if not isinstance(node, dict):
        return ()
    fields, mats, checks = node.get("fields"), node.get("materials"), node.get("checks")
    m = re.fullmatch(r"field ([a-z0-9_]+)(?:\.([a-z0-9_]+))?: condition names unknown field (\S+)",
                     msg)
    if m:
        i = _index(fields, "key", m.group(1))
        if i is None:
            return ()
        row: Any = fields[i]  # type: ignore[index]
        loc: Loc = ("fields", i)
        if m.group(2):
            j = _index(row.get("fields"), "key", m.group(2))
            if j is None:
                return loc
            row, loc = row["fields"][j], (*loc, "fields", j)
        for cond in ("show_if", "required_if"):
            if isinstance(row.get(cond), dict) and row[cond].get("field") == m.group(3):
                return (*loc, cond)
        return loc
    m = re.fullmatch(r"material (.+): condition names unknown field", msg)
    if m:
        i = _index(mats, "name", m.group(1))
        return () if i is None else ("materials", i, "show_if")
    m = re.fullmatch(r"check names unknown field (\S+)", msg)
    if m:
        for i, c in enumerate(checks if isinstance(checks, list) else []):
            if isinstance(c, dict):
                for attr in ("field", "other", "fields"):
                    v = c.get(attr)
                    if v == m.group(1) or (isinstance(v, list) and m.group(1) in v):
                        return ("checks", i, attr)
        return ()
    m = re.fullmatch(r"field keys repeat: ([a-z0-9_]+).*", msg)
    if m:
        i = _index(fields, "key", m.group(1), last=True)
        return () if i is None else ("fields", i, "key")
    if msg == "material names repeat" and isinstance(mats, list):
        names = [r.get("name") if isinstance(r, dict) else None for r in mats]
        for i, name in enumerate(names):
            if name in names[:i]:
                return ("materials", i, "name")
        return ()
    if msg.startswith("every item needs a field"):
        return ("fields",)
    if msg.startswith(("a promised item", "an on-the-spot item")):
        return ("promised_days",)
    if msg.startswith("bundle_services"):
        return ("bundle_services",)
    m = re.fullmatch(r"translations\.(\S+)\.(fields|materials): no (?:field|material) (.+)", msg)
    if m:
        return ("translations", m.group(1), m.group(2), m.group(3))
    m = re.fullmatch(r"translations\.([^.\s]+)\.(eligibility|notice\.[a-z_]+): .*", msg)
    if m:
        return ("translations", m.group(1), *m.group(2).split("."))
    return ()


def loc_text(loc: Loc, raw: Any) -> str:
    """A location in an item definition as a path (``fields[3:members].choices``)."""
    parts: list[str] = []
    node: Any = raw
    for p in loc:
        if isinstance(p, int):
            key = ""
            if isinstance(node, list) and p < len(node) and isinstance(node[p], dict):
                key = str(node[p].get("key") or node[p].get("name") or "")
            parts[-1:] = [f"{parts[-1] if parts else ''}[{p}{':' + key if key else ''}]"]
            node = node[p] if isinstance(node, list) and p < len(node) else None
        else:
            parts.append(str(p))
            node = node.get(p) if isinstance(node, dict) else None
    return ".".join(parts) or "(item)"
