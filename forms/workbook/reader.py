"""Reading a workbook (:func:`read_workbook`): open the file, read each sheet's header and
rows, build and check the catalog; every problem at once, sorted by sheet and cell.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from forms.catalog import Catalog
from forms.model import Item
from forms.workbook.builder import Builder
from forms.workbook.cells import CellReader, Row
from forms.workbook.sheets import (
    MAX_BYTES,
    SHEETS,
    TRANSLATED,
    Problem,
    WorkbookError,
    column_letter,
)


def _load_sheets(data: bytes, problems: list[Problem]) -> dict[str, list[Row]] | None:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        problems.append(Problem("文件", 0, "", f"不是能打开的 XLSX 工作簿（{type(exc).__name__}）；"
                                               "请用 Excel/WPS 另存为 .xlsx"))
        return None
    sheets: dict[str, list[Row]] = {}
    try:
        for name, base_cols in SHEETS.items():
            if name not in book.sheetnames:
                if name in ("params", "bundles", "checks"):
                    sheets[name] = []
                    continue
                problems.append(Problem(name, 0, "", f"缺少工作表 {name}"))
                continue
            ws = book[name]
            it = ws.iter_rows(values_only=True)
            header = next(it, None) or ()
            cols: dict[int, str] = {}
            allowed_lang = TRANSLATED.get(name, [])
            for i, h in enumerate(header):
                if h is None or str(h).strip() == "":
                    continue
                col = str(h).strip()
                base, sep, lang = col.partition("::")
                if col in base_cols or (sep and base in allowed_lang
                                        and re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", lang)):
                    if col in cols.values():
                        problems.append(Problem(name, 1, column_letter(i), f"列 '{col}' 重复"))
                    cols[i] = col
                else:
                    extra = "、".join(f"{t}::语言" for t in allowed_lang)
                    problems.append(Problem(name, 1, column_letter(i), (
                        f"不认识的列 '{col}'（可用：{'、'.join(base_cols)}"
                        + (f"，翻译列 {extra}" if extra else "") + "）")))
            missing = [c for c in base_cols if c not in cols.values()
                       and c in ("item", "key", "code", "name", "type", "label", "value",
                                 "setting", "bundle", "member", "rule", "list")]
            if missing:
                problems.append(Problem(name, 1, "", f"缺少列：{'、'.join(missing)}"))
            rows: list[Row] = []
            for n, values in enumerate(it, start=2):
                got = {cols[i]: v for i, v in enumerate(values)
                       if i in cols and v is not None and not (isinstance(v, str) and not v.strip())}
                if got:
                    rows.append(Row(name, n, got, {c: column_letter(i) for i, c in cols.items()}))
            sheets[name] = rows
    finally:
        book.close()
    return sheets


def read_workbook(source: Path | bytes) -> tuple[Catalog | None, list[Problem]]:
    """The catalog a workbook describes, or None with every problem (sheet, row, column).

    The version is the ``catalog`` sheet's ``version`` (empty when not given: the district
    numbers the import as its next version)."""
    problems: list[Problem] = []
    if isinstance(source, Path):
        try:
            data = source.read_bytes()
        except OSError as exc:
            return None, [Problem("文件", 0, "", f"无法读取：{exc.strerror or exc}")]
    else:
        data = source
    if len(data) > MAX_BYTES:
        return None, [Problem("文件", 0, "", "工作簿超过 32 MB")]
    sheets = _load_sheets(data, problems)
    if sheets is None:
        return None, problems
    builder = Builder(CellReader(problems), sheets)
    catalog = builder.build()
    problems.sort(key=lambda p: (list(SHEETS).index(p.sheet) if p.sheet in SHEETS else -1,
                                 p.row, len(p.column), p.column))
    return (catalog if not problems else None), problems


def load_workbook_catalog(source: Path | bytes) -> Catalog:
    """:func:`read_workbook`, raising :class:`WorkbookError` when anything is wrong."""
    catalog, problems = read_workbook(source)
    if catalog is None:
        raise WorkbookError(problems or [Problem("文件", 0, "", "工作簿里没有事项")])
    return catalog


def catalog_equal(a: Catalog, b: Catalog) -> bool:
    """Same version and the same items in the same order (model equality)."""
    return a.version == b.version and a.items == b.items


def catalog_of_items(version: str, items: list[Item]) -> Catalog:
    """A catalog from items (convenience for tests and the console)."""
    return Catalog(version, items)

