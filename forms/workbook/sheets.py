"""The workbook's layout (:mod:`forms.workbook`): its sheets and columns, the words for
coded values and columns, and how one cell's text stands for a value (lists, conditions,
typed values); :class:`Problem`, one thing wrong in a workbook.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from forms.checker import WORDS
from forms.model import Condition

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
YES_WORDS = {"是", "true", "yes", "y", "1", "对", "√"}
NO_WORDS = {"否", "false", "no", "n", "0", "不", "×"}

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


def column_letter(index: int) -> str:
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


def typed_out(value: Any) -> Any:
    """A value of any JSON type for a typed cell (examples, a check's value)."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("{", "[", '"'):
        return json.dumps(value, ensure_ascii=False)
    return value


def typed_in(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "[", '"'):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
