"""One field's value checked and normalised by its type (:func:`check_value`, used by
:func:`forms.engine.validate`): a checker per field type, in one table (:data:`CHECKS`),
each returning the value as saved and what it derives (an ID number's birth date, age and
sex), or raising :class:`BadValue` with the rule and a plain-language message."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from forms import ids
from forms.model import FieldDef

# the value as saved, and what it derives (None: nothing)
Checked = tuple[Any, dict[str, Any] | None]

# Han through CJK Extension H (U+323AF; Extension I, U+2EBF0-2EE5D, lies inside B-G's span)
_NAME = re.compile(r"^[\u3400-\u9fff\U00020000-\U000323af\uf900-\ufaffA-Za-z·•．.\s]{2,40}$")
_BANK = re.compile(r"^\d{12,19}$")


class BadValue(Exception):
    """A value's problem; ``message`` is a template when ``params`` are given."""

    def __init__(self, rule: str, message: str, **params: Any) -> None:
        # a message with no parameters is its own template (braces kept literal)
        self.template = message if params else message.replace("{", "{{").replace("}", "}}")
        self.params = {k: str(v) for k, v in params.items()}
        self.message = message.format(**self.params) if params else message
        super().__init__(self.message)
        self.rule = rule


def _parse_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise BadValue("date", "日期格式应为 YYYY-MM-DD，例如 2026-11-21")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadValue("date", "不是有效日期") from None


def _parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise BadValue("number", "应填写数字")
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise BadValue("number", "应填写数字") from None


def _text(f: FieldDef, value: Any, today: date) -> Checked:
    """text, textarea: stripped; length and pattern checked."""
    t = f.type
    if not isinstance(value, str):
        raise BadValue("type", "应填写文字")
    s = value.strip()
    if f.min_length is not None and len(s) < f.min_length:
        raise BadValue("length", "至少填写{n}个字", n=f.min_length)
    max_len = f.max_length or (2000 if t == "textarea" else 200)
    if len(s) > max_len:
        raise BadValue("length", "最多填写{n}个字", n=max_len)
    if f.pattern and not re.fullmatch(f.pattern, s):
        raise BadValue("pattern", f.pattern_message or "格式不正确")
    return s, None


def _name(f: FieldDef, value: Any, today: date) -> Checked:
    """a person's name: Han characters or letters, spaces collapsed."""
    if not isinstance(value, str) or not _NAME.match(value.strip()):
        raise BadValue("name", "姓名应为2至40个汉字或字母（少数民族姓名可用“·”分隔）")
    return re.sub(r"\s+", " ", value.strip()), None


def _id_number(f: FieldDef, value: Any, today: date) -> Checked:
    """an ID number: upgraded to 18 digits; birth date, age and sex derived."""
    if not isinstance(value, str):
        raise BadValue("format", "身份证号码应填写为文字")
    try:
        idn = ids.parse_id_number(value, today=today)
    except ids.IdNumberError as exc:
        raise BadValue(exc.rule, exc.message) from None
    return idn.number, {
        "birth_date": idn.birth_date.isoformat(),
        "age": idn.age_on(today),
        "sex": idn.sex,
        "upgraded_from_15": idn.upgraded_from_15,
    }


def _phone(f: FieldDef, value: Any, today: date) -> Checked:
    """phone (a landline allowed) or mobile: without +86."""
    t = f.type
    if not isinstance(value, str | int):
        raise BadValue("phone", "电话号码应填写为文字")
    problem = ids.phone_problem(str(value), allow_landline=(t == "phone"))
    if problem:
        raise BadValue("phone", problem)
    return ids.normalize_phone(str(value)), None


def _credit_code(f: FieldDef, value: Any, today: date) -> Checked:
    """统一社会信用代码: checked, upper-cased."""
    if not isinstance(value, str):
        raise BadValue("credit_code", "统一社会信用代码应填写为文字")
    problem = ids.credit_code_problem(value)
    if problem:
        raise BadValue("credit_code", problem)
    return value.strip().upper(), None


def _bank_account(f: FieldDef, value: Any, today: date) -> Checked:
    """a bank account (or social security card) number: digits only."""
    s = re.sub(r"\s", "", str(value))
    if not _BANK.match(s):
        raise BadValue("bank_account", "银行账号（或社保卡号）应为12至19位数字")
    return s, None


def _date(f: FieldDef, value: Any, today: date) -> Checked:
    """YYYY-MM-DD, not in the future / past when the field says so."""
    d = _parse_date(value)
    if f.not_future and d > today:
        raise BadValue("not_future", "不能晚于今天")
    if f.not_past and d < today:
        raise BadValue("not_past", "不能早于今天")
    return d.isoformat(), None


def _number(f: FieldDef, value: Any, today: date) -> Checked:
    """number, money: within the field's bounds; an int when whole."""
    t = f.type
    n = _parse_decimal(value)
    if not n.is_finite():
        raise BadValue("number", "应填写数字")
    if f.integer and n != n.to_integral_value():
        raise BadValue("integer", "应填写整数")
    if t == "money" and n.as_tuple().exponent < -2:  # type: ignore[operator]
        raise BadValue("money", "金额最多保留两位小数")
    low = f.min if f.min is not None else (0 if t == "money" else None)
    if low is not None and n < Decimal(str(low)):
        raise BadValue("range", "不能小于{n}{unit}", n=_fmt(low), unit=f.unit)
    if f.max is not None and n > Decimal(str(f.max)):
        raise BadValue("range", "不能大于{n}{unit}", n=_fmt(f.max), unit=f.unit)
    if f.integer or (t == "number" and n == n.to_integral_value() and "." not in str(value)):
        return int(n), None
    return float(n), None


def _choice(f: FieldDef, value: Any, today: date) -> Checked:
    """one of the field's choices."""
    if value not in (f.choices or []):
        raise BadValue("choice", "请从以下选项中选择：{choices}",
                   choices="、".join(f.choices or []))
    return value, None


def _multi_choice(f: FieldDef, value: Any, today: date) -> Checked:
    """some of the field's choices, each once."""
    if not isinstance(value, list) or any(v not in (f.choices or []) for v in value):
        raise BadValue("choice", "请从以下选项中选择：{choices}",
                   choices="、".join(f.choices or []))
    chosen = list(dict.fromkeys(value))
    if f.min_selected is not None and len(chosen) < f.min_selected:
        raise BadValue("selected", "至少选择{n}项", n=f.min_selected)
    if f.max_selected is not None and len(chosen) > f.max_selected:
        raise BadValue("selected", "最多选择{n}项", n=f.max_selected)
    return chosen, None


def _yes_no(f: FieldDef, value: Any, today: date) -> Checked:
    """True or False (是/否 and their spellings)."""
    if isinstance(value, bool):
        return value, None
    if value in ("是", "yes", "true", 1):
        return True, None
    if value in ("否", "no", "false", 0):
        return False, None
    raise BadValue("yes_no", "请选择“是”或“否”")


def _address(f: FieldDef, value: Any, today: date) -> Checked:
    """an address in its parts (小区、楼栋、单元、房号)."""
    if isinstance(value, str):
        raise BadValue("address", "地址应分项填写：小区、楼栋、单元、房号")
    if not isinstance(value, dict):
        raise BadValue("address", "地址格式不正确")
    unknown = set(value) - {"compound", "building", "unit", "room"}
    if unknown:
        raise BadValue("address", "地址只含小区、楼栋、单元、房号")
    clean = {k: str(value.get(k, "") or "").strip() for k in ("compound", "building",
                                                              "unit", "room")}
    missing = [lab for k, lab in (("compound", "小区"), ("building", "楼栋"), ("room", "房号"))
               if not clean[k]]
    if missing:
        raise BadValue("address", "地址缺少{parts}", parts="、".join(missing))
    return clean, None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


CHECKS: dict[str, Callable[[FieldDef, Any, date], Checked]] = {
    "text": _text,
    "textarea": _text,
    "name": _name,
    "id_number": _id_number,
    "phone": _phone,
    "mobile": _phone,
    "credit_code": _credit_code,
    "bank_account": _bank_account,
    "date": _date,
    "number": _number,
    "money": _number,
    "choice": _choice,
    "multi_choice": _multi_choice,
    "yes_no": _yes_no,
    "address": _address,
}


def check_value(f: FieldDef, value: Any, today: date) -> Checked:
    """Normalise one non-empty value, or raise BadValue. Returns (value, derived)."""
    check = CHECKS.get(f.type)
    if check is None:
        raise BadValue("type", f"未知字段类型 {f.type}")  # pragma: no cover - schema forbids it
    return check(f, value, today)
