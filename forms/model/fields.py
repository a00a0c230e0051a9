"""A form's fields as the catalog defines them: :class:`FieldDef` (its type, bounds,
choices, conditions, the ID card datum it takes), :class:`Condition` (show or require a
field when another has a value) and :class:`Check` (a cross-field check or eligibility
warning); :class:`Strict`, the base that refuses unknown keys.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PydField

from forms.ids import mask_id, mask_phone

FieldType = Literal[
    "text",
    "textarea",
    "name",
    "id_number",
    "phone",
    "mobile",
    "date",
    "number",
    "money",
    "choice",
    "multi_choice",
    "yes_no",
    "address",
    "credit_code",
    "bank_account",
    "group",
]

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
# the resident ID card's data a field can take (desk.core.idcard reads them) and the field
# types that can hold each
CardDatum = Literal["name", "sex", "nation", "birth_date", "address", "id_number",
                    "valid_to"]
CARD_TYPES: dict[str, tuple[str, ...]] = {
    "name": ("name", "text"), "sex": ("choice", "text"), "nation": ("text", "choice"),
    "birth_date": ("date",), "address": ("text", "textarea"), "id_number": ("id_number",),
    "valid_to": ("date", "text"),
}
# field types whose values are masked wherever they are shown, sensitive or not
MASKED_TYPES = ("id_number", "phone", "mobile", "bank_account")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(Strict):
    """Show or require a field only when another field has a value.

    ``field`` names a sibling field (inside a repeat group) or a top-level one.
    Exactly one of ``equals``, ``not_equals``, ``in_``/``in``, ``not_empty`` is given.
    """

    field: str = PydField(pattern=KEY_PATTERN)
    equals: Any = None
    not_equals: Any = None
    in_: list[Any] | None = PydField(default=None, alias="in")
    not_empty: bool | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        given = [
            self.equals is not None,
            self.not_equals is not None,
            self.in_ is not None,
            self.not_empty is not None,
        ]
        if sum(given) != 1:
            raise ValueError("a condition needs exactly one of equals, not_equals, in, not_empty")
        return self


class FieldDef(Strict):
    """One field of a form. ``type: group`` holds repeated rows of sub-fields."""

    key: str = PydField(pattern=KEY_PATTERN)
    label: str = PydField(min_length=1)
    type: FieldType
    required: bool = False
    help: str = ""
    placeholder: str = ""
    # text
    pattern: str | None = None
    pattern_message: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    # number / money
    min: float | None = None
    max: float | None = None
    integer: bool = False
    unit: str = ""
    # date
    not_future: bool = False
    not_past: bool = False
    # choice / multi_choice
    choices: list[str] | None = None
    min_selected: int | None = None
    max_selected: int | None = None
    # conditions
    show_if: Condition | None = None
    required_if: Condition | None = None
    # group
    fields: list[FieldDef] | None = None
    min_items: int | None = None
    max_items: int | None = None
    item_label: str = ""
    # sensitive data is masked in lists and receipts
    sensitive: bool = False
    # what a resident gave once may be offered again in their next application, after they
    # agree (居民同意复用已登记的信息) — issue 23
    reusable: bool = False
    # which datum of the resident ID card fills this field when the worker reads the card
    # (issue 17: catalog data, not code); the field's type must be able to hold it
    card: CardDatum | None = None

    @property
    def masked(self) -> bool:
        """Whether every renderer (lists, the case page, receipts) masks this field's
        values: marked ``sensitive`` in the catalog, or of a type that always holds
        personal numbers (:data:`MASKED_TYPES`)."""
        return self.sensitive or self.type in MASKED_TYPES

    def show(self, value: Any) -> str:
        """``value`` as a renderer may show it: masked by the field's own type when
        :attr:`masked` — phones keep their first 3 and last 4 digits, anything else
        (ID numbers, bank accounts, sensitive text) its first 6 and last 4 characters."""
        s = str(value)
        if not self.masked:
            return s
        if self.type in ("phone", "mobile"):
            return mask_phone(s)
        return mask_id(s)

    @model_validator(mode="after")
    def _consistent(self) -> FieldDef:
        if self.type in ("choice", "multi_choice"):
            if not self.choices:
                raise ValueError(f"field {self.key}: type {self.type} needs choices")
            if len(set(self.choices)) != len(self.choices):
                raise ValueError(f"field {self.key}: choices repeat")
        elif self.choices is not None:
            raise ValueError(f"field {self.key}: only choice fields take choices")
        if self.type == "group":
            if not self.fields:
                raise ValueError(f"field {self.key}: a group needs fields")
            if any(f.type == "group" for f in self.fields):
                raise ValueError(f"field {self.key}: groups cannot nest")
            keys = [f.key for f in self.fields]
            if len(set(keys)) != len(keys):
                raise ValueError(f"field {self.key}: sub-field keys repeat")
        elif self.fields is not None:
            raise ValueError(f"field {self.key}: only groups take fields")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"field {self.key}: bad pattern: {exc}") from None
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"field {self.key}: min is above max")
        if self.card is not None and self.type not in CARD_TYPES[self.card]:
            raise ValueError(f"field {self.key}: card {self.card} cannot fill a {self.type} "
                             f"field (one of {', '.join(CARD_TYPES[self.card])})")
        return self


class Check(Strict):
    """A cross-field rule or an eligibility hint.

    - ``compare``: ``field`` ``op`` (``other`` field, or ``value``; ``value: today`` for
      dates) — e.g. the end date not before the start date.
    - ``age``: the holder of the ID number in ``field`` is at least ``min`` / at most
      ``max`` full years old on the day of application.
    - ``sex``: the holder of the ID in ``field`` is ``value`` (男/女).
    - ``one_of``: at least one of ``fields`` is filled.
    - ``expr``: ``expr`` (:mod:`forms.expr`'s language over the item's fields, the named
      days, the catalog's parameters and the date functions) must hold, e.g.
      ``months_between(marriage_date, today) < 6`` or ``age_on(today) >= gljt_min_age``
      (``age_on(d)``: the applicant's 周岁 on ``d`` from ``applicant_id``). Not checked
      while a field it names is empty.
    ``min``/``max``/``value`` may name a catalog parameter (``min: gljt_min_age``).
    ``level: warning`` warns without blocking (eligibility hints); ``error`` blocks.
    """

    rule: Literal["compare", "age", "sex", "one_of", "expr"]
    field: str | None = None
    fields: list[str] | None = None
    op: Literal["<", "<=", ">", ">=", "==", "!="] | None = None
    other: str | None = None
    value: Any = None
    min: int | str | None = None
    max: int | str | None = None
    expr: str | None = None
    level: Literal["error", "warning"] = "error"
    message: str = PydField(min_length=1)
    when: Condition | None = None

    @model_validator(mode="after")
    def _shape(self) -> Check:
        if self.rule == "compare":
            if not self.field or not self.op or (self.other is None) == (self.value is None):
                raise ValueError("compare needs field, op and exactly one of other/value")
        elif self.rule == "age":
            if not self.field or (self.min is None and self.max is None):
                raise ValueError("age needs field and min or max")
        elif self.rule == "sex":
            if not self.field or self.value not in ("男", "女"):
                raise ValueError("sex needs field and value 男 or 女")
        elif self.rule == "one_of" and not self.fields:
            raise ValueError("one_of needs fields")
        elif self.rule == "expr":
            from forms.expr import RuleError, compile_expr, names_in, parse

            if not self.expr:
                raise ValueError("expr needs expr")
            try:  # the syntax here; the names against the item and the catalog's params
                tree = parse(self.expr)
                compile_expr(tree, names_in(tree))
            except RuleError as exc:
                raise ValueError(f"expr: {exc}") from None
        for bound in (self.min, self.max):
            if isinstance(bound, str) and not re.match(KEY_PATTERN, bound):
                raise ValueError(f"min/max {bound!r} is neither a number nor a parameter name")
        return self
