"""The resident ID card reader (二代证读卡器, issue 17): one interface, two drivers.

- :class:`TermbReader` — the common vendor SDK shape (华视 CVR-100 and the readers that copy
  its ``termb`` API: 神思, 精伦…): a shared library (``termb.dll`` / ``libtermb.so``)
  loaded through :mod:`ctypes` only when configured, with the port it is opened on
  (1001–1016: USB; 1–16: serial). Calls, each answering 1 for success:
  ``CVR_InitComm(port)``, ``CVR_Authenticate()`` (a card is on the reader),
  ``CVR_Read_Content(active)``, then ``GetPeopleName(buf, &len)``, ``GetPeopleSex``,
  ``GetPeopleNation``, ``GetPeopleBirthday``, ``GetPeopleAddress``, ``GetPeopleIDCode``,
  ``GetDepartment``, ``GetStartDate``, ``GetEndDate`` (GB 18030 text) and, when present,
  ``GetBMPData(buf, &len)`` (the card photo), and ``CVR_CloseComm()``.
- :class:`SimulatedReader` — reads a JSON file (the card, or ``{"error": "no_card"}``):
  tests and ``demo`` use it.

What comes back is checked before anyone sees it (:meth:`CardData.problems`): the ID
number's checksum, the birth date and sex it carries against the card's own, the validity
dates. An expired card is returned with :attr:`CardData.expired` set, for the item to decide.
Every failure is a :class:`CardReaderError` with a message a worker understands. Reading
blocks for up to a second or two: callers run it on the background helper, never on the
window's thread. The card photo is returned to show, never stored here.
"""

from __future__ import annotations

import ctypes
import json
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Protocol

from desk.core.errors import DeskError
from forms.ids import IdNumberError, parse_id_number

CARD_FIELDS = ("name", "sex", "nation", "birth_date", "address", "id_number", "issuer",
               "valid_from", "valid_to")
LONG_TERM = "长期"


class CardReaderError(DeskError):
    """The card could not be read; ``kind`` says why (no_reader, no_card, unreadable,
    library_missing, not_configured, invalid_card)."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "not_configured": "未设置身份证读卡器：请在“设置”中选择读卡器，或手工录入",
        "library_missing": "找不到读卡器驱动程序（{detail}），请检查读卡器设置或重新安装驱动",
        "no_reader": "未连接读卡器：请检查读卡器的 USB 线和电源，然后再读一次",
        "no_card": "读卡器上没有身份证：请把身份证平放在读卡器上，再点“读卡”",
        "unreadable": "身份证读取失败：请把身份证拿起来重新放好再读；仍不行请手工录入",
        "invalid_card": "读到的身份证信息不完整或有误（{detail}），请核对证件或手工录入",
    }

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind, self.MESSAGES[kind].format(detail=detail))
        self.detail = detail


@dataclass(frozen=True)
class CardData:
    """What a resident ID card holds (dates as YYYY-MM-DD; ``valid_to`` may be 长期)."""

    name: str
    sex: str
    nation: str
    birth_date: str
    address: str
    id_number: str
    issuer: str
    valid_from: str
    valid_to: str
    photo: bytes | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, str]:
        """The card's text (no photo), e.g. for ``readcard --json``."""
        return {k: v for k, v in asdict(self).items() if k != "photo"}

    def problems(self, today: date) -> list[str]:
        """What is wrong with the data read (empty: a sound card)."""
        out = [f"缺少{label}" for key, label in (("name", "姓名"), ("id_number", "身份证号"),
                                                 ("birth_date", "出生日期"))
               if not getattr(self, key)]
        if self.id_number:
            try:
                parsed = parse_id_number(self.id_number, today=today)
            except IdNumberError as exc:
                out.append(exc.message)
            else:
                if self.birth_date and parsed.birth_date.isoformat() != self.birth_date:
                    out.append("证件出生日期与身份证号不一致")
                if self.sex and parsed.sex != self.sex:
                    out.append("证件性别与身份证号不一致")
        for key, label in (("valid_from", "有效期起"), ("valid_to", "有效期止")):
            value = getattr(self, key)
            if value and value != LONG_TERM and not _is_date(value):
                out.append(f"{label}不是有效日期")
        return out

    def expired(self, today: date) -> bool:
        """Past its 有效期 (a 长期 card never is)."""
        return self.valid_to != LONG_TERM and _is_date(self.valid_to) and \
            date.fromisoformat(self.valid_to) < today


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _iso(raw: str) -> str:
    """``19450101`` / ``1945.01.01`` / ``1945年1月1日`` → ``1945-01-01``; 长期 and text
    that is no date stay as they are."""
    raw = raw.strip()
    digits = re.findall(r"\d+", raw)
    if len(digits) == 1 and len(digits[0]) == 8:
        d = digits[0]
        return f"{d[:4]}-{d[4:6]}-{d[6:]}"
    if len(digits) == 3 and len(digits[0]) == 4:
        return f"{digits[0]}-{int(digits[1]):02d}-{int(digits[2]):02d}"
    return raw


def card(values: dict[str, Any], photo: bytes | None = None) -> CardData:
    """A :class:`CardData` from raw values (dates in any of the readers' forms)."""
    v = {k: str(values.get(k) or "").strip() for k in CARD_FIELDS}
    for k in ("birth_date", "valid_from", "valid_to"):
        v[k] = _iso(v[k])
    v["id_number"] = v["id_number"].upper()
    if v["nation"].endswith("族") and len(v["nation"]) > 1:
        v["nation"] = v["nation"][:-1]  # 汉族 → 汉, as the card prints it
    return CardData(photo=photo, **v)


class Reader(Protocol):
    """A card reader: :meth:`read` returns the card on it or raises CardReaderError."""

    def read(self) -> CardData:
        """Read the card now on the reader."""
        ...


def checked(data: CardData, today: date) -> CardData:
    """``data`` when sound, else :class:`CardReaderError` ``invalid_card`` naming why."""
    bad = data.problems(today)
    if bad:
        raise CardReaderError("invalid_card", "；".join(bad))
    return data


class SimulatedReader:
    """A reader that reads ``path`` (JSON: the card's fields, ``photo_file`` optional, or
    ``{"error": KIND}`` to act out a failure)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self) -> CardData:
        """The card described by the file."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CardReaderError("no_reader") from None
        except (OSError, ValueError):
            raise CardReaderError("unreadable") from None
        if not isinstance(raw, dict):
            raise CardReaderError("unreadable")
        if raw.get("error"):
            kind = str(raw["error"])
            raise CardReaderError(kind if kind in CardReaderError.MESSAGES else "unreadable")
        photo = None
        if raw.get("photo_file"):
            photo = (self.path.parent / str(raw["photo_file"])).read_bytes()
        return card(raw, photo)


class TermbReader:
    """The vendor SDK driver (ctypes), loaded on first use from ``library``."""

    TEXT = (("name", "GetPeopleName"), ("sex", "GetPeopleSex"),
            ("nation", "GetPeopleNation"), ("birth_date", "GetPeopleBirthday"),
            ("address", "GetPeopleAddress"), ("id_number", "GetPeopleIDCode"),
            ("issuer", "GetDepartment"), ("valid_from", "GetStartDate"),
            ("valid_to", "GetEndDate"))
    _lock = threading.Lock()  # the SDKs keep global state: one read at a time

    def __init__(self, library: str | Path, port: int = 1001) -> None:
        self.library, self.port = str(library), port
        self._lib: Any = None

    def _load(self) -> Any:
        if self._lib is None:
            if not Path(self.library).is_file():
                raise CardReaderError("library_missing", self.library)
            try:
                self._lib = ctypes.CDLL(self.library)
            except OSError as exc:
                raise CardReaderError("library_missing", f"{self.library}: {exc}") from None
        return self._lib

    def read(self) -> CardData:
        """Open the port, find the card, read it, close the port."""
        lib = self._load()
        with self._lock:
            try:
                if _call(lib, "CVR_InitComm", ctypes.c_int(self.port)) != 1:
                    raise CardReaderError("no_reader")
                try:
                    if _call(lib, "CVR_Authenticate") != 1:
                        raise CardReaderError("no_card")
                    if _call(lib, "CVR_Read_Content", ctypes.c_int(4)) != 1:
                        raise CardReaderError("unreadable")
                    values = {key: self._text(lib, fn) for key, fn in self.TEXT}
                    photo = self._photo(lib)
                finally:
                    _call(lib, "CVR_CloseComm")
            except AttributeError as exc:  # not the SDK the settings say it is
                raise CardReaderError("library_missing", f"{self.library}: {exc}") from None
        return card(values, photo)

    @staticmethod
    def _text(lib: Any, fn: str) -> str:
        buf = ctypes.create_string_buffer(256)
        size = ctypes.c_int(len(buf))
        if _call(lib, fn, buf, ctypes.byref(size)) != 1:
            raise CardReaderError("unreadable")
        raw = buf.raw[:max(0, min(size.value, len(buf)))].split(b"\0", 1)[0]
        return raw.decode("gb18030", errors="replace").strip()

    @staticmethod
    def _photo(lib: Any) -> bytes | None:
        if not hasattr(lib, "GetBMPData"):
            return None
        buf = ctypes.create_string_buffer(40 * 1024)
        size = ctypes.c_int(len(buf))
        if _call(lib, "GetBMPData", buf, ctypes.byref(size)) != 1 or size.value <= 0:
            return None
        return buf.raw[:min(size.value, len(buf))]


def _call(lib: Any, name: str, *args: Any) -> int:
    fn = getattr(lib, name)
    fn.restype = ctypes.c_int
    return int(fn(*args))


def reader_for(kind: str, path: str, port: int = 1001) -> Reader:
    """The reader the settings name (``termb`` or ``simulated``, with its file)."""
    if kind == "termb":
        return TermbReader(path, port)
    if kind == "simulated":
        return SimulatedReader(path)
    raise CardReaderError("not_configured")


def read_card(reader: Reader, today: date) -> CardData:
    """Read and check one card (see :func:`checked`)."""
    return checked(reader.read(), today)


def fill_values(item: Any, data: CardData) -> dict[str, str]:
    """The form values a card read gives ``item``: each field the catalog marks with a
    ``card`` datum, in the field's own form (a choice's spelling — 汉 or 汉族). Fields the
    item does not mark are left alone: the card never fills anything silently."""
    out: dict[str, str] = {}
    for f in item.fields:
        datum = getattr(f, "card", None)
        if not datum:
            continue
        value = getattr(data, datum, "")
        if not value or (datum == "valid_to" and f.type == "date" and value == LONG_TERM):
            continue
        if f.type == "choice":
            value = next((c for c in f.choices or [] if c in (value, value + "族")), "")
            if not value:
                continue
        out[f.key] = value
    return out
