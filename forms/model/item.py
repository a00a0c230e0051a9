"""One item of the catalog (:class:`Item`) with what it holds beside its fields: the
materials, the one-time notice, its words in other languages, how often a resident may
hold it (:class:`Once`) and whom the district lists for it (:class:`Proactive`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field as PydField
from pydantic import model_validator

from forms.model.fields import Check, Condition, FieldDef, Strict
from forms.proactive import RuleError, parse_rule


class Material(Strict):
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


class NoticeTranslation(Strict):
    """The one-time notice's body in another language: each list line for line with the
    Chinese (``conditions[i]`` translates ``notice.conditions[i]``); absent parts print in
    Chinese alone."""

    conditions: list[str] | None = None
    steps: list[str] | None = None
    time_limit: str | None = None
    where: str | None = None
    result: str | None = None
    tips: list[str] | None = None


class Translation(Strict):
    """An item's words in another UI language (``translations: {en: ...}``); whatever it
    leaves out is shown in Chinese, as the catalog has it."""

    name: str | None = None
    department: str | None = None
    fields: dict[str, str] = {}  # field key → label
    materials: dict[str, str] = {}  # material name (the Chinese) → name
    # the eligibility lines and the one-time notice's body, line for line with the Chinese
    eligibility: list[str] | None = None
    notice: NoticeTranslation | None = None


class Notice(Strict):
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


class Once(Strict):
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


class Proactive(Strict):
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


class Item(Strict):
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
