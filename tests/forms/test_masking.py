"""Masking is a property of the field definition (issue 13): FieldDef.masked says whether
a value is masked, FieldDef.show how; the case page asks the field, not the value's
length."""

from __future__ import annotations

import pytest

from forms.catalog import load_catalog
from forms.model import MASKED_TYPES, FieldDef


@pytest.mark.parametrize(("ftype", "sensitive", "value", "shown"), [
    ("id_number", False, "420105196203150038", "420105********0038"),
    ("phone", False, "13800138000", "138****8000"),
    ("mobile", False, "13800138000", "138****8000"),
    ("bank_account", False, "6222020200112233445", "622202*********3445"),
    ("text", True, "武汉市汉阳区琴台大道1号", "武汉市汉阳区**大道1号"),
    ("text", False, "420105196203150038", "420105196203150038"),  # not personal by definition
])
def test_the_field_decides(ftype: str, sensitive: bool, value: str, shown: str) -> None:
    f = FieldDef(key="x", label="x", type=ftype, sensitive=sensitive)  # type: ignore[arg-type]
    assert f.masked is (sensitive or ftype in MASKED_TYPES)
    assert f.show(value) == shown


def test_an_18_character_phone_is_masked_as_a_phone() -> None:
    """The old case page masked any 18-character value as an ID number."""
    from desk.ui.case_html import show_value

    f = FieldDef(key="tel", label="电话", type="phone")
    assert show_value(f, "+86 13800138000 12") == "138******0012"  # not "+86 13****…"
    assert show_value(f, "+86 13800138000 12", reveal=True) == "+86 13800138000 12"


def test_every_shipped_personal_number_field_is_masked() -> None:
    for item in load_catalog().items:
        for f in item.fields:
            for sub in f.fields or [f]:
                if sub.type in ("id_number", "phone", "mobile", "bank_account"):
                    assert sub.masked, (item.code, sub.key)
