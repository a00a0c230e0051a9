"""A case read for printing (:class:`CaseFacts`, :func:`read_case`): the stored row, its
item definition, the fields and materials, the desk's settings, working days and the
documents' second language — what every document of :mod:`desk.core.receipts` starts from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desk.core.bundles import bundle_routes
from desk.core.receipts.bilingual import NONE, Bi, Words
from forms.calendar import WorkCalendar
from forms.engine import all_materials
from forms.model import Item, Material
from forms.printing.notice import doc_words

if TYPE_CHECKING:
    from desk.core.app import DeskContext
    from desk.core.settings import Settings

KINDS = ("receipt", "correction", "deferral", "notice")
TITLES = {"receipt": "受理回执", "deferral": "容缺受理通知书", "correction": "补正材料告知书",
          "notice": "一次性告知单"}


@dataclass
class CaseFacts:
    """A case read for printing: row, item definition (if known), data and materials."""

    case: dict[str, Any]
    item: Item | None
    fields: dict[str, Any]
    mats: dict[str, Any]
    settings: Settings
    by_name: dict[str, Material] = field(default_factory=dict)
    calendar: WorkCalendar | None = None  # the desk's working days (None: shipped + fallback)
    # a 一件事 bundle's routes (desk.core.bundles.bundle_routes): one per service chosen
    routes: list[dict[str, Any]] = field(default_factory=list)
    words: Words = NONE  # the documents' second language (文书第二语言)

    @property
    def item_label(self) -> str:
        """``名称（代码）``, with the item's translated name."""
        c = self.case
        zh = f"{c['item_name']}（{c['item_code']}）"
        tr = self.words.item(self.item).name if self.words.lang else None
        return Bi(zh, f"{tr} ({c['item_code']})" if tr else None)

    @property
    def receipt_no(self) -> str:
        return str(self.case["receipt_no"])

    def form_of(self, name: str) -> tuple[str, str]:
        """(form, count) of a material by name."""
        m = self.by_name.get(name)
        return (m.form_label, str(m.count)) if m else ("—", "1")

    @property
    def outstanding(self) -> list[dict[str, Any]]:
        """Missing materials not yet supplied (required first)."""
        out = [m for m in self.mats.get("missing", []) if not m.get("supplied_on")]
        return sorted(out, key=lambda m: not m.get("required", True))

    @property
    def desk_name(self) -> str:
        return str(self.settings.desk_name or self.settings.community or "家门口办事台")

    @property
    def desk_label(self) -> str:
        return f"{self.desk_name}（{self.case['desk_code']}）"

    @property
    def issuer(self) -> str:
        """Header text: desk name, then its code."""
        return f"{self.desk_name}\n办事点编码 {self.case['desk_code']}"


def read_case(ctx: DeskContext, case: dict[str, Any]) -> CaseFacts:
    """Everything a document needs from a stored case."""
    data = json.loads(case.get("data_json") or "{}")
    mats = json.loads(case.get("materials_json") or "{}")
    item: Item | None = None
    catalog = None
    try:
        catalog = ctx.catalog_for(str(case.get("catalog_version", "")))
        if case["item_code"] in catalog:
            item = catalog.get(case["item_code"])
    except Exception:  # an unreadable catalog must not stop a reprint
        item = None
    facts = CaseFacts(case, item, data.get("fields", {}), mats, ctx.settings,
                      words=doc_words(ctx.settings, ctx.paths.data_dir),
                      calendar=ctx.store.calendar.work_calendar())
    if item is not None:
        facts.by_name = {m.name: m for m in all_materials(item)}
        if item.bundle:
            facts.routes = bundle_routes(item, facts.fields,
                                         ctx.store.sync.case_routes(str(case["uuid"])), catalog)
    return facts


def material_line(w: Words, item: Item | None, name: str, form: str, count: object,
                  zh_rest: str = "", tr_rest: str | None = "") -> str:
    """The roll's material entry: ``名称（形式 N份）`` with its translation when the name
    has one (and the rest, when ``tr_rest`` is not None)."""
    zh = f"{name}（{form} {count}份）{zh_rest}"
    name_tr = w.get(w.material(item, name))
    if not name_tr or tr_rest is None:
        return zh
    return Bi(zh, f"{name_tr} ({w.param(form)}, {count})" + (f" {tr_rest}" if tr_rest else ""))
