"""The catalog as an XLSX workbook: one model, two notations (issue 16).

District staff author the catalog in a spreadsheet, as XLSForm lets non-programmers own
ODK forms. The workbook is another notation of the same model as ``forms/items/*.yaml``
(:mod:`forms.model`): :func:`write_workbook` turns a :class:`~forms.catalog.Catalog` into
an XLSX file and :func:`read_workbook` turns the file back into the same catalog —
export → import is the identity, tested on the whole shipped catalog.

Sheets (a header row of column keys, then one row per thing; the order of rows is the
order in the catalog):

- ``说明`` — instructions (ignored when read);
- ``catalog`` — ``setting`` / ``value``: the ``version``;
- ``items`` — one row per item or 一件事 bundle, with its one-time notice (lists: one entry
  per line in the cell);
- ``fields`` — ``item``, ``group`` (the group field a sub-field belongs to), ``key``,
  ``label``, ``type`` …; ``show_if`` / ``required_if`` in a small expression form:
  ``字段 = 值``, ``字段 != 值``, ``字段 in [值1, 值2]``, ``字段 已填`` / ``字段 未填``;
- ``choices`` — ``item``, ``list``, ``value``: a field's ``choices`` cell names a list;
- ``materials``; ``bundles`` (``bundle``, ``member``, the ``services`` choices routed to
  that member); ``checks`` (cross-field checks and eligibility warnings, one column per
  part of the rule); ``examples`` (each item's worked example, one row per key);
- ``params`` — local parameters (:mod:`forms.params`): ``name``, ``value`` (a number, a
  text, a list one entry per line, or a date), ``type`` (数字/文字/列表/日期; from the value
  when empty), ``unit``, ``description``; items refer to them as ``{name}`` in texts and by
  name in checks;
- translations: a column per language beside the text, ``name::en``, ``label::en`` …

:func:`read_workbook` reports every problem at once, each with its sheet, row and column
and a sentence in Chinese (``fields!E14: 类型 'phon' 不认识，可选：text、…``), through the
same checker as ``python -m forms.check`` (:mod:`forms.checker`); a workbook with any
problem yields no catalog, so nothing is published from it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from forms.catalog import Catalog
from forms.checker import WORDS, Loc, check_item
from forms.model import Check, Condition, FieldDef, Item, Material
from forms.params import DESK_PARAMS, Param, desk_param_problem, references

MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a workbook: where (sheet, row, column letter) and what."""

    sheet: str
    row: int  # 1-based, as the spreadsheet shows it; 0: the sheet (or file) as a whole
    column: str  # "D"; "" for a whole row or sheet
    message: str

    @property
    def cell(self) -> str:
        """``fields!D14`` (or ``fields!14`` for a row, ``fields`` for a sheet)."""
        if not self.row:
            return self.sheet
        return f"{self.sheet}!{self.column}{self.row}"

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        """For the console and ``--json``."""
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "cell": self.cell, "message": self.message}


class WorkbookError(ValueError):
    """A workbook that cannot become a catalog; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# -- the sheets ---------------------------------------------------------------------------

ITEM_COLS = ["code", "name", "department", "kind", "promised_days", "fee", "legal_basis",
             "defer_days", "proxy_allowed", "eligibility", "keywords", "notice_conditions",
             "notice_steps", "notice_time_limit", "notice_where", "notice_result",
             "notice_tips", "once", "once_exceptions"]
FIELD_COLS = ["item", "group", "key", "label", "type", "required", "help", "placeholder",
              "pattern", "pattern_message", "min_length", "max_length", "min", "max",
              "integer", "unit", "not_future", "not_past", "choices", "min_selected",
              "max_selected", "show_if", "required_if", "min_items", "max_items",
              "item_label", "sensitive", "reusable", "card"]
SHEETS: dict[str, list[str]] = {
    "catalog": ["setting", "value"],
    "items": ITEM_COLS,
    "fields": FIELD_COLS,
    "choices": ["item", "list", "value"],
    "materials": ["item", "name", "required", "form", "count", "deferrable", "note",
                  "show_if", "source", "source_department", "valid_months"],
    "bundles": ["bundle", "member", "services"],
    "checks": ["item", "rule", "field", "fields", "op", "other", "value", "min", "max",
               "level", "message", "when", "expr"],
    "examples": ["item", "key", "value"],
    "params": ["name", "value", "type", "unit", "description"],
    # issue 18: 主动服务 / 免申即享 — one row per item that has a rule
    "proactive": ["item", "rule", "reason", "due", "repeat", "no_signature", "prefill"],
}
# the texts that take a translation column (``name::en``) on each sheet
TRANSLATED: dict[str, list[str]] = {"items": ["name", "department", "eligibility",
                                              "notice_conditions", "notice_steps",
                                              "notice_time_limit", "notice_where",
                                              "notice_result", "notice_tips"],
                                    "fields": ["label"],
                                    "materials": ["name"],
                                    "params": ["value", "unit", "description"]}
INSTRUCTIONS_SHEET = "说明"

# column → its words (messages and the instructions sheet); the model's words otherwise
COLUMN_WORDS: dict[str, str] = {
    "item": "所属事项", "group": "分组", "list": "选项列表", "bundle": "一件事",
    "member": "成员事项", "services": "对应服务", "setting": "设置项",
    "notice_conditions": "告知·申请条件", "notice_steps": "告知·办理流程",
    "notice_time_limit": "告知·办理时限", "notice_where": "告知·办理地点",
    "notice_result": "告知·办理结果", "notice_tips": "告知·温馨提示",
    "once": "申请次数限制", "once_exceptions": "次数限制例外", "fields": "字段们",
}

# readable words for coded values; the codes are accepted as well
ALIASES: dict[tuple[str, str], dict[str, str]] = {
    ("items", "kind"): {"即办件": "on_the_spot", "承诺件": "promised"},
    ("items", "once"): {"未办结时不能再申请": "while_open", "每年一次": "per_year",
                        "限一次": "lifetime"},
    ("materials", "form"): {"原件": "original", "复印件": "copy",
                            "原件及复印件": "original_and_copy", "电子证照": "electronic"},
    ("checks", "level"): {"阻止": "error", "提醒": "warning"},
    ("params", "type"): {"数字": "number", "文字": "text", "列表": "list", "日期": "date"},
    ("proactive", "repeat"): {"只列一次": "once", "每年": "year", "每月": "month"},
}
_YES = {"是", "true", "yes", "y", "1", "对", "√"}
_NO = {"否", "false", "no", "n", "0", "不", "×"}

INT_COLS = {"promised_days", "defer_days", "min_length", "max_length", "min_selected",
            "max_selected", "min_items", "max_items", "count", "valid_months"}
BOOL_COLS = {"proxy_allowed", "required", "integer", "not_future", "not_past", "sensitive",
             "reusable", "deferrable"}
NOTICE_PARTS = ("conditions", "steps", "time_limit", "where", "result", "tips")
LINES_COLS = {"eligibility", "keywords", "notice_conditions", "notice_steps", "notice_tips",
              "once_exceptions", "services", "fields"}


def column_words(col: str) -> str:
    """What a column holds, in words."""
    base, _, lang = col.partition("::")
    words = COLUMN_WORDS.get(base) or WORDS.get(base) or base
    return f"{words}（{lang} 翻译）" if lang else words


def _letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


# -- values in cells ----------------------------------------------------------------------

def _lit(value: Any) -> str:
    """A value inside an expression (conditions): plain text when unambiguous, else JSON."""
    if isinstance(value, str):
        plain = (value and value == value.strip() and not re.search(r"[\[\],，、\"]", value))
        if plain:
            try:
                json.loads(value)
            except ValueError:
                return value
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def _unlit(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        return text


def condition_text(c: Condition) -> str:
    """A condition in the workbook's expression form."""
    if c.equals is not None:
        return f"{c.field} = {_lit(c.equals)}"
    if c.not_equals is not None:
        return f"{c.field} != {_lit(c.not_equals)}"
    if c.in_ is not None:
        return f"{c.field} in [{', '.join(_lit(v) for v in c.in_)}]"
    return f"{c.field} {'已填' if c.not_empty else '未填'}"


_COND = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(!=|≠|==|=|\bin\b|已填|未填)\s*(.*?)\s*$",
                   re.S)
CONDITION_HELP = "写法：字段 = 值、字段 != 值、字段 in [值1, 值2]、字段 已填 或 字段 未填"


def _split_list(inner: str) -> list[str]:
    """``a, "b, c", d`` → the three parts (a quoted part keeps its separators)."""
    parts: list[str] = []
    cur = ""
    quoted = escaped = False
    for ch in inner:
        if quoted:
            cur += ch
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
            cur += ch
        elif ch in ",，、":
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    parts = [x.strip() for x in parts]
    return [] if parts == [""] else parts


def parse_condition(text: str) -> dict[str, Any] | None:
    """The expression form back as condition data; None when it cannot be read."""
    m = _COND.match(text)
    if not m:
        return None
    key, op, rest = m.groups()
    if op in ("已填", "未填"):
        return None if rest else {"field": key, "not_empty": op == "已填"}
    if not rest:
        return None
    if op == "in":
        if not (rest.startswith("[") and rest.endswith("]")):
            return None
        try:
            values = json.loads(rest)
        except ValueError:
            values = [_unlit(v) for v in _split_list(rest[1:-1])]
        return {"field": key, "in": values} if isinstance(values, list) else None
    return {"field": key, ("not_equals" if op in ("!=", "≠") else "equals"): _unlit(rest)}


def _typed_out(value: Any) -> Any:
    """A value of any JSON type for a typed cell (examples, a check's value)."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("{", "[", '"'):
        return json.dumps(value, ensure_ascii=False)
    return value


def _typed_in(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "[", '"'):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _lines(values: list[str]) -> str:
    return "\n".join(values)


def _yes(value: bool) -> str:
    return "是" if value else "否"


# -- writing ------------------------------------------------------------------------------

def _languages(catalog: Catalog) -> list[str]:
    langs: set[str] = set()
    for it in catalog.authored:
        langs |= set(it.translations or {})
    for p in catalog.params.values():
        langs |= set(p.translations)
    return sorted(langs)


def _param_row(name: str, p: Param,
               alias_out: dict[tuple[str, str], dict[str, str]]) -> dict[str, Any]:
    def cell(v: Any) -> Any:
        if isinstance(v, list):
            return _lines([str(x) for x in v])
        if isinstance(v, date):
            return v.isoformat()
        return v

    row: dict[str, Any] = {"name": name, "value": cell(p.value),
                           "type": alias_out[("params", "type")][p.type or "text"],
                           "unit": p.unit or None, "description": p.description or None}
    for lang, words in p.translations.items():
        row[f"value::{lang}"] = cell(words.value) if words.value is not None else None
        row[f"unit::{lang}"] = words.unit
        row[f"description::{lang}"] = words.description
    return row


def _rows(catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """Every sheet's rows (column → value) for ``catalog``."""
    alias_out = {k: {code: words for words, code in v.items()} for k, v in ALIASES.items()}
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in SHEETS}
    out["catalog"].append({"setting": "version", "value": catalog.version})
    for name, p in catalog.params.items():
        out["params"].append(_param_row(name, p, alias_out))
    for it in catalog.authored:
        out["items"].append(_item_row(it, alias_out))
        for f in it.fields:
            out["fields"].append(_field_row(it, f, ""))
            if f.choices:
                out["choices"] += [{"item": it.code, "list": f.key, "value": v}
                                   for v in f.choices]
            for sub in f.fields or []:
                out["fields"].append(_field_row(it, sub, f.key))
                if sub.choices:
                    out["choices"] += [{"item": it.code, "list": f"{f.key}.{sub.key}",
                                        "value": v} for v in sub.choices]
        for m in it.materials:
            row: dict[str, Any] = {
                "item": it.code, "name": m.name, "required": _yes(m.required),
                "form": alias_out[("materials", "form")][m.form], "count": m.count,
                "deferrable": _yes(m.deferrable), "note": m.note,
                "show_if": condition_text(m.show_if) if m.show_if else None,
                # 免提交 (issue 17): shared | e_license, and who holds it
                "source": m.source if m.obtained_by_sharing else None,
                "source_department": m.source_department or None,
                # issue 23: months a page stays valid for reuse
                "valid_months": m.valid_months}
            for lang, words in (it.translations or {}).items():
                row[f"name::{lang}"] = words.materials.get(m.name)
            out["materials"].append(row)
        services = it.bundle_services or {}
        for member in it.bundle or []:
            out["bundles"].append({"bundle": it.code, "member": member, "services": _lines(
                [s for s, mem in services.items() if mem == member])})
        for c in it.checks:
            out["checks"].append(_check_row(it, c, alias_out))
        for key, value in it.example.items():
            out["examples"].append({"item": it.code, "key": key, "value": _typed_out(value)})
        if it.proactive is not None:
            pro = it.proactive
            out["proactive"].append({
                "item": it.code, "rule": pro.rule, "reason": pro.reason, "due": pro.due,
                "repeat": alias_out[("proactive", "repeat")][pro.repeat],
                "no_signature": _yes(pro.no_signature),
                "prefill": _lines([f"{k}={v}" for k, v in pro.prefill.items()])})
    return out


def _item_row(it: Item, alias_out: dict[tuple[str, str], dict[str, str]]) -> dict[str, Any]:
    n = it.notice
    row: dict[str, Any] = {
        "code": it.code, "name": it.name, "department": it.department,
        "kind": alias_out[("items", "kind")][it.kind], "promised_days": it.promised_days,
        "fee": it.fee, "legal_basis": it.legal_basis, "defer_days": it.defer_days,
        "proxy_allowed": _yes(it.proxy_allowed), "eligibility": _lines(it.eligibility),
        "keywords": _lines(it.keywords), "notice_conditions": _lines(n.conditions),
        "notice_steps": _lines(n.steps), "notice_time_limit": n.time_limit,
        "notice_where": n.where, "notice_result": n.result, "notice_tips": _lines(n.tips),
        "once": alias_out[("items", "once")][it.once.rule] if it.once else None,
        "once_exceptions": _lines(it.once.exceptions) if it.once else None,
    }
    for lang, words in (it.translations or {}).items():
        row[f"name::{lang}"] = words.name
        row[f"department::{lang}"] = words.department
        row[f"eligibility::{lang}"] = _lines(words.eligibility) \
            if words.eligibility is not None else None
        nt = words.notice
        for part in NOTICE_PARTS:
            value = getattr(nt, part) if nt is not None else None
            row[f"notice_{part}::{lang}"] = _lines(value) if isinstance(value, list) else value
    return row


def _field_row(it: Item, f: FieldDef, group: str) -> dict[str, Any]:
    row: dict[str, Any] = {"item": it.code, "group": group}
    for col in FIELD_COLS[2:]:
        value = getattr(f, col)
        if col in ("show_if", "required_if"):
            value = condition_text(value) if value is not None else None
        elif col == "choices":
            value = (f"{group}.{f.key}" if group else f.key) if value else None
        elif col in BOOL_COLS:
            value = _yes(value)
        row[col] = value
    if not group:
        for lang, words in (it.translations or {}).items():
            row[f"label::{lang}"] = words.fields.get(f.key)
    return row


def _check_row(it: Item, c: Check,
               alias_out: dict[tuple[str, str], dict[str, str]]) -> dict[str, Any]:
    return {"item": it.code, "rule": c.rule, "field": c.field,
            "fields": _lines(c.fields) if c.fields is not None else None, "op": c.op,
            "other": c.other, "value": _typed_out(c.value) if c.value is not None else None,
            "min": c.min, "max": c.max, "level": alias_out[("checks", "level")][c.level],
            "message": c.message, "when": condition_text(c.when) if c.when else None,
            "expr": c.expr}


INSTRUCTIONS = [
    "家门口办事台 · 事项目录工作簿（一个目录 = 一个工作簿）",
    "",
    "每张表第一行是列名，不要改；从第二行起每行一条。行的先后就是目录中的先后。",
    "一个格子里要写多条（如申请条件、关键词、办理流程）时，每条占一行（Alt+Enter 换行）。",
    "是/否 列填“是”或“否”；空着的格子按默认值。",
    "items：每个事项（或一件事）一行。kind 填 即办件 或 承诺件；即办件的 promised_days 填 0。",
    "告知·办理时限要与办件类型一致：承诺件写明承诺的工作日数（如“10个工作日内办结”，回执按它写"
    "承诺办结日期），即办件写明当场或即时办结。",
    "fields：每个字段一行，item 填事项代码。key 只用小写英文字母、数字和下划线。",
    "  type 可选：text textarea name id_number phone mobile date number money choice "
    "multi_choice yes_no address credit_code bank_account group。",
    "  分组（多行填写，如家庭成员）：先写 type 为 group 的字段，其子字段的 group 列填它的 key。",
    "  choices 列填 choices 表里的选项列表名；show_if / required_if 写条件，"
    + CONDITION_HELP + "（是/否 字段的值写 true 或 false）。",
    "  每个事项都要有 applicant_name、applicant_id、applicant_phone 三个字段。",
    "choices：item、list（选项列表名）、value（一个选项一行）。",
    "materials：每项材料一行；form 可选 原件、复印件、原件及复印件、电子证照；"
    "deferrable（可容缺）为“是”的材料可以先受理后补交；valid_months（有效期，月）填证明、"
    "体检或诊断报告等自采集之日起几个月内有效，超过的存档材料不再供新案件复用。",
    "bundles：一件事的成员事项，每个成员一行；services 列写该成员负责的 services 字段选项。",
    "checks：校验与资格提醒。rule 可选 compare（比较两个字段或与一个值比较，value 写 today 表示"
    "今天）、age（身份证号对应年龄的 min/max）、sex（value 男/女）、one_of（fields 中至少填一项）、"
    "expr（expr 列写必须成立的表达式，如 months_between(marriage_date, today) < 6、"
    "age_on(today) >= gljt_min_age；可用日期函数 age_on、add_days、add_months、add_years、"
    "months_between、birthday_in，today、first_of_month、end_of_month 等日期）；"
    "level 填 阻止 或 提醒。",
    "examples：每个事项的一份填写示例（每个 key 一行，materials 行写已收材料，如 "
    '["居民身份证", "户口簿"]）。示例必须能通过校验。',
    "params：本地参数，每个参数一行：name（小写英文名，如 gljt_min_age）、value（数字、文字、日期如 "
    "2026-12-31，或列表——每项一行）、type（数字/文字/列表/日期，可空）、unit、description。"
    "事项的文字里写 {gljt_min_age} 引用它（办事台显示参数值），校验规则的 min/max/value 和 expr "
    "表达式里直接写参数名。没被任何事项引用的参数会报错。",
    "翻译：在 name::en、label::en 这样的列里写英文；其他语言加一列，如 label::ii。"
    "申请条件、告知单各条（notice_steps::en 等）的翻译每条占一行，与中文逐条对应。",
    "导入时会检查整本工作簿，列出每个问题所在的表、行、列；有任何问题都不会发布。",
]


def write_workbook(catalog: Catalog, target: Path | io.BytesIO | None = None) -> bytes:
    """Write ``catalog`` as an XLSX workbook; returns the bytes (also written to
    ``target`` when given)."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    note = book.add_worksheet(INSTRUCTIONS_SHEET)
    note.set_column(0, 0, 120)
    for i, line in enumerate(INSTRUCTIONS):
        note.write_string(i, 0, line)
    rows = _rows(catalog)
    langs = _languages(catalog)
    for name, base_cols in SHEETS.items():
        cols = list(base_cols)
        for text in TRANSLATED.get(name, []):
            cols += [f"{text}::{lang}" for lang in langs]
        sheet = book.add_worksheet(name)
        sheet.freeze_panes(1, 0)
        for c, col in enumerate(cols):
            sheet.write_string(0, c, col, head)
            sheet.set_column(c, c, 14 if col in ("item", "key", "type") else 20)
        for r, row in enumerate(rows[name], start=1):
            for c, col in enumerate(cols):
                value = row.get(col)
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value), wrap if "\n" in str(value) else None)
    book.close()
    data = buf.getvalue()
    if isinstance(target, Path):
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    elif target is not None:
        target.write(data)
    return data


def template_catalog(example: Item) -> Catalog:
    """A blank catalog with one worked item: the console's downloadable template."""
    return Catalog("本区目录版本（导入时按发布顺序自动编号）", [example])


# -- reading ------------------------------------------------------------------------------

@dataclass
class _Row:
    sheet: str
    number: int
    values: dict[str, Any]
    letters: dict[str, str]

    def at(self, col: str) -> tuple[str, int, str]:
        return (self.sheet, self.number, self.letters.get(col, "A"))


@dataclass
class _Reader:
    problems: list[Problem] = field(default_factory=list)

    def bad(self, row: _Row, col: str, message: str) -> None:
        self.problems.append(Problem(row.sheet, row.number, row.letters.get(col, "A"),
                                     message))

    def text(self, row: _Row, col: str) -> str | None:
        v = row.values.get(col)
        if v is None:
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        s = str(v).strip()
        return s or None

    def integer(self, row: _Row, col: str) -> int | None:
        v = row.values.get(col)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer():
            return int(v)
        if isinstance(v, str) and re.fullmatch(r"\s*-?\d+\s*", v):
            return int(v)
        self.bad(row, col, f"{column_words(col)}应为整数，'{v}' 不是")
        raise _Unreadable

    def bound(self, row: _Row, col: str) -> int | str | None:
        """An integer, or the name of a local parameter (``gljt_min_age``)."""
        v = row.values.get(col)
        if isinstance(v, str) and re.fullmatch(r"\s*[a-z][a-z0-9_]*\s*", v):
            return v.strip()
        return self.integer(row, col)

    def number(self, row: _Row, col: str) -> float | None:
        v = row.values.get(col)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, int | float) and not isinstance(v, bool):
            return float(v)
        try:
            return float(str(v))
        except ValueError:
            self.bad(row, col, f"{column_words(col)}应为数字，'{v}' 不是")
            raise _Unreadable from None

    def boolean(self, row: _Row, col: str) -> bool | None:
        v = row.values.get(col)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, bool):
            return v
        s = str(int(v) if isinstance(v, float) and v.is_integer() else v).strip().lower()
        if s in _YES:
            return True
        if s in _NO:
            return False
        self.bad(row, col, f"{column_words(col)}填“是”或“否”，'{v}' 不认识")
        raise _Unreadable

    def lines(self, row: _Row, col: str) -> list[str] | None:
        s = self.text(row, col)
        if s is None:
            return None
        return [p.strip() for p in s.replace("\r", "\n").split("\n") if p.strip()]

    def coded(self, row: _Row, col: str) -> str | None:
        s = self.text(row, col)
        if s is None:
            return None
        words = ALIASES[(row.sheet, col)]
        if s in words:
            return words[s]
        if s in words.values():
            return s
        self.bad(row, col, f"{column_words(col)} '{s}' 不认识，可选：{'、'.join(words)}")
        raise _Unreadable

    def condition(self, row: _Row, col: str) -> dict[str, Any] | None:
        s = self.text(row, col)
        if s is None:
            return None
        cond = parse_condition(s)
        if cond is None:
            self.bad(row, col, f"{column_words(col)} '{s}' 看不懂（{CONDITION_HELP}）")
            raise _Unreadable
        return cond


class _Unreadable(Exception):
    """A cell that could not be read (already reported)."""


def _load_sheets(data: bytes, problems: list[Problem]) -> dict[str, list[_Row]] | None:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        problems.append(Problem("文件", 0, "", f"不是能打开的 XLSX 工作簿（{type(exc).__name__}）；"
                                               "请用 Excel/WPS 另存为 .xlsx"))
        return None
    sheets: dict[str, list[_Row]] = {}
    try:
        for name, base_cols in SHEETS.items():
            if name not in book.sheetnames:
                if name in ("params", "bundles", "checks"):
                    sheets[name] = []
                    continue
                problems.append(Problem(name, 0, "", f"缺少工作表 {name}"))
                continue
            ws = book[name]
            it = ws.iter_rows(values_only=True)
            header = next(it, None) or ()
            cols: dict[int, str] = {}
            allowed_lang = TRANSLATED.get(name, [])
            for i, h in enumerate(header):
                if h is None or str(h).strip() == "":
                    continue
                col = str(h).strip()
                base, sep, lang = col.partition("::")
                if col in base_cols or (sep and base in allowed_lang
                                        and re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", lang)):
                    if col in cols.values():
                        problems.append(Problem(name, 1, _letter(i), f"列 '{col}' 重复"))
                    cols[i] = col
                else:
                    extra = "、".join(f"{t}::语言" for t in allowed_lang)
                    problems.append(Problem(name, 1, _letter(i), (
                        f"不认识的列 '{col}'（可用：{'、'.join(base_cols)}"
                        + (f"，翻译列 {extra}" if extra else "") + "）")))
            missing = [c for c in base_cols if c not in cols.values()
                       and c in ("item", "key", "code", "name", "type", "label", "value",
                                 "setting", "bundle", "member", "rule", "list")]
            if missing:
                problems.append(Problem(name, 1, "", f"缺少列：{'、'.join(missing)}"))
            rows: list[_Row] = []
            for n, values in enumerate(it, start=2):
                got = {cols[i]: v for i, v in enumerate(values)
                       if i in cols and v is not None and not (isinstance(v, str) and not v.strip())}
                if got:
                    rows.append(_Row(name, n, got, {c: _letter(i) for i, c in cols.items()}))
            sheets[name] = rows
    finally:
        book.close()
    return sheets


def read_workbook(source: Path | bytes) -> tuple[Catalog | None, list[Problem]]:
    """The catalog a workbook describes, or None with every problem (sheet, row, column).

    The version is the ``catalog`` sheet's ``version`` (empty when not given: the district
    numbers the import as its next version)."""
    problems: list[Problem] = []
    if isinstance(source, Path):
        try:
            data = source.read_bytes()
        except OSError as exc:
            return None, [Problem("文件", 0, "", f"无法读取：{exc.strerror or exc}")]
    else:
        data = source
    if len(data) > MAX_BYTES:
        return None, [Problem("文件", 0, "", "工作簿超过 32 MB")]
    sheets = _load_sheets(data, problems)
    if sheets is None:
        return None, problems
    builder = _Builder(_Reader(problems), sheets)
    catalog = builder.build()
    problems.sort(key=lambda p: (list(SHEETS).index(p.sheet) if p.sheet in SHEETS else -1,
                                 p.row, len(p.column), p.column))
    return (catalog if not problems else None), problems


def load_workbook_catalog(source: Path | bytes) -> Catalog:
    """:func:`read_workbook`, raising :class:`WorkbookError` when anything is wrong."""
    catalog, problems = read_workbook(source)
    if catalog is None:
        raise WorkbookError(problems or [Problem("文件", 0, "", "工作簿里没有事项")])
    return catalog


Where = dict[Loc, tuple[str, int, str]]


def _rule_names(pro: Any) -> set[str]:
    """The names a ``proactive`` rule and due-by use (parameters among them)."""
    from forms.expr import RuleError, names_in, parse

    out: set[str] = set()
    for text in (pro.get("rule"), pro.get("due")) if isinstance(pro, dict) else ():
        try:
            out |= names_in(parse(text)) if isinstance(text, str) else set()
        except RuleError:
            pass  # reported with the rule
    return out


class _Builder:
    """Rows → raw item data (with where each part came from) → checked items."""

    def __init__(self, reader: _Reader, sheets: dict[str, list[_Row]]) -> None:
        self.r = reader
        self.sheets = sheets
        self.raws: dict[str, dict[str, Any]] = {}
        self.where: dict[str, Where] = {}
        self.reported: dict[str, set[Loc]] = {}
        self.item_rows: dict[str, _Row] = {}
        self.proactive_rows: dict[str, _Row] = {}

    # a cell whose problem is already reported: the checker does not repeat it
    def _skip(self, code: str, loc: Loc) -> None:
        self.reported.setdefault(code, set()).add(loc)

    def _read(self, code: str, loc: Loc, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except _Unreadable:
            self._skip(code, loc)
            return None

    def _owner(self, row: _Row, col: str = "item") -> str | None:
        code = self.r.text(row, col)
        if code is None:
            self.r.bad(row, col, f"{column_words(col)}必须填写（items 表中的事项代码）")
            return None
        if code not in self.raws:
            self.r.bad(row, col, f"事项 '{code}' 不在 items 表中")
            return None
        return code

    def build(self) -> Catalog | None:
        version = ""
        for row in self.sheets.get("catalog", []):
            if self.r.text(row, "setting") == "version":
                version = self.r.text(row, "value") or ""
            else:
                self.r.bad(row, "setting", f"设置项 '{self.r.text(row, 'setting')}' 不认识，可选：version")
        for row in self.sheets.get("items", []):
            self._item(row)
        choice_lists = self._choices()
        self._fields(choice_lists)
        for row in self.sheets.get("materials", []):
            self._material(row)
        for row in self.sheets.get("bundles", []):
            self._bundle(row)
        for row in self.sheets.get("checks", []):
            self._check(row)
        for row in self.sheets.get("examples", []):
            self._example(row)
        for row in self.sheets.get("proactive", []):
            self._proactive(row)
        params = self._params()
        used: set[str] = set()
        items: list[Item] = []
        for code, raw in self.raws.items():
            where = self.where[code]
            reported = self.reported.get(code, set())

            def known(loc: Loc, reported: set[Loc] = reported) -> bool:
                return any(loc[:n] in reported for n in range(len(loc) + 1))

            used |= {name for _loc, name, _how in references(raw)}
            used |= _rule_names(raw.get("proactive"))  # issue 18: rules name parameters
            item, found = check_item(raw, known, params)
            for loc, words in found:
                sheet, number, col = _locate(where, loc)
                self.r.problems.append(Problem(sheet, number, col, words))
            if item is not None:
                items.append(item)
        if not self.raws and "items" in self.sheets:
            self.r.problems.append(Problem("items", 0, "", "items 表里没有事项"))
        self._check_proactive(items, params)
        for name, row in self.param_rows.items():
            if name in params and name not in used and name not in DESK_PARAMS:
                self.r.bad(row, "name", f"本地参数 {name} 没有被任何事项引用（在事项文字里写 "
                                        f"{{{name}}}，或在校验规则里写 {name}；不用就删掉这一行）")
        if self.r.problems:
            return None
        return Catalog(version, items, params)

    def _params(self) -> dict[str, Param]:
        """The params sheet: each row checked, problems at their cells."""
        from pydantic import ValidationError

        from forms.params import NAME, RESERVED

        out: dict[str, Param] = {}
        self.param_rows: dict[str, _Row] = {}
        r = self.r
        for row in self.sheets.get("params", []):
            name = r.text(row, "name")
            if name is None:
                r.bad(row, "name", "参数名必须填写（小写英文字母、数字和下划线，如 gljt_min_age）")
                continue
            if not NAME.match(name) or name in RESERVED:
                why = "是规则里的保留词" if name in RESERVED else \
                    "只能用小写英文字母、数字和下划线，以字母开头"
                r.bad(row, "name", f"参数名 '{name}' 不能用（{why}）")
                continue
            if name in self.param_rows:
                r.bad(row, "name", f"参数名 {name} 重复（第 {self.param_rows[name].number} 行已有）")
                continue
            self.param_rows[name] = row
            try:
                kind = r.coded(row, "type")
            except _Unreadable:
                continue
            value = row.values.get("value")
            if value is None:
                r.bad(row, "value", f"参数 {name} 的值必须填写")
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if hasattr(value, "date") and not isinstance(value, date):
                value = value.date()  # a date cell
            if kind == "list" or (kind is None and isinstance(value, str) and "\n" in value):
                value = r.lines(row, "value")
                kind = "list"
            body: dict[str, Any] = {"value": value, "type": kind,
                                    "unit": r.text(row, "unit") or "",
                                    "description": r.text(row, "description") or ""}
            for col in row.values:
                base, sep, lang = col.partition("::")
                if sep:
                    words = body.setdefault("translations", {}).setdefault(lang, {})
                    words[base] = (r.lines(row, col) if base == "value" and kind == "list"
                                   else r.text(row, col))
            try:
                out[name] = Param.model_validate(body)
            except ValidationError as exc:
                msg = str(exc.errors()[0].get("msg", "")).removeprefix("Value error, ")
                words_of = {"number": "数字", "text": "文字", "list": "列表", "date": "日期"}
                r.bad(row, "value",
                      f"参数 {name} 的值 '{value}' 不是{words_of.get(kind or '', '可用的值')}"
                      f"（{msg}）")
                continue
            problem = desk_param_problem(name, out[name])  # issue 23: a desk parameter
            if problem is not None:
                del out[name]
                r.bad(row, "value", problem)
        return out

    def _item(self, row: _Row) -> None:
        r = self.r
        code = r.text(row, "code")
        if code is None:
            r.bad(row, "code", "事项代码必须填写")
            return
        if code in self.raws:
            r.bad(row, "code", f"事项代码 {code} 重复（第 {self.item_rows[code].number} 行已有）")
            return
        self.item_rows[code] = row
        raw: dict[str, Any] = {"code": code}
        where: Where = {(): row.at("code"), ("code",): row.at("code")}
        self.raws[code], self.where[code] = raw, where
        simple = {"name": r.text, "department": r.text, "fee": r.text,
                  "legal_basis": r.text, "promised_days": r.integer, "defer_days": r.integer,
                  "proxy_allowed": r.boolean, "eligibility": r.lines, "keywords": r.lines,
                  "kind": r.coded}
        for col, read in simple.items():
            where[(col,)] = row.at(col)
            value = self._read(code, (col,), partial(read, row, col))
            if value is not None:
                raw[col] = value
        notice: dict[str, Any] = {}
        where[("notice",)] = row.at("notice_conditions")
        for part in NOTICE_PARTS:
            col = f"notice_{part}"
            where[("notice", part)] = row.at(col)
            value = r.lines(row, col) if part in ("conditions", "steps", "tips") \
                else r.text(row, col)
            if value is not None:
                notice[part] = value
        raw["notice"] = notice
        once = self._read(code, ("once",), lambda: r.coded(row, "once"))
        exceptions = r.lines(row, "once_exceptions")
        where[("once",)] = where[("once", "rule")] = row.at("once")
        where[("once", "exceptions")] = row.at("once_exceptions")
        if once is not None:
            raw["once"] = {"rule": once, "exceptions": exceptions or []}
        elif exceptions and ("once",) not in self.reported.get(code, set()):
            r.bad(row, "once_exceptions", "填了次数限制例外，但没有填申请次数限制")
        for col in row.values:
            base, sep, lang = col.partition("::")
            if not sep:
                continue
            words = self._translation(raw, lang)
            where[("translations", lang)] = row.at(col)
            value = r.lines(row, col) if base in LINES_COLS else r.text(row, col)
            if base.startswith("notice_"):  # the notice's body: translations.en.notice.steps
                part = base.removeprefix("notice_")
                where[("translations", lang, "notice", part)] = row.at(col)
                where.setdefault(("translations", lang, "notice"), row.at(col))
                if value is not None:
                    words.setdefault("notice", {})[part] = value
            else:
                where[("translations", lang, base)] = row.at(col)
                if value is not None or base in ("name", "department"):
                    words[base] = value

    def _translation(self, raw: dict[str, Any], lang: str) -> dict[str, Any]:
        return raw.setdefault("translations", {}).setdefault(lang, {})  # type: ignore[no-any-return]

    def _choices(self) -> dict[tuple[str, str], list[Any]]:
        lists: dict[tuple[str, str], list[Any]] = {}
        for row in self.sheets.get("choices", []):
            code = self._owner(row)
            name = self.r.text(row, "list")
            value = self.r.text(row, "value")
            if code is None:
                continue
            if name is None:
                self.r.bad(row, "list", "选项列表名必须填写")
                continue
            if value is None:
                self.r.bad(row, "value", "选项必须填写")
                continue
            lists.setdefault((code, name), []).append(value)
        return lists

    def _field_data(self, code: str, row: _Row, loc: Loc, where: Where,
                    lists: dict[tuple[str, str], list[Any]]) -> dict[str, Any]:
        r = self.r
        data: dict[str, Any] = {}
        where[loc] = row.at("key")
        for col in FIELD_COLS[2:]:
            where[(*loc, col)] = row.at(col)
            if col in INT_COLS:
                value = self._read(code, (*loc, col), partial(r.integer, row, col))
            elif col in ("min", "max"):
                value = self._read(code, (*loc, col), partial(r.number, row, col))
            elif col in BOOL_COLS:
                value = self._read(code, (*loc, col), partial(r.boolean, row, col))
            elif col in ("show_if", "required_if"):
                value = self._read(code, (*loc, col), partial(r.condition, row, col))
            elif col == "choices":
                name = r.text(row, col)
                value = None
                if name is not None:
                    value = lists.get((code, name))
                    if value is None:
                        r.bad(row, col, f"选项列表 '{name}' 在 choices 表中找不到（item 为 {code}）")
                        self._skip(code, (*loc, col))
                        self._skip(code, loc)
            elif col in ("pattern", "help", "placeholder", "pattern_message"):
                v = row.values.get(col)
                value = None if v is None else str(v)
            else:
                value = r.text(row, col)
            if value is not None:
                data[col] = value
        return data

    def _fields(self, lists: dict[tuple[str, str], list[Any]]) -> None:
        subs: list[tuple[str, _Row]] = []
        tops: dict[str, dict[str, tuple[int, dict[str, Any]]]] = {}
        for row in self.sheets.get("fields", []):
            code = self._owner(row)
            if code is None:
                continue
            if self.r.text(row, "group") is not None:
                subs.append((code, row))
                continue
            raw, where = self.raws[code], self.where[code]
            fields = raw.setdefault("fields", [])
            loc: Loc = ("fields", len(fields))
            data = self._field_data(code, row, loc, where, lists)
            fields.append(data)
            key = data.get("key")
            if isinstance(key, str):
                tops.setdefault(code, {}).setdefault(key, (len(fields) - 1, data))
            for col in row.values:
                _base, sep, lang = col.partition("::")
                if sep and key:
                    self._translation(raw, lang).setdefault("fields", {})[key] = \
                        self.r.text(row, col)
                    where[("translations", lang, "fields", str(key))] = row.at(col)
                    where[("translations", lang, "fields")] = row.at(col)
        for code, row in subs:
            group = self.r.text(row, "group") or ""
            parent = tops.get(code, {}).get(group)
            if parent is None or parent[1].get("type") != "group":
                self.r.bad(row, "group", f"分组 '{group}' 不存在（须是事项 {code} 中类型为 group 的字段的 key）")
                continue
            index, pdata = parent
            sub = pdata.setdefault("fields", [])
            loc = ("fields", index, "fields", len(sub))
            sub.append(self._field_data(code, row, loc, self.where[code], lists))
            for col in row.values:
                if "::" in col:
                    self.r.bad(row, col, "分组里的子字段暂不能翻译，请把这格留空")

    def _material(self, row: _Row) -> None:
        code = self._owner(row)
        if code is None:
            return
        r = self.r
        raw, where = self.raws[code], self.where[code]
        mats = raw.setdefault("materials", [])
        loc: Loc = ("materials", len(mats))
        where[loc] = row.at("name")
        data: dict[str, Any] = {}
        readers: dict[str, Callable[[_Row, str], Any]] = {
            "name": r.text, "required": r.boolean, "form": r.coded, "count": r.integer,
            "deferrable": r.boolean, "note": r.text, "show_if": r.condition,
            "source": r.text, "source_department": r.text, "valid_months": r.integer}
        for col, read in readers.items():
            where[(*loc, col)] = row.at(col)
            value = self._read(code, (*loc, col), partial(read, row, col))
            if value is not None:
                data[col] = value
        mats.append(data)
        for col in row.values:
            _base, sep, lang = col.partition("::")
            if sep and data.get("name"):
                self._translation(raw, lang).setdefault("materials", {})[data["name"]] = \
                    r.text(row, col)
                where[("translations", lang, "materials")] = row.at(col)

    def _check_proactive(self, items: list[Item], params: dict[str, Param]) -> None:
        """Each item's rule against the parameters, at its cell (issue 18)."""
        from forms.params import values
        from forms.proactive import rule_problems

        for it in items:
            row = self.proactive_rows.get(it.code)
            if it.proactive is None or row is None:
                continue
            for what, words in rule_problems(it.proactive.rule, it.proactive.due,
                                             values(params)):
                self.r.bad(row, what, words)

    def _proactive(self, row: _Row) -> None:
        """A ``proactive`` row (issue 18): the item's rule, reason, due-by, repeat, 免申 and
        prefill (``field=roster datum`` per line)."""
        code = self._owner(row)
        if code is None:
            return
        raw, where = self.raws[code], self.where[code]
        if "proactive" in raw:
            self.r.bad(row, "item", f"事项 {code} 已有一行主动服务规则")
            return
        pro: dict[str, Any] = {}
        for col in ("rule", "reason", "due"):
            value = self.r.text(row, col)
            if value is not None:
                pro[col] = value
        repeat = self._read(code, ("proactive", "repeat"), lambda: self.r.coded(row, "repeat"))
        if repeat is not None:
            pro["repeat"] = repeat
        sign = self._read(code, ("proactive", "no_signature"),
                          lambda: self.r.boolean(row, "no_signature"))
        if sign is not None:
            pro["no_signature"] = sign
        prefill: dict[str, str] = {}
        for line in self.r.lines(row, "prefill") or []:
            key, eq, datum = (p.strip() for p in line.partition("="))
            if not eq or not key or not datum:
                self.r.bad(row, "prefill", f"“{line}”应写成 字段key=花名册数据，如 "
                                           "applicant_name=name")
                self._skip(code, ("proactive", "prefill"))
                continue
            prefill[key] = datum
        if prefill:
            pro["prefill"] = prefill
        raw["proactive"] = pro
        where[("proactive",)] = row.at("item")
        for col in ("rule", "reason", "due", "repeat", "no_signature", "prefill"):
            where[("proactive", col)] = row.at(col)
        self.proactive_rows[code] = row

    def _bundle(self, row: _Row) -> None:
        code = self._owner(row, "bundle")
        if code is None:
            return
        member = self.r.text(row, "member")
        if member is None:
            self.r.bad(row, "member", "成员事项必须填写（事项代码）")
            return
        if member not in self.raws:
            self.r.bad(row, "member", f"成员事项 '{member}' 不在 items 表中")
            self._skip(code, ("bundle",))
            return
        raw, where = self.raws[code], self.where[code]
        members = raw.setdefault("bundle", [])
        where.setdefault(("bundle",), row.at("member"))
        if member in members:
            self.r.bad(row, "member", f"成员事项 {member} 重复")
            return
        members.append(member)
        for service in self.r.lines(row, "services") or []:
            mapping = raw.setdefault("bundle_services", {})
            where.setdefault(("bundle_services",), row.at("services"))
            if service in mapping:
                self.r.bad(row, "services", f"服务“{service}”已对应 {mapping[service]}")
                self._skip(code, ("bundle_services",))
            mapping[service] = member

    def _check(self, row: _Row) -> None:
        code = self._owner(row)
        if code is None:
            return
        r = self.r
        raw, where = self.raws[code], self.where[code]
        checks = raw.setdefault("checks", [])
        loc: Loc = ("checks", len(checks))
        where[loc] = row.at("rule")
        data: dict[str, Any] = {}
        readers: dict[str, Callable[[_Row, str], Any]] = {
            "rule": r.text, "field": r.text, "fields": r.lines, "op": r.text,
            "other": r.text, "min": r.bound, "max": r.bound, "level": r.coded,
            "message": r.text, "when": r.condition, "expr": r.text,
            "value": lambda row, col: _typed_in(row.values.get(col))}
        for col, read in readers.items():
            where[(*loc, col)] = row.at(col)
            value = self._read(code, (*loc, col), partial(read, row, col))
            if value is not None:
                data[col] = value
        checks.append(data)

    def _example(self, row: _Row) -> None:
        code = self._owner(row)
        if code is None:
            return
        key = self.r.text(row, "key")
        if key is None:
            self.r.bad(row, "key", "示例的 key 必须填写（字段 key 或 materials）")
            return
        raw, where = self.raws[code], self.where[code]
        example = raw.setdefault("example", {})
        where.setdefault(("example",), row.at("key"))
        if key in example:
            self.r.bad(row, "key", f"示例的 key {key} 重复")
            return
        example[key] = _typed_in(row.values.get("value"))
        where[("example", key)] = row.at("value")


def _locate(where: Where, loc: Loc) -> tuple[str, int, str]:
    """The cell a location in an item came from: the longest known prefix."""
    for n in range(len(loc), -1, -1):
        found = where.get(loc[:n])
        if found is not None:
            return found
    return where[()]


def catalog_equal(a: Catalog, b: Catalog) -> bool:
    """Same version and the same items in the same order (model equality)."""
    return a.version == b.version and a.items == b.items


def catalog_of_items(version: str, items: list[Item]) -> Catalog:
    """A catalog from items (convenience for tests and the console)."""
    return Catalog(version, items)


__all__ = ["Material", "Problem", "WorkbookError", "catalog_equal", "load_workbook_catalog",
           "read_workbook", "template_catalog", "write_workbook"]
