"""Shared set-up of the console's resident-matter tests (issue 15): a district server on
SQLite or PostgreSQL with the clerk roles and two department users, a desk enrolled with
it, matters recorded on the desk and synced up."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from console_helpers import ConsoleServer

WUYE = "物业服务企业"
HUANBAO = "生态环境局"
LEAK = {"category": "投诉", "subcategory": "漏水", "urgency": "一般",
        "description": "楼上卫生间漏水，天花板渗水两周", "answer_by": "phone",
        "resident": {"name": "王秀英", "phone": "13871234567"},
        "place": {"compound": "七里一村", "building": "12", "unit": "2", "room": "301"}}
NOISE = {"category": "投诉", "subcategory": "噪音", "description": "夜间施工噪音"}
ASK = {"category": "咨询", "subcategory": "政策咨询", "description": "高龄津贴标准"}


def make_server(request: pytest.FixtureRequest, tmp_path: Path) -> ConsoleServer:
    """The district (``request.param``: sqlite | postgres) with users admin, reviewer,
    viewer, ``wuye`` (department 物业服务企业) and ``huanbao`` (生态环境局)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'district.sqlite3'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = "m_" + uuidlib.uuid4().hex[:10]
        cluster.admin(f"CREATE DATABASE {name}")
        url = cluster.url(name)
    s = ConsoleServer(url)
    for name in ("admin", "reviewer", "viewer"):
        s.add_user(name, name)
    from console_helpers import PASSWORD

    from sync.district.console.auth import hash_password

    pw = hash_password(PASSWORD)
    s.console.users.add("wuye", pw, "department", department=WUYE)
    s.console.users.add("huanbao", pw, "department", department=HUANBAO)
    return s


def desk_for(server: ConsoleServer, tmp_path: Path, code: str = "HY-QL01",
             worker: str = "刘晓燕") -> Any:
    """An enrolled desk (close it after)."""
    from desk.core.app import DeskContext
    from sync.client.desk import enroll_desk

    ctx = DeskContext.open(str(tmp_path / f"desk-{code}"))
    ctx.settings.desk_code = code
    ctx.settings.desk_name = f"{code} 流动办事点"
    ctx.settings.worker_name = worker
    ctx.save_settings()
    enroll_desk(ctx, server.api_url, server.storage.desks.create_enroll_code(code, f"{code} 办事点"))
    return ctx


def record(ctx: Any, *subs: dict[str, Any]) -> list[dict[str, Any]]:
    """Record matters on the desk and sync them up."""
    from desk.core.matters import MatterService
    from sync.client.desk import sync_desk

    svc = MatterService(ctx.store)
    out = [svc.record(s, ctx.actor()) for s in subs]
    assert sync_desk(ctx)["complete"]
    return out


def set_due(server: ConsoleServer, uuid: str, hours_from_now: float,
            warn_hours: float | None = None) -> None:
    """Move an order's deadline (fixture set-up: 超时 / 即将超时 without waiting)."""
    from sqlalchemy import update

    from sync.district.matters_tables import matters

    now = datetime.now(UTC)
    due = (now + timedelta(hours=hours_from_now)).isoformat(timespec="seconds")
    warn = (now + timedelta(hours=warn_hours if warn_hours is not None
                            else hours_from_now - 1)).isoformat(timespec="seconds")
    with server.storage.write() as conn:
        conn.execute(update(matters).where(matters.c.uuid == uuid).values(
            due_at=due, warn_at=warn))


def audit_actions(server: ConsoleServer, prefix: str) -> list[dict[str, Any]]:
    import json

    from sqlalchemy import select

    from sync.district.console.schema import audit

    with server.storage.read() as conn:
        rows = conn.execute(select(audit).where(audit.c.action.like(f"{prefix}%"))
                            .order_by(audit.c.id)).mappings().all()
    return [dict(r, detail=json.loads(r["detail_json"])) for r in rows]


def stopped(server: ConsoleServer) -> Iterator[ConsoleServer]:
    try:
        yield server
    finally:
        server.stop()
