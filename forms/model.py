"""The schema of an item definition (one YAML file per item in ``forms/items``).

An item definition is the single source for the form view, validation, the one-time
notice and the receipt. The models here refuse anything they do not know
(``extra="forbid"``), so a typo in a definition file is caught when the catalog loads.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PydField

from forms.ids import mask_id, mask_phone
from forms.proactive import RuleError, parse_rule

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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
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


class FieldDef(_Strict):
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


class Check(_Strict):
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


class Material(_Strict):
    """One document the resident brings."""

    name: str = PydField(min_length=1)
    required: bool = True
    form: Literal["original", "copy", "original_and_copy", "electronic"] = "original"
    count: int = PydField(default=1, ge=1)
    deferrable: bool = False
    note: str = ""
    show_if: Condition | None = None
    # 免提交 (issue 17): ``shared`` — the desk obtains it by data sharing between departments,
    # ``e_license`` — from the electronic licence library; the resident is not asked for it
    # (国务院关于在线政务服务的若干规定 Arts. 7–11). ``source_department`` names who holds it.
    source: Literal["paper", "shared", "e_license"] = "paper"
    source_department: str = ""
    # issue 23: how many months a page of it stays valid from the day it was captured (证明,
    # 体检/诊断报告: commonly 3 or 6) — a page on file older than that is not offered for
    # reuse in a new case; absent: no validity of its own (the catalog's ``reuse_max_months``
    # parameter, if set, caps reuse)
    valid_months: int | None = PydField(default=None, ge=1, le=120)

    @property
    def obtained_by_sharing(self) -> bool:
        """免提交: the desk obtains it itself (data sharing or electronic licence)."""
        return self.source != "paper"

    @property
    def source_label(self) -> str:
        """How a 免提交 material is obtained, in words (empty for paper)."""
        return {"paper": "", "shared": "部门共享", "e_license": "电子证照"}[self.source]

    @property
    def form_label(self) -> str:
        """The form in words, as printed on notices."""
        return {
            "original": "原件",
            "copy": "复印件",
            "original_and_copy": "原件及复印件",
            "electronic": "电子证照",
        }[self.form]


class NoticeTranslation(_Strict):
    """The one-time notice's body in another language: each list line for line with the
    Chinese (``conditions[i]`` translates ``notice.conditions[i]``); absent parts print in
    Chinese alone."""

    conditions: list[str] | None = None
    steps: list[str] | None = None
    time_limit: str | None = None
    where: str | None = None
    result: str | None = None
    tips: list[str] | None = None


class Translation(_Strict):
    """An item's words in another UI language (``translations: {en: ...}``); whatever it
    leaves out is shown in Chinese, as the catalog has it."""

    name: str | None = None
    department: str | None = None
    fields: dict[str, str] = {}  # field key → label
    materials: dict[str, str] = {}  # material name (the Chinese) → name
    # the eligibility lines and the one-time notice's body, line for line with the Chinese
    eligibility: list[str] | None = None
    notice: NoticeTranslation | None = None


class Notice(_Strict):
    """The one-time notice (一次性告知): everything told to the resident in one go."""

    conditions: list[str] = PydField(min_length=1)
    steps: list[str] = PydField(min_length=1)
    time_limit: str = PydField(min_length=1)
    where: str = ""
    result: str = ""
    tips: list[str] = []


OnceRule = Literal["while_open", "per_year", "lifetime"]
ONCE_LABELS: dict[str, str] = {
    "while_open": "同一居民已有未办结的申请时不能再次申请",
    "per_year": "同一居民每年度限申请一次",
    "lifetime": "同一居民限申请一次",
}


class Once(_Strict):
    """How often one resident (one ID number) may hold an item (issue 23).

    ``rule``: ``while_open`` — not while another application of theirs is open (not yet
    completed or rejected by the district); ``per_year`` — once per calendar year of
    acceptance; ``lifetime`` — once (a rejected application does not count).
    ``exceptions``: what the item allows anyway (e.g. 补办 after loss, 变更), chosen by the
    worker and recorded on the case. ``once: while_open`` is short for ``{rule: while_open}``.
    """

    rule: OnceRule
    exceptions: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, raw: Any) -> Any:
        return {"rule": raw} if isinstance(raw, str) else raw

    @model_validator(mode="after")
    def _distinct(self) -> Once:
        if len(set(self.exceptions)) != len(self.exceptions) or \
                any(not e.strip() for e in self.exceptions):
            raise ValueError("once: exceptions must be distinct, non-empty names")
        return self

    @property
    def label(self) -> str:
        """The rule in words, as the worker sees it."""
        return ONCE_LABELS[self.rule]


# the roster's data a proactive case's form can be filled from (issue 18)
ROSTER_DATA = ("name", "id_number", "address", "compound", "grid", "birth_date", "sex")


class Proactive(_Strict):
    """主动服务 / 免申即享 (issue 18): whom the district lists for this item from its roster.

    ``rule``: who qualifies, in :mod:`forms.proactive`'s language (roster data, flags, dates,
    the catalog's parameters); ``reason``: the rule in words, as the worker reads it out;
    ``due``: by when, an expression giving a date (default: the end of next month);
    ``repeat``: a resident is listed ``once`` ever for the item, or once a ``year`` or a
    ``month``; ``no_signature``: 免申 — a case filed from a confirmation needs no
    application signature; ``prefill``: form field key → roster datum (:data:`ROSTER_DATA`).
    """

    rule: str = PydField(min_length=1)
    reason: str = PydField(min_length=2)
    due: str = "end_of_next_month"
    repeat: Literal["once", "year", "month"] = "once"
    no_signature: bool = False
    prefill: dict[str, str] = {}

    @model_validator(mode="after")
    def _parses(self) -> Proactive:
        for what, text in (("rule", self.rule), ("due", self.due)):
            try:
                parse_rule(text, lenient=True)
            except RuleError as exc:
                raise ValueError(f"proactive.{what}: {exc}") from None
        for key, datum in self.prefill.items():
            if datum not in ROSTER_DATA:
                raise ValueError(f"proactive.prefill.{key}: 花名册没有“{datum}”；可用："
                                 + "、".join(ROSTER_DATA))
        return self


class Item(_Strict):
    """One service item of the catalog, or a bundle (一件事) when ``bundle`` is set."""

    code: str = PydField(pattern=r"^[A-Z]{2,4}-[A-Z0-9]{2,10}$")
    name: str = PydField(min_length=2)
    department: str = PydField(min_length=2)
    kind: Literal["on_the_spot", "promised"]
    promised_days: int = PydField(ge=0, le=120)
    legal_basis: str = PydField(min_length=2)
    fee: str = "免费"
    eligibility: list[str] = []
    keywords: list[str] = []
    notice: Notice
    fields: list[FieldDef] = PydField(min_length=1)
    checks: list[Check] = []
    materials: list[Material] = PydField(min_length=1)
    defer_days: int | None = PydField(default=None, ge=1, le=60)
    proxy_allowed: bool = True
    # the item's words in other UI languages (``en``); absent words stay Chinese
    translations: dict[str, Translation] | None = None
    bundle: list[str] | None = None
    # a bundle's ``services`` choices → the member item that handles each (only the services
    # the resident chose are routed; alternatives stay alternatives)
    bundle_services: dict[str, str] | None = None
    # how often one resident may hold the item (absent: no rule) — issue 23
    once: Once | None = None
    # 主动服务 / 免申即享: whom the district lists from its roster (issue 18)
    proactive: Proactive | None = None
    example: dict[str, Any]

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        keys = [f.key for f in self.fields]
        dupes = {k for k in keys if keys.count(k) > 1}
        if dupes:
            raise ValueError(f"field keys repeat: {', '.join(sorted(dupes))}")
        for needed in ("applicant_name", "applicant_id", "applicant_phone"):
            if needed not in keys:
                raise ValueError(f"every item needs a field with key {needed}")
        names = [m.name for m in self.materials]
        if len(set(names)) != len(names):
            raise ValueError("material names repeat")
        if self.kind == "promised" and self.promised_days < 1:
            raise ValueError("a promised item needs promised_days ≥ 1")
        if self.kind == "on_the_spot" and self.promised_days != 0:
            raise ValueError("an on-the-spot item has promised_days 0")
        all_keys = set(keys)
        for f in self.fields:
            for cond in (f.show_if, f.required_if):
                if cond is not None and cond.field not in all_keys:
                    raise ValueError(f"field {f.key}: condition names unknown field {cond.field}")
            for sub in f.fields or []:
                sub_keys = {s.key for s in f.fields or []}
                for cond in (sub.show_if, sub.required_if):
                    if cond is not None and cond.field not in sub_keys | all_keys:
                        raise ValueError(
                            f"field {f.key}.{sub.key}: condition names unknown field {cond.field}"
                        )
        for m in self.materials:
            if m.show_if is not None and m.show_if.field not in all_keys:
                raise ValueError(f"material {m.name}: condition names unknown field")
        for c in self.checks:
            for k in [c.field, c.other, *(c.fields or [])]:
                if k is not None and k not in all_keys:
                    raise ValueError(f"check names unknown field {k}")
        if self.bundle_services is not None:
            self._check_bundle_services(keys)
        for key in (self.proactive.prefill if self.proactive else {}):
            if key not in all_keys:
                raise ValueError(f"proactive.prefill: no field {key}")
        for lang, words in (self.translations or {}).items():
            unknown = sorted(set(words.fields) - set(keys))
            if unknown:
                raise ValueError(f"translations.{lang}.fields: no field {unknown[0]}")
            unknown = sorted(set(words.materials) - set(names))
            if unknown:
                raise ValueError(f"translations.{lang}.materials: no material {unknown[0]}")
            self._check_body_translation(lang, words)
        return self

    def _check_body_translation(self, lang: str, words: Translation) -> None:
        """A translated list has as many lines as the Chinese; a translated text has a
        Chinese text to translate."""
        lists: list[tuple[str, list[str], list[str] | None]] = [
            ("eligibility", self.eligibility, words.eligibility)]
        nt = words.notice
        if nt is not None:
            n = self.notice
            lists += [(f"notice.{part}", getattr(n, part), getattr(nt, part))
                      for part in ("conditions", "steps", "tips")]
            for part in ("time_limit", "where", "result"):
                if getattr(nt, part) is not None and not getattr(n, part):
                    raise ValueError(f"translations.{lang}.notice.{part}: "
                                     "a translation of an empty text")
        for where, zh, tr in lists:
            if tr is not None and len(tr) != len(zh):
                raise ValueError(f"translations.{lang}.{where}: {len(tr)} lines "
                                 f"for {len(zh)} Chinese lines")
            if tr is not None and any(not t.strip() for t in tr):
                raise ValueError(f"translations.{lang}.{where}: an empty line")

    def _check_bundle_services(self, keys: list[str]) -> None:
        mapping = self.bundle_services or {}
        if self.bundle is None:
            raise ValueError("bundle_services is only for a bundle (一件事)")
        if "services" not in keys:
            raise ValueError("bundle_services needs a field with key services")
        choices = self.field("services").choices or []
        unrouted = [c for c in choices if c not in mapping]
        if unrouted:
            raise ValueError(f"bundle_services: services choice {unrouted[0]} has no member item")
        for choice, member in mapping.items():
            if choice not in choices:
                raise ValueError(f"bundle_services: {choice} is not a services choice")
            if member not in self.bundle:
                raise ValueError(f"bundle_services: {member} is not a member of the bundle")

    def chosen_members(self, fields: Any) -> list[str]:
        """The member items a bundle case goes to: those handling the services chosen in
        ``fields["services"]``, in bundle order, each once. Without a ``bundle_services``
        mapping, or with nothing recognisable chosen, none: a route is never invented for
        a service the resident did not choose."""
        if not self.bundle or not self.bundle_services or not isinstance(fields, dict):
            return []
        chosen = fields.get("services")
        if isinstance(chosen, str):
            chosen = [chosen]
        if not isinstance(chosen, list):
            return []
        wanted = {self.bundle_services[c] for c in chosen
                  if isinstance(c, str) and c in self.bundle_services}
        return [m for m in self.bundle if m in wanted]

    def translated(self, language: str) -> Translation:
        """The item's words in ``language`` (``en``, ``en_US`` …); empty when none."""
        found = (self.translations or {}).get(language.split("_")[0])
        return found if found is not None else Translation()

    @property
    def is_bundle(self) -> bool:
        """True for a 一件事 bundle."""
        return self.bundle is not None

    @property
    def allows_deferral(self) -> bool:
        """True when some material may be brought later under 容缺受理."""
        return any(m.deferrable for m in self.materials)

    def field(self, key: str) -> FieldDef:
        """The top-level field with ``key``."""
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)
