"""Desk settings, stored as JSON (never pickles) in the data folder."""

from __future__ import annotations

import errno
import json
import os
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from desk.core.clock import now as clock_now
from desk.core.clock import zone_problem
from desk.core.errors import DeskError
from forms.atomic import write_atomic

DESK_CODE = re.compile(r"^[A-Z]{2,4}-[A-Z0-9]{2,8}$")
PROVISIONAL_PREFIX = "LS-"
DOC_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


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
    # the desk's dates are in this zone whatever the laptop's (desk.core.clock)
    time_zone: str = "Asia/Shanghai"
    # a clock later than the last district time by more than this is doubted
    # (desk.core.clockcheck)
    plausible_offline_days: int = 60
    # the resident ID card reader (desk.core.idcard): "" none, "termb" a vendor SDK library
    # (card_reader_path: termb.dll / libtermb.so; port 1001–1016 USB, 1–16 serial), or
    # "simulated" (card_reader_path: a JSON file — tests and demo)
    card_reader: str = ""
    card_reader_path: str = ""
    card_reader_port: int = 1001
    # 文书第二语言 (issue 16, 双语窗口): "" none; "en", or another language the catalog's
    # translations or a translation file provide — receipts and notices then print each
    # label and item text in Chinese with this language beneath it
    doc_language: str = ""

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
        if not self.desk_code.strip():
            out["desk_code"] = "请填写办事点编号，如 HY-QL01"
        elif not DESK_CODE.match(self.desk_code):
            out["desk_code"] = "办事点编码应为大写字母和数字，如 HY-QL01"
        if not self.worker_name.strip():
            out["worker_name"] = "请填写工作人员姓名"
        if self.worker_phone.strip():
            from forms.ids import phone_problem

            bad = phone_problem(self.worker_phone)
            if bad:
                out["worker_phone"] = f"工作人员电话：{bad}"
        if self.receipt_format not in ("a4", "80mm"):
            out["receipt_format"] = "回执格式只能是 a4 或 80mm"
        zone = zone_problem(self.time_zone)
        if zone:
            out["time_zone"] = zone
        if not 1 <= self.plausible_offline_days <= 3650:
            out["plausible_offline_days"] = "可信离线天数应为1至3650之间的整数"
        if self.card_reader not in ("", "termb", "simulated"):
            out["card_reader"] = "读卡器类型只能是 termb（厂商驱动）或 simulated（模拟）"
        elif self.card_reader and not self.card_reader_path.strip():
            out["card_reader_path"] = "请填写读卡器驱动程序（或模拟文件）的路径"
        if not (1 <= self.card_reader_port <= 16 or 1001 <= self.card_reader_port <= 1016):
            out["card_reader_port"] = "读卡器端口应为 1001–1016（USB）或 1–16（串口）"
        if self.doc_language and not DOC_LANGUAGE.match(self.doc_language):
            out["doc_language"] = ("文书第二语言应为语言代码，如 en（英语）、ii（彝语）、"
                                   "bo（藏语）、ug（维吾尔语）；不需要时留空")
        if self.server_url and not re.match(r"^https?://", self.server_url):
            out["server_url"] = "服务器地址应以 http:// 或 https:// 开头"
        return out


def load(path: Path) -> Settings:
    """Settings from ``path``; defaults when missing; unknown keys are ignored (a damaged
    file: see :func:`load_checked`, which the desk opens with)."""
    return load_checked(path)[0]


def _parse(text: str) -> tuple[dict[str, Any], bool]:
    """The known settings in ``text`` with the right types, and whether all was well."""
    try:
        raw = json.loads(text)
    except ValueError:
        return {}, False
    if not isinstance(raw, dict):
        return {}, False
    defaults = Settings()
    clean: dict[str, Any] = {}
    ok = True
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value, want = raw[f.name], type(getattr(defaults, f.name))
        if type(value) is want:  # exact: a bool is not an int here
            clean[f.name] = value
        else:
            ok = False
    return clean, ok


def load_checked(path: Path) -> tuple[Settings, Path | None]:
    """Settings from ``path`` (defaults when missing), and where a damaged file was kept.

    A file that is not a JSON object of settings (cut short by a crash or a full disk,
    edited by hand) is renamed ``settings.json.damaged-YYYYMMDD-HHMMSS`` and never
    silently overwritten; the values it still held with the right types are kept.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Settings(), None
    except OSError as exc:
        raise DeskError("settings", f"无法读取设置文件 {path}：{exc.strerror}。"
                                    "请检查数据目录的权限。") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        clean: dict[str, Any] = {}
        ok = False
    else:
        clean, ok = _parse(text)
    if ok:
        return Settings(**clean), None
    stamp = clock_now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
        n += 1
    try:
        os.replace(path, aside)
    except OSError as exc:
        raise DeskError("settings", f"设置文件 {path} 已损坏，且无法另存（{exc.strerror}）。"
                                    "请检查数据目录的权限或联系技术支持。") from None
    return Settings(**clean), aside


def save(path: Path, settings: Settings) -> None:
    """Write settings atomically (temp file + rename, fsynced). A failure (e.g. a full
    disk) leaves the previous file as it was, no temporary file behind, and raises
    :class:`DeskError` ``settings_write`` saying the settings were not saved."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(asdict(settings), ensure_ascii=False, indent=2))
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            why = "磁盘空间已满"
        else:
            why = f"写入设置文件出错（{exc.strerror}）"
        raise DeskError("settings_write", f"{why}，设置未保存（原有设置保持不变）。"
                                          "请清理磁盘空间或检查数据目录后重试。") from None
