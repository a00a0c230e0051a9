"""The roster for proactive service (免申即享, issue 18): the population data a district is
allowed to use to find residents to serve, imported from the household-register or
civil-affairs export (CSV or XLSX).

**Minimum necessary.** Only what proactive rules need is kept: name, ID number (from which
birth date and sex are read), address, compound (小区), grid (网格) and the known flags
(:data:`FLAGS`: 低保, 特困, 残疾, 独居, 已领高龄津贴). Every other column of the export (phones,
work units, relatives…) is dropped on reading and named in the preview as ignored — it never
reaches the database.

**Checked, all at once.** Each problem names its row (as the spreadsheet numbers it) and
column: a missing name, an ID number that fails its checksum, the same ID twice, a flag
that is not 是/否. A roster with problems replaces nothing (``--skip-bad-rows`` takes the
good rows and lists the others).

**Replaced wholesale.** An import replaces the whole roster in one transaction, so a
resident who left the register leaves the roster; each import is recorded (file, rows,
SHA-256, who, when) and audited. One resident can be deleted on request (audited).
Lists show names and ID numbers masked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Index, Integer, String, Table, Text, delete, func, select

from forms.ids import IdNumberError, mask_id, mask_name, parse_id_number
from sync import protocol as P
from sync.district.errors import Refused
from sync.district.tables import _BigId, metadata

if TYPE_CHECKING:
    from sync.district.database import Database

FLAGS = ("低保", "特困", "残疾", "独居", "已领高龄津贴")
COLUMNS = {  # what a column may be called → what it is
    "姓名": "name", "name": "name",
    "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number",
    "id_number": "id_number",
    "住址": "address", "地址": "address", "现住址": "address", "address": "address",
    "小区": "compound", "所在小区": "compound", "compound": "compound",
    "网格": "grid", "所属网格": "grid", "grid": "grid",
    **{f: f"flag:{f}" for f in FLAGS},
}
REQUIRED = ("name", "id_number")
_YES, _NO = {"是", "y", "yes", "1", "true", "√"}, {"否", "n", "no", "0", "false", "", "×"}
MAX_ROWS = 2_000_000
BATCH = 5000

roster = Table(
    "roster", metadata,
    Column("id_number", String(18), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("birth_date", String(10), nullable=False),
    Column("sex", String(2), nullable=False),
    Column("address", Text, nullable=False),
    Column("compound", String(100), nullable=False),
    Column("grid", String(100), nullable=False),
    Column("flags_json", Text, nullable=False),  # ["低保", …]
    Column("import_id", Integer, nullable=False),
    Index("roster_compound", "compound", "birth_date"),
)
roster_imports = Table(
    "roster_imports", metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("file", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("ignored_columns", Text, nullable=False),
    Column("imported_at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
)


@dataclass
class RosterProblem:
    """One thing wrong in the file: its row (1 = the header) and column as a person sees
    them, and what to do."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}：{self.message}" if self.row else \
            f"{self.column}：{self.message}"


@dataclass
class RosterFile:
    """A roster read and checked: the good rows, the problems, the columns dropped."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    total: int = 0
    sha256: str = ""


class RosterRefused(Refused):
    """The roster has problems; nothing was replaced."""

    status = 422
    code = "invalid"

    def __init__(self, checked: RosterFile) -> None:
        super().__init__(f"花名册有 {len(checked.problems)} 处问题，未导入")
        self.checked = checked


def _cells(path: Path, data: bytes) -> Iterator[list[str]]:
    """The file's rows as text cells (XLSX: the first sheet; CSV: UTF-8 or GB 18030)."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for values in wb.worksheets[0].iter_rows(values_only=True):
                yield ["" if v is None else _text(v) for v in values]
        finally:
            wb.close()
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")  # Excel's 中文 CSV
    yield from csv.reader(io.StringIO(text))


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # a number-formatted cell
    return str(v).strip()


def read_roster(path: Path, *, today: date | None = None) -> RosterFile:
    """Read and check a roster file; nothing is stored."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise RosterRefused(RosterFile(problems=[RosterProblem(
            0, "文件", f"花名册应为 .csv 或 .xlsx 文件：{path.name}")]))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterRefused(RosterFile(problems=[RosterProblem(
            0, "文件", f"无法读取 {path}：{exc.strerror}")])) from None
    out = RosterFile(sha256=hashlib.sha256(data).hexdigest())
    today = today or date.today()
    rows = _cells(path, data)
    header = next(rows, None)
    if not header:
        out.problems.append(RosterProblem(1, "表头", "文件是空的：第1行应为表头（姓名、身份证号…）"))
        return out
    cols: dict[int, str] = {}
    for i, name in enumerate(header):
        key = COLUMNS.get(name.strip().lstrip("\ufeff"))
        if key is None:
            if name.strip():
                out.ignored.append(name.strip())
        elif key in cols.values():
            out.problems.append(RosterProblem(1, name, "列名重复"))
        else:
            cols[i] = key
    for need, words in (("name", "姓名"), ("id_number", "身份证号")):
        if need not in cols.values():
            out.problems.append(RosterProblem(1, "表头", f"缺少“{words}”列"))
    if out.problems:
        return out
    label = {key: header[i].strip() for i, key in cols.items()}
    seen: dict[str, int] = {}
    for n, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        out.total += 1
        if out.total > MAX_ROWS:
            out.problems.append(RosterProblem(n, "文件", f"超过 {MAX_ROWS:,} 行，请分区导入"))
            break
        rec = {key: (cells[i].strip() if i < len(cells) else "") for i, key in cols.items()}
        bad = _row_problems(n, rec, label, seen, today)
        if bad:
            out.problems += bad
            continue
        ident = parse_id_number(rec["id_number"], today=today)
        seen[ident.number] = n
        out.rows.append({
            "id_number": ident.number, "name": rec["name"],
            "birth_date": ident.birth_date.isoformat(), "sex": ident.sex,
            "address": rec.get("address", ""), "compound": rec.get("compound", ""),
            "grid": rec.get("grid", ""),
            "flags_json": json.dumps([f for f in FLAGS if _yes(rec.get(f"flag:{f}", ""))],
                                     ensure_ascii=False)})
    return out


def _yes(value: str) -> bool:
    return value.strip().lower() in _YES


def _row_problems(n: int, rec: dict[str, str], label: dict[str, str], seen: dict[str, int],
                  today: date) -> list[RosterProblem]:
    out = []
    if not rec["name"]:
        out.append(RosterProblem(n, label["name"], "姓名不能为空"))
    elif len(rec["name"]) > 100:
        out.append(RosterProblem(n, label["name"], "姓名超过100个字"))
    try:
        ident = parse_id_number(rec["id_number"], today=today)
    except IdNumberError as exc:
        out.append(RosterProblem(n, label["id_number"], exc.message if rec["id_number"]
                                 else "身份证号不能为空"))
    else:
        if ident.number in seen:
            out.append(RosterProblem(n, label["id_number"],
                                     f"与第{seen[ident.number]}行是同一个身份证号"))
    for key, value in rec.items():
        if key.startswith("flag:") and value.strip().lower() not in _YES | _NO:
            out.append(RosterProblem(n, label[key], f"应填“是”或“否”，不是“{value}”"))
        elif key in ("address", "compound", "grid") and len(value) > 200:
            out.append(RosterProblem(n, label[key], "超过200个字"))
    return out


def import_roster(db: Database, path: Path, *, actor: str, skip_bad_rows: bool = False,
                  audit: Any = None, today: date | None = None) -> dict[str, Any]:
    """Replace the roster with ``path`` in one transaction (see the module doc);
    :class:`RosterRefused` when it has problems and ``skip_bad_rows`` is off."""
    checked = read_roster(path, today=today)
    if checked.problems and (not skip_bad_rows or not checked.rows):
        raise RosterRefused(checked)
    now = P.utc_now()
    with db.write() as conn:
        pk = conn.execute(roster_imports.insert().values(
            file=path.name[:200], sha256=checked.sha256, rows=len(checked.rows),
            skipped=len(checked.problems), ignored_columns=json.dumps(
                checked.ignored, ensure_ascii=False), imported_at=now, actor=actor)
        ).inserted_primary_key
        assert pk is not None
        import_id = int(pk[0])
        conn.execute(delete(roster))
        for i in range(0, len(checked.rows), BATCH):
            conn.execute(roster.insert(), [dict(r, import_id=import_id)
                                           for r in checked.rows[i:i + BATCH]])
        summary = {"import_id": import_id, "file": path.name, "rows": len(checked.rows),
                   "skipped": len(checked.problems), "ignored_columns": checked.ignored,
                   "sha256": checked.sha256, "imported_at": now}
        if audit is not None:
            audit(conn, summary)
    return dict(summary, problems=[str(p) for p in checked.problems])


def delete_resident(db: Database, id_number: str, *, audit: Any = None) -> bool:
    """Remove one resident from the roster on request; True when there was one."""
    try:
        number = parse_id_number(id_number).number
    except IdNumberError:
        number = id_number.strip().upper()
    with db.write() as conn:
        gone = conn.execute(delete(roster).where(roster.c.id_number == number)).rowcount
        if gone and audit is not None:
            audit(conn, mask_id(number))
    return bool(gone)


def roster_summary(db: Database, limit: int = 20) -> dict[str, Any]:
    """The last import, counts by compound and flag, and a few rows — masked."""
    with db.read() as conn:
        last = conn.execute(select(roster_imports).order_by(roster_imports.c.id.desc())
                            .limit(1)).mappings().first()
        total = conn.execute(select(func.count()).select_from(roster)).scalar() or 0
        compounds = conn.execute(select(roster.c.compound, func.count()).group_by(
            roster.c.compound).order_by(func.count().desc()).limit(50)).all()
        sample = conn.execute(select(roster.c.name, roster.c.id_number, roster.c.compound,
                                     roster.c.flags_json).order_by(roster.c.id_number)
                              .limit(limit)).all()
    return {"last_import": dict(last) if last else None, "residents": total,
            "compounds": {c or "（未填小区）": n for c, n in compounds},
            "sample": [{"name": mask_name(n), "id_number": mask_id(i), "compound": c,
                        "flags": json.loads(f)} for n, i, c, f in sample]}
