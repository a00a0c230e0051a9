"""Writing a catalog as a workbook (:func:`write_workbook`): one row per thing on each sheet,
the instructions sheet, and the console's blank template.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from forms.catalog import Catalog
from forms.model import Check, FieldDef, Item
from forms.params import Param
from forms.workbook.sheets import (
    ALIASES,
    BOOL_COLS,
    CONDITION_HELP,
    FIELD_COLS,
    INSTRUCTIONS_SHEET,
    NOTICE_PARTS,
    SHEETS,
    TRANSLATED,
    condition_text,
    typed_out,
)


def _lines(values: list[str]) -> str:
    return "\n".join(values)


def _yes(value: bool) -> str:
    return "是" if value else "否"


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
            out["examples"].append({"item": it.code, "key": key, "value": typed_out(value)})
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
            "other": c.other, "value": typed_out(c.value) if c.value is not None else None,
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
