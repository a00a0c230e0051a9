"""Validation messages in the UI's language (issue 14, item 14).

The form engine (``forms.engine``) gives each problem a Chinese message, and — for the
messages it builds itself — the Chinese template and its parameters. The desk translates
the template through Qt (``resources/translations/doorstep_en.ts``) and fills in the
parameters; field labels and choices come from the catalog and stay as the catalog has
them. A message without a template (or with no translation) is shown as it is, in Chinese.
"""

from __future__ import annotations

from desk.ui.catalog_text import label_for
from desk.ui.text import tr
from forms.engine import Problem
from forms.model import Item


def problem_text(problem: Problem, item: Item | None = None) -> str:
    """``problem``'s message in the UI's language; with ``item``, its field label as the
    catalog translates it (else the catalog's Chinese)."""
    if item is None or not problem.template:
        return problem.text(tr)
    params = tuple((k, label_for(item, v) if k == "label" else v) for k, v in problem.params)
    return Problem(problem.field, problem.rule, problem.message, problem.level,
                   problem.template, params).text(tr)


def known_templates() -> list[str]:
    """The engine's templates, each through ``tr`` so that lupdate finds them (a test
    keeps this list equal to what the engine can say)."""
    return [
        tr("{label}：必须填写"), tr("{label}：至少填写{n}项"),
        tr("{label}：日期格式应为 YYYY-MM-DD，例如 2026-11-21"), tr("{label}：不是有效日期"),
        tr("{label}：应填写数字"), tr("{label}：应填写文字"), tr("{label}：至少填写{n}个字"),
        tr("{label}：最多填写{n}个字"), tr("{label}：格式不正确"),
        tr("{label}：姓名应为2至40个汉字或字母（少数民族姓名可用“·”分隔）"),
        tr("{label}：身份证号码应填写为文字"), tr("{label}：电话号码应填写为文字"),
        tr("{label}：统一社会信用代码应填写为文字"),
        tr("{label}：银行账号（或社保卡号）应为12至19位数字"), tr("{label}：不能晚于今天"),
        tr("{label}：不能早于今天"), tr("{label}：应填写整数"), tr("{label}：金额最多保留两位小数"),
        tr("{label}：不能小于{n}{unit}"), tr("{label}：不能大于{n}{unit}"),
        tr("{label}：请从以下选项中选择：{choices}"), tr("{label}：至少选择{n}项"),
        tr("{label}：最多选择{n}项"), tr("{label}：请选择“是”或“否”"),
        tr("{label}：地址应分项填写：小区、楼栋、单元、房号"), tr("{label}：地址格式不正确"),
        tr("{label}：地址只含小区、楼栋、单元、房号"), tr("{label}：地址缺少{parts}"),
    ]
