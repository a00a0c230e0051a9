"""The console's users page (accounts, roles, departments, resets) and its audit log
(a router of :func:`sync.district.console.mount.install`)."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sync.district.api_deps import storage_of
from sync.district.console import auth
from sync.district.console.auth import Admin, User
from sync.district.console.routes import _cs, redirect
from sync.district.console.users import profile, username_problem
from sync.district.console.views import (
    audit_action_codes,
    describe_audit,
    flash,
    render,
)
from sync.district.errors import DistrictError
from sync.district.storage import Storage

router = APIRouter()


@router.get("/users", include_in_schema=False)
def users(request: Request, user: User = Admin) -> Response:
    """Console users and their roles."""
    from sync.district.matters_console import departments

    cs = _cs(request)
    return render(request, "users.html", users=cs.users.all(),
                  matter_departments=departments(storage_of(request)))


@router.post("/users", include_in_schema=False)
async def add_user(request: Request, user: User = Admin) -> Response:
    """Add a console user."""
    form = await request.form()
    username = str(form.get("username") or "").strip()
    role = str(form.get("role") or "")
    pw = str(form.get("password") or "")
    real_name, unit = str(form.get("real_name") or ""), str(form.get("unit") or "")
    cs = _cs(request)
    department = await run_in_threadpool(_user_department, storage_of(request), role,
                                         str(form.get("department") or ""))
    problem = username_problem(username) or auth.password_problem(pw) or (
        "所属部门：部门用户必须选择诉求分类配置中的部门" if department is None else None)
    if problem:
        return flash(redirect("/console/users"), "error", problem)
    try:
        await run_in_threadpool(partial(cs.users.add, username, auth.hash_password(pw), role,
                                        real_name=real_name, unit=unit,
                                        department=department or ""))
    except DistrictError as exc:
        return flash(redirect("/console/users"), "error", exc.message)
    await run_in_threadpool(partial(cs.audit.append, user.username, "user.add", username, role=role,
                                    real_name=real_name.strip(), unit=unit.strip(),
                                    **({"department": department} if department else {})))
    return flash(redirect("/console/users"), "ok", f"已添加用户 {username}。")


def _user_department(st: Storage, role: str, wanted: str) -> str | None:
    """A department user's department (a name of the matter configuration): None when the
    role needs one and ``wanted`` is not one; "" for the other roles (issue 15)."""
    if role != "department":
        return ""
    from sync.district.matters_console import department_name

    return department_name(st, wanted)


@router.post("/users/{username}", include_in_schema=False)
async def change_user(request: Request, username: str, user: User = Admin) -> Response:
    """Change a user's role, or disable / enable the account (sessions end)."""
    form = await request.form()
    cs = _cs(request)
    what = str(form.get("what") or "")
    from sync.district.console.store import ROLES, now_iso

    if username == user.username and what in ("disable", "role"):
        return flash(redirect("/console/users"), "error", "不能停用或降级自己的账号。")
    values: dict[str, Any]
    if what == "role" and str(form.get("role")) in ROLES:
        role = str(form.get("role"))
        department = await run_in_threadpool(_user_department, storage_of(request), role,
                                             str(form.get("department") or ""))
        if department is None:
            return flash(redirect(f"/console/users#user-{username}"), "error",
                         f"{username} 的所属部门：改为部门用户须选择诉求分类配置中的部门")
        values = {"role": role, "department": department}
    elif what == "disable":
        values = {"disabled_at": now_iso()}
    elif what == "enable":
        values = {"disabled_at": None, "failed_logins": 0, "locked_until": None}
    elif what == "password":  # an admin resets it: the user's sessions end, lockout cleared
        pw = str(form.get("password") or "")
        problem = auth.password_problem(pw)
        if problem:
            return flash(redirect(f"/console/users#user-{username}"), "error",
                         f"{username} 的新{problem}")
        values = {"password_hash": await run_in_threadpool(auth.hash_password, pw),
                  "failed_logins": 0, "locked_until": None}
    elif what == "profile":
        try:
            real_name, unit = profile(str(form.get("real_name") or ""),
                                      str(form.get("unit") or ""))
        except DistrictError as exc:
            return flash(redirect("/console/users"), "error", exc.message)
        values = {"real_name": real_name, "unit": unit}
    else:
        return flash(redirect("/console/users"), "error", "未知的操作。")
    try:
        await run_in_threadpool(lambda: cs.users.update(username, **values))
    except DistrictError as exc:
        return flash(redirect("/console/users"), "error", exc.message)
    await run_in_threadpool(cs.audit.append, user.username, f"user.{what}", username, **{
        k: v for k, v in values.items() if k in ("role", "real_name", "unit", "department")
        and (k != "department" or v)})
    done = {"password": f"已重置 {username} 的密码，其登录会话已失效；请当面或电话告知新密码。",
            "profile": f"已更新 {username} 的姓名和科室。"}
    return flash(redirect("/console/users"), "ok", done.get(what, f"用户 {username} 已更新。"))



@router.get("/audit", include_in_schema=False)
def audit_log(request: Request, target: str = "", action: str = "", before: int = 0,
              verify: str = "", case: str = "", user: User = Admin) -> Response:
    """The audit log, newest first, with the hash chain checked: the entries after the
    last verified one (checkpoint), or all of them with ``?verify=full``.

    Filters: ``case`` — a receipt number (or part), an applicant (also masked, 唐*梅) or
    a tail, as the case list searches: entries about those cases and exports that held
    them; ``action`` — a code or (part of) its Chinese label; ``target`` — exactly."""
    cs = _cs(request)
    check = cs.audit.check(full=verify == "full", actor=user.username)
    cs.readmodel.refresh(max_age=1.0)
    cases = cs.caselist.case_uuids(case.strip()) if case.strip() else None
    entries = cs.audit.entries(target=target.strip() or None,
                               actions=audit_action_codes(action), cases=cases, limit=100,
                               before_id=before or None)
    describe_audit(cs, storage_of(request), entries)
    return render(request, "audit.html", entries=entries, check=check,
                  broken=check.first_broken_entry, target=target, action=action, case=case,
                  matched=None if cases is None else len(cases))
