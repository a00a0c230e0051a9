"""An item's form as HTML, from the catalog model (issue 16: the console's preview before
publishing shows each changed item as the desk will show it).

:func:`form_html` renders the fields in the desk's order (the item's own, then the standard
代办 fields when proxies are allowed — :func:`forms.engine.all_fields`), each with its
label, a required mark (``*``; ``*`` with the condition for ``required_if``), its kind of
input (choices listed, a date, the address's four parts, a repeat group's sub-fields), help
text and the condition under which it shows; the eligibility warnings (checks at level
``warning``) and blocking checks; and the materials with their form, count, and ★ for
容缺 (may be brought later). Every text is HTML-escaped. Items passed here are resolved
(:attr:`forms.catalog.Catalog.items`): parameter values, not references.
"""

from __future__ import annotations

from html import escape
from typing import Any

from forms.engine import all_fields, all_materials
from forms.model import Condition, FieldDef, Item

TYPE_WORDS: dict[str, str] = {
    "text": "文字", "textarea": "多行文字", "name": "姓名", "id_number": "身份证号",
    "phone": "电话（手机或座机）", "mobile": "手机号", "date": "日期", "number": "数字",
    "money": "金额（元）", "choice": "单选", "multi_choice": "多选", "yes_no": "是/否",
    "address": "地址（小区、楼栋、单元、房号）", "credit_code": "统一社会信用代码",
    "bank_account": "银行账号", "group": "多行填写",
}


def _word(v: Any) -> str:
    return "是" if v is True else "否" if v is False else str(v)


def condition_words(item: Item, cond: Condition, scope: list[FieldDef] | None = None) -> str:
    """A condition in words: ``发放方式为“本人银行账户”时``."""
    labels = {f.key: f.label for f in [*(scope or []), *all_fields(item)]}
    label = labels.get(cond.field, cond.field)
    if cond.equals is not None:
        return f"{label}为“{_word(cond.equals)}”时"
    if cond.not_equals is not None:
        return f"{label}不为“{_word(cond.not_equals)}”时"
    if cond.in_ is not None:
        return f"{label}为“{'/'.join(_word(v) for v in cond.in_)}”时"
    return f"填写了{label}时" if cond.not_empty else f"未填{label}时"


def _input(f: FieldDef) -> str:
    e = escape
    if f.type in ("choice", "multi_choice"):
        mark = "○" if f.type == "choice" else "□"
        return '<span class="choices">' + "".join(
            f'<span class="choice">{mark} {e(c)}</span>' for c in f.choices or []) + "</span>"
    if f.type == "yes_no":
        return '<span class="choices"><span class="choice">○ 是</span>' \
               '<span class="choice">○ 否</span></span>'
    if f.type == "address":
        return '<span class="address">' + "".join(
            f'<span class="box">{p}</span>' for p in ("小区", "楼栋", "单元", "房号")) + "</span>"
    hint = f.placeholder or TYPE_WORDS[f.type]
    if f.type in ("number", "money") and (f.min is not None or f.max is not None):
        lo = "" if f.min is None else _num(f.min)
        hi = "" if f.max is None else _num(f.max)
        hint += f"，{lo}—{hi}{f.unit}"
    elif f.unit:
        hint += f"（{f.unit}）"
    cls = "box wide" if f.type == "textarea" else "box"
    return f'<span class="{cls}">{e(hint)}</span>'


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _field(item: Item, f: FieldDef, scope: list[FieldDef] | None = None) -> str:
    e = escape
    req = ""
    if f.required:
        req = '<span class="req" title="必填">*</span>'
    elif f.required_if is not None:
        req = (f'<span class="req" title="条件必填">*</span><span class="when">'
               f'（{e(condition_words(item, f.required_if, scope))}必填）</span>')
    shows = "" if f.show_if is None else \
        f'<div class="when">仅{e(condition_words(item, f.show_if, scope))}显示</div>'
    help_ = f'<div class="help">{e(f.help)}</div>' if f.help else ""
    # the input already shows its kind, except a list of choices (one or several?)
    kind = f'<span class="type">{e(TYPE_WORDS[f.type])}</span>' \
        if f.type in ("choice", "multi_choice") else ""
    if f.type == "group":
        subs = "".join(_field(item, s, f.fields) for s in f.fields or [])
        rows = f"至少{f.min_items}行" if f.min_items else ""
        rows += (f"，最多{f.max_items}行" if rows else f"最多{f.max_items}行") \
            if f.max_items else ""
        return (f'<fieldset class="group" data-key="{e(f.key)}"><legend>{e(f.label)}{req}'
                f'<span class="type">（{e(f.item_label or "每行")}：多行填写'
                f'{"，" + rows if rows else ""}）</span></legend>{shows}{help_}{subs}</fieldset>')
    return (f'<div class="field" data-key="{e(f.key)}" data-type="{e(f.type)}">'
            f'<label>{e(f.label)}{req}</label> {_input(f)}{kind}{shows}{help_}</div>')


def form_html(item: Item) -> str:
    """The item's form, its checks and materials, as an HTML fragment."""
    e = escape
    out = [f'<div class="form-preview" data-code="{e(item.code)}">',
           f'<h4>{e(item.name)} <span class="mono">{e(item.code)}</span></h4>',
           f'<p class="meta">{e(item.department)} · '
           + ("即办件" if item.kind == "on_the_spot" else f"承诺件 {item.promised_days} 个工作日")
           + f" · {e(item.fee)}</p>", '<div class="fields">']
    out += [_field(item, f) for f in all_fields(item)]
    out.append("</div>")
    warnings = [c.message for c in item.checks if c.level == "warning"]
    errors = [c.message for c in item.checks if c.level == "error"]
    if warnings:
        out.append('<h5>资格提醒（不阻止受理）</h5><ul class="warnings">'
                   + "".join(f"<li>{e(m)}</li>" for m in warnings) + "</ul>")
    if errors:
        out.append('<h5>校验（不通过不能受理）</h5><ul class="checks">'
                   + "".join(f"<li>{e(m)}</li>" for m in errors) + "</ul>")
    out.append('<h5>申请材料</h5><table class="materials"><thead><tr><th>材料</th><th>形式</th>'
               "<th>份数</th><th>说明</th></tr></thead><tbody>")
    for m in all_materials(item):
        notes = []
        if m.show_if is not None:
            notes.append("代办时提供" if m.show_if.field == "is_proxy"
                         else condition_words(item, m.show_if) + "提供")
        if not m.required:
            notes.append("选交")
        elif m.deferrable:
            notes.append("★可容缺后补")
        if m.note:
            notes.append(m.note)
        cls = ' class="deferrable"' if m.deferrable and m.required else ""
        out.append(f"<tr{cls}><td>{e(m.name)}</td><td>{e(m.form_label)}</td><td>{m.count}</td>"
                   f"<td>{e('；'.join(notes))}</td></tr>")
    out.append("</tbody></table>")
    n = item.notice
    out.append('<h5>一次性告知</h5><div class="notice"><b>办理条件</b><ul>'
               + "".join(f"<li>{e(c)}</li>" for c in [*n.conditions, *item.eligibility])
               + f"</ul><b>办理时限</b> {e(n.time_limit)}</div>")
    out.append("</div>")
    return "".join(out)
