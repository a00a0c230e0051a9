"""Desk settings, stored as JSON (never pickles) in the data folder."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

DESK_CODE = re.compile(r"^[A-Z]{2,4}-[A-Z0-9]{2,8}$")
PROVISIONAL_PREFIX = "LS-"


@dataclass
class Settings:
    """What the worker sets once (first-run set-up) and rarely changes."""

    desk_code: str = ""  # e.g. HY-QL01 (district abbreviation + community desk)
    desk_name: str = ""  # e.g. 七里一村社区流动办事点
    worker_name: str = ""
    worker_phone: str = ""
    community: str = ""
    district_contact: str = "汉阳区政务服务中心 027-84845000"
    server_url: str = ""
    printer: str = ""
    receipt_format: str = "a4"  # a4 | 80mm
    large_font: bool = False
    high_contrast: bool = False
    language: str = "zh_CN"
    idle_lock_minutes: int = 10

    @property
    def configured(self) -> bool:
        """True once first-run set-up gave a desk code and worker name."""
        return bool(self.desk_code and self.worker_name)

    @property
    def provisional(self) -> bool:
        """True while the desk code is the random one given before set-up (``LS-…``)."""
        return self.desk_code.startswith(PROVISIONAL_PREFIX)

    def problems(self) -> dict[str, str]:
        """Field → message for invalid values."""
        out = {}
        if not DESK_CODE.match(self.desk_code):
            out["desk_code"] = "办事点编码应为大写字母和数字，如 HY-QL01"
        if not self.worker_name.strip():
            out["worker_name"] = "请填写工作人员姓名"
        if self.receipt_format not in ("a4", "80mm"):
            out["receipt_format"] = "回执格式只能是 a4 或 80mm"
        if self.server_url and not re.match(r"^https?://", self.server_url):
            out["server_url"] = "服务器地址应以 http:// 或 https:// 开头"
        return out


def load(path: Path) -> Settings:
    """Settings from ``path``; defaults when missing; unknown keys are ignored."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError):
        return Settings()
    known = {f.name for f in fields(Settings)}
    clean: dict[str, Any] = {k: v for k, v in raw.items() if k in known}
    return Settings(**clean)


def save(path: Path, settings: Settings) -> None:
    """Write settings atomically (temp file + rename, fsynced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(asdict(settings), fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
