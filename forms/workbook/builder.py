"""From a workbook's rows to checked items: each sheet's rows gathered into an item's raw data
(remembering the cell each part came from), then checked by :func:`forms.checker.check_item`
with every problem located at its cell.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from forms.catalog import Catalog
from forms.checker import Loc, check_item
from forms.model import Item
from forms.params import DESK_PARAMS, Param, desk_param_problem, references
from forms.workbook.cells import CellReader, Row, Unreadable
from forms.workbook.sheets import (
    BOOL_COLS,
    FIELD_COLS,
    INT_COLS,
    LINES_COLS,
    NOTICE_PARTS,
    Problem,
    column_words,
    typed_in,
)

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


class Builder:
    """Rows → raw item data (with where each part came from) → checked items."""

    def __init__(self, reader: CellReader, sheets: dict[str, list[Row]]) -> None:
        self.r = reader
        self.sheets = sheets
        self.raws: dict[str, dict[str, Any]] = {}
        self.where: dict[str, Where] = {}
        self.reported: dict[str, set[Loc]] = {}
        self.item_rows: dict[str, Row] = {}
        self.proactive_rows: dict[str, Row] = {}

    # a cell whose problem is already reported: the checker does not repeat it
    def _skip(self, code: str, loc: Loc) -> None:
        self.reported.setdefault(code, set()).add(loc)

    def _read(self, code: str, loc: Loc, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Unreadable:
            self._skip(code, loc)
            return None

    def _owner(self, row: Row, col: str = "item") -> str | None:
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
        self.param_rows: dict[str, Row] = {}
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
            except Unreadable:
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

    def _item(self, row: Row) -> None:
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

    def _field_data(self, code: str, row: Row, loc: Loc, where: Where,
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
        subs: list[tuple[str, Row]] = []
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

    def _material(self, row: Row) -> None:
        code = self._owner(row)
        if code is None:
            return
        r = self.r
        raw, where = self.raws[code], self.where[code]
        mats = raw.setdefault("materials", [])
        loc: Loc = ("materials", len(mats))
        where[loc] = row.at("name")
        data: dict[str, Any] = {}
        readers: dict[str, Callable[[Row, str], Any]] = {
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

    def _proactive(self, row: Row) -> None:
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

    def _bundle(self, row: Row) -> None:
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

    def _check(self, row: Row) -> None:
        code = self._owner(row)
        if code is None:
            return
        r = self.r
        raw, where = self.raws[code], self.where[code]
        checks = raw.setdefault("checks", [])
        loc: Loc = ("checks", len(checks))
        where[loc] = row.at("rule")
        data: dict[str, Any] = {}
        readers: dict[str, Callable[[Row, str], Any]] = {
            "rule": r.text, "field": r.text, "fields": r.lines, "op": r.text,
            "other": r.text, "min": r.bound, "max": r.bound, "level": r.coded,
            "message": r.text, "when": r.condition, "expr": r.text,
            "value": lambda row, col: typed_in(row.values.get(col))}
        for col, read in readers.items():
            where[(*loc, col)] = row.at(col)
            value = self._read(code, (*loc, col), partial(read, row, col))
            if value is not None:
                data[col] = value
        checks.append(data)

    def _example(self, row: Row) -> None:
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
        example[key] = typed_in(row.values.get("value"))
        where[("example", key)] = row.at("value")


def _locate(where: Where, loc: Loc) -> tuple[str, int, str]:
    """The cell a location in an item came from: the longest known prefix."""
    for n in range(len(loc), -1, -1):
        found = where.get(loc[:n])
        if found is not None:
            return found
    return where[()]
