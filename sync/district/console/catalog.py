"""The console's 事项目录 page: the catalog, the departments list and publishing a
catalog (a router of :func:`sync.district.console.mount.install`)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.responses import Response

from forms.catalog import load_catalog
from sync.district.api_deps import storage_of
from sync.district.console.auth import Admin, User, Viewer
from sync.district.console.routes import _cs, redirect
from sync.district.console.views import (
    flash,
    render,
)
from sync.district.errors import DistrictError

router = APIRouter()


@router.get("/catalog", include_in_schema=False)
def catalog(request: Request, user: User = Viewer) -> Response:
    """Published catalog versions; publish a new one."""
    st = storage_of(request)
    shipped = load_catalog()
    cs = _cs(request)
    return render(request, "catalog.html", versions=cs.catalog_versions(),
                  shipped=shipped, shipped_count=len(shipped.items),
                  departments=st.departments.names())


@router.post("/departments", include_in_schema=False)
async def add_department(request: Request, user: User = Admin) -> Response:
    """Add a department to the managed list cases may be routed to (audited)."""
    st = storage_of(request)
    form = await request.form()
    name = " ".join(str(form.get("name") or "").split())
    cs = _cs(request)

    def audit(conn: Any, res: dict[str, Any]) -> None:
        cs.audit.append_in(conn, user.username, "department.add", name, added=res["added"])

    try:
        added = await run_in_threadpool(lambda: st.departments.add(
            name, source="console", actor=user.username, audit=audit))
    except DistrictError as exc:
        return flash(redirect("/console/catalog#departments"), "error",
                     exc.message.removeprefix("department: "))
    return flash(redirect("/console/catalog#departments"), "ok",
                 f"已添加部门“{name}”，转办时可以选择。" if added else f"部门“{name}”已在名单中。")


@router.post("/catalog/publish", include_in_schema=False)
async def publish(request: Request, user: User = Admin) -> Response:
    """Publish the shipped catalog or an uploaded catalog JSON; desks get it next sync.

    The form's upload arrives as Starlette's ``UploadFile`` (FastAPI's is a subclass used
    only for declared parameters), so that is the type checked here. A broken or wrongly
    shaped file is refused with what is wrong; only a real publish is audited."""
    st = storage_of(request)
    form = await request.form()
    upload = form.get("file")
    cs = _cs(request)
    back = "/console/catalog"
    if isinstance(upload, StarletteUpload):
        name = upload.filename or "目录文件"
        try:
            raw = await upload.read(32 * 1024 * 1024 + 1)
        finally:
            await form.close()  # the spooled temporary file goes now, not at collection
        if not raw:
            return flash(redirect(back), "error", f"{name}：文件是空的，请选择目录 JSON 文件。")
        if len(raw) > 32 * 1024 * 1024:
            return flash(redirect(back), "error", f"{name}：目录文件超过 32 MB。")
        try:
            body = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            return flash(redirect(back), "error", f"{name}：不是 UTF-8 编码的文本文件。")
        except ValueError as exc:
            where = (f"第 {exc.lineno} 行第 {exc.colno} 列"
                     if isinstance(exc, json.JSONDecodeError) else "")
            return flash(redirect(back), "error",
                         f"{name}：不是有效的 JSON（{where}{getattr(exc, 'msg', exc)}）。")
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            return flash(redirect(back), "error",
                         f"{name}：格式不对——最外层须是对象，含 version（版本号文本）和 "
                         "items（事项列表）。")
    else:
        body = load_catalog().to_json()

    def audit(conn: Any, res: dict[str, Any]) -> None:  # in the publishing transaction
        if res["published"]:  # a version published before is not published again
            cs.audit.append_in(conn, user.username, "catalog.publish", res["version"],
                        published=True)

    try:
        res = await run_in_threadpool(lambda: st.catalogs.publish(
            body, actor=user.username, audit=audit))
    except DistrictError as exc:
        prefix = f"{upload.filename}：" if isinstance(upload, StarletteUpload) else ""
        return flash(redirect(back), "error", prefix + exc.message)
    text = (f"目录 {res['version']} 已发布，各办事点下次同步时收到。" if res["published"]
            else f"目录 {res['version']} 此前已发布，未重复发布。")
    return flash(redirect(back), "ok", text)
