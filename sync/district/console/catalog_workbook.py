"""事项目录 as a workbook in the console (issue 16): download a blank template (instructions
and one worked item) or the current catalog, upload an edited workbook, see every problem
with its sheet, row and column — or, when it has none, the difference against the current
version item by item — and publish it (audited) as the district's next version.

Between the preview and 发布 the checked catalog travels in the page itself (compressed
JSON in a hidden field, with the version it was compared against), so any server process
can publish it; it is checked again on publish, and refused when another version was
published in between (the preview would no longer be the truth).
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.responses import RedirectResponse, Response

from forms.catalog import Catalog, CatalogError, load_catalog
from forms.checker import check_item
from forms.params import references
from forms.preview import form_html
from forms.printing.notice import notice_document
from forms.workbook import MAX_BYTES, Problem, read_workbook, write_workbook
from sync.district.api_deps import storage_of
from sync.district.catalog_import import (
    catalog_diff,
    district_catalog,
    publish_next,
    published_catalog,
)
from sync.district.console import auth
from sync.district.console.auth import Admin, User
from sync.district.console.views import flash, render
from sync.district.errors import DistrictError

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BACK = "/console/catalog"
TEMPLATE_ITEM = "MZ-GLJT"


def _download(data: bytes, name: str) -> Response:
    ascii_name = name.encode("ascii", "ignore").decode() or "catalog.xlsx"
    from urllib.parse import quote

    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})


@router.get("/catalog/template.xlsx", include_in_schema=False)
def template(request: Request, user: User = Admin) -> Response:
    """A blank workbook: the instructions sheet and one worked item (高龄津贴)."""
    shipped = load_catalog()
    authored = next(it for it in shipped.authored if it.code == TEMPLATE_ITEM)
    raw = authored.model_dump(mode="json", by_alias=True, exclude_none=True)
    used = {name for _loc, name, _how in references(raw)}  # the parameters it refers to
    # (forms.workbook.template_catalog's blank version; with the parameters the item uses)
    data = write_workbook(Catalog("本区目录版本（导入时按发布顺序自动编号）", [authored],
                                  {n: p for n, p in shipped.params.items() if n in used}))
    return _download(data, "事项目录模板.xlsx")


@router.get("/catalog/export.xlsx", include_in_schema=False)
def export(request: Request, user: User = Admin) -> Response:
    """The current catalog (or the shipped one before any publish) as a workbook."""
    st = storage_of(request)
    catalog = district_catalog(st)
    return _download(write_workbook(catalog), f"事项目录-{catalog.version}.xlsx")


def _pack(catalog: Catalog) -> str:
    raw = json.dumps(catalog.to_json(), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode()


def _unpack(text: str) -> Catalog | None:
    try:
        body = json.loads(zlib.decompress(base64.urlsafe_b64decode(text.encode()),
                                          bufsize=1 << 20))
        catalog = Catalog.from_json(dict(body, version=str(body.get("version") or "-")))
    except (binascii.Error, zlib.error, ValueError, TypeError, AttributeError, CatalogError):
        return None
    for raw in body.get("items") or []:  # the same checker as the upload, once more
        if check_item(raw, params=catalog.params)[1]:
            return None
    return catalog.with_version(str(body.get("version") or ""))


def _page(request: Request, name: str, *, problems: list[Problem] | None = None,
          catalog: Catalog | None = None, status: int = 200) -> Response:
    st = storage_of(request)
    cs = auth.console(request)
    current = published_catalog(st, cs)
    ctx: dict[str, Any] = {"filename": name, "problems": problems or [],
                           "current": current.version if current else ""}
    if catalog is not None:
        base = current or district_catalog(st)
        diff = catalog_diff(base, catalog)
        shown = [a["code"] for a in diff["added"]] + [c["code"] for c in diff["changed"]]
        ctx.update(diff=diff, against=base.version,
                   draft=_pack(catalog), count=len(catalog.items),
                   # each added or changed item's form as the desk will show it (issue 16)
                   previews=[(code, catalog.get(code).name, Markup(form_html(catalog.get(code))))
                             for code in shown])
    return render(request, "catalog_workbook.html", status, **ctx)


@router.post("/catalog/workbook", include_in_schema=False)
async def upload(request: Request, user: User = Admin) -> Response:
    """Check an uploaded workbook: every problem, or the diff and the 发布 button."""
    form = await request.form()
    upload = form.get("workbook")
    if not isinstance(upload, StarletteUpload):
        await form.close()
        return flash(RedirectResponse(BACK, status_code=303), "error",
                     "请选择要上传的目录工作簿（.xlsx）。")
    name = upload.filename or "目录工作簿.xlsx"
    try:
        data = await upload.read(MAX_BYTES + 1)
    finally:
        await form.close()
    if not data:
        return flash(RedirectResponse(BACK, status_code=303), "error",
                     f"{name}：文件是空的，请选择目录工作簿（.xlsx）。")
    catalog, problems = await run_in_threadpool(read_workbook, data)
    if catalog is None:
        return await run_in_threadpool(lambda: _page(request, name, problems=problems,
                                                     status=422))
    return await run_in_threadpool(lambda: _page(request, name, catalog=catalog))


@router.post("/catalog/workbook/publish", include_in_schema=False)
async def publish(request: Request, user: User = Admin) -> Response:
    """Publish the previewed catalog as the next version (audited)."""
    st = storage_of(request)
    form = await request.form()
    draft = str(form.get("draft") or "")
    against = str(form.get("current") or "")
    name = str(form.get("filename") or "")[:120]
    cs = auth.console(request)
    back = RedirectResponse(BACK, status_code=303)
    catalog = await run_in_threadpool(_unpack, draft)
    if catalog is None:
        return flash(back, "error", "预览内容无效或已损坏，请重新上传工作簿。")
    current = await run_in_threadpool(st.catalogs.latest_version)
    if (current or "") != against:
        return flash(back, "error", f"预览之后已有新版本 {current} 发布，差异已不准确："
                                    "请重新上传工作簿再发布。")
    try:
        res = await run_in_threadpool(lambda: publish_next(
            st, cs, catalog, actor=user.username, source="console", file=name))
    except DistrictError as exc:
        return flash(back, "error", exc.message)
    if not res["published"]:
        return flash(back, "ok", f"工作簿与当前版本 {res['version']} 相同，未重复发布。")
    return flash(back, "ok", f"目录 {res['version']} 已发布（{res['items']} 个事项），"
                             "各办事点下次同步时收到。")


# what the preview's notice prints where a desk prints its own name and worker
PREVIEW_DESK = SimpleNamespace(desk_name="事项目录预览（发布前）", community="", desk_code="",
                               worker_name="", worker_phone="", district_contact="",
                               doc_language="")


@router.post("/catalog/workbook/notice.pdf", include_in_schema=False)
async def notice_pdf(request: Request, user: User = Admin) -> Response:
    """An item of the previewed catalog: its 一次性告知单 as the desk prints it (the same
    renderer, forms.printing.notice), before anything is published."""
    form = await request.form()
    draft, code = str(form.get("draft") or ""), str(form.get("code") or "")
    catalog = await run_in_threadpool(_unpack, draft)
    back = RedirectResponse(BACK, status_code=303)
    if catalog is None:
        return flash(back, "error", "预览内容无效或已损坏，请重新上传工作簿。")
    if code not in catalog:
        return flash(back, "error", f"预览的目录中没有事项 {code}。")
    item = catalog.get(code)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    data = await run_in_threadpool(lambda: notice_document(
        item, "a4", f"{catalog.version or '待发布'}（预览）", PREVIEW_DESK, today=today))
    from urllib.parse import quote

    name = f"一次性告知单-{code}-预览.pdf"
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"notice-{code}.pdf\"; "
                               f"filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})

