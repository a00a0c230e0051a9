"""The form preview HTML (issue 16): an item as the desk will show it, from the model."""

from __future__ import annotations

import re

from forms.catalog import load_catalog
from forms.preview import form_html


def test_every_shipped_item_renders_its_fields_materials_and_marks() -> None:
    cat = load_catalog()
    for item in cat.items:
        html = form_html(item)
        assert html.count('class="field"') + html.count('class="group"') >= len(item.fields)
        for f in item.fields:
            assert f'data-key="{f.key}"' in html, (item.code, f.key)
        assert html.count("<tr") == len(item.materials) + (2 if item.proxy_allowed else 0) + 1
        assert not re.search(r"\{[a-z][a-z0-9_]*\}", html), item.code  # values shown


def test_the_elder_allowance_preview() -> None:
    html = form_html(load_catalog().get("MZ-GLJT"))
    assert '<label>老人姓名<span class="req" title="必填">*</span></label>' in html
    assert "○ 社保卡" in html and "○ 本人银行账户" in html
    assert "（发放方式为“本人银行账户”时必填）" in html and "仅发放方式为“本人银行账户”时显示" in html
    assert "★可容缺后补；可在社区现场拍照" in html
    assert "老人未满80周岁" in html and "年满80周岁" in html and "{gljt_min_age}" not in html
    assert "代办时提供" in html  # the standard proxy materials, as the desk adds them


def test_texts_are_escaped() -> None:
    item = load_catalog().get("MZ-GLJT")
    raw = item.model_dump(mode="json", by_alias=True, exclude_none=True)
    raw["fields"][0]["label"] = "<script>x</script>"
    raw["materials"][0]["note"] = "a & b"
    html = form_html(type(item).model_validate(raw))
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "a &amp; b" in html


def test_the_notice_says_a_condition_as_the_preview_does() -> None:
    """The one-time notice's material note and the preview word a condition alike — the
    notice had its own copy, which read ``not_empty: false`` as 填写了…时 (the opposite)."""
    from forms.preview import condition_words
    from forms.printing.notice import _material_note

    item = load_catalog().get("MZ-GLJT")
    raw = item.model_dump(mode="json", by_alias=True, exclude_none=True)
    key, label = raw["fields"][0]["key"], raw["fields"][0]["label"]
    raw["materials"][0]["show_if"] = {"field": key, "not_empty": False}
    raw["materials"][1]["show_if"] = {"field": key, "not_empty": True}
    changed = type(item).model_validate(raw)
    empty, filled = changed.materials[0], changed.materials[1]
    assert _material_note(changed, empty).startswith(f"未填{label}时提供")
    assert _material_note(changed, filled).startswith(f"填写了{label}时提供")
    assert condition_words(changed, empty.show_if) == f"未填{label}时"
