"""A 一件事 bundle case's routes as the desk shows and prints them.

The district routes a bundle case to the member item of each service the resident chose
(the case's ``services`` field, mapped by the catalog's ``bundle_services``); alternatives
not chosen get no route. Each route then has its own status, set at the district by its
department and pulled by the desk (``store.sync.case_routes``). A route no department has acted
on yet is pending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from forms.model import Item

if TYPE_CHECKING:
    from forms.catalog import Catalog

ROUTE_WORDS = {
    "pending": "待处理", "accepted": "已受理", "needs_correction": "需补正",
    "completed": "已办结", "rejected": "不予办理",
}


def bundle_routes(item: Item | None, fields: dict[str, Any], pulled: list[dict[str, Any]],
                  catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """Each route of a bundle case: ``item_code``, ``item_name``, ``department``,
    ``status``, ``note`` — the services chosen (pending until the district says more),
    then any route the district reported that the case no longer lists. Empty for a case
    that is not a bundle."""
    known = {str(r.get("item_code")): r for r in pulled if r.get("item_code")}
    out: list[dict[str, Any]] = []
    chosen = item.chosen_members(fields) if item is not None and item.bundle else []
    for code in chosen:
        r = known.pop(code, None)
        name, dept = code, ""
        if catalog is not None and code in catalog:
            member = catalog.get(code)
            name, dept = member.name, member.department
        out.append({"item_code": code,
                    "item_name": (r or {}).get("item_name") or name,
                    "department": (r or {}).get("department") or dept,
                    "status": (r or {}).get("status") or "pending",
                    "note": (r or {}).get("note") or ""})
    for code in sorted(known):
        r = known[code]
        out.append({"item_code": code, "item_name": r.get("item_name") or code,
                    "department": r.get("department") or "",
                    "status": r.get("status") or "pending", "note": r.get("note") or ""})
    return out
