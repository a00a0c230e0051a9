"""Which second languages a desk can print documents in (文书第二语言, issue 16) — a light
module (no ReportLab) for the settings dialog and the command line; the printing itself is
:mod:`desk.core.receipts.bilingual`.

A language is available when English (built in), the catalog's translations (``translations:
{ii: …}`` on items, ``name::ii`` columns in the workbook) or a translation file provide it:
the desk's ``resources/translations/doorstep_<lang>.ts`` or a file the district published,
kept in the data folder's ``translations`` (:func:`district_dir`). ``.ts`` files are read
as Qt Linguist XML, without Qt.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desk.core.resources import resources_dir
from forms.printing.tsfiles import district_dir as district_dir
from forms.printing.tsfiles import district_files as district_files
from forms.printing.tsfiles import read_ts as read_ts
from forms.printing.tsfiles import ts_language as ts_language

if TYPE_CHECKING:
    from forms.catalog import Catalog

# how the settings show a language (its code otherwise)
LANGUAGE_NAMES = {"en": "英语 English", "ii": "彝语 (ii)", "bo": "藏语 (bo)", "ug": "维吾尔语 (ug)",
                  "mn": "蒙古语 (mn)", "za": "壮语 (za)", "ko": "朝鲜语 (ko)", "kk": "哈萨克语 (kk)"}


def file_languages(district: Path | None = None) -> set[str]:
    """Languages some translation file provides (the desk's and the district's)."""
    found = {p.name[len("doorstep_"):-3].split("_")[0]
             for p in (resources_dir() / "translations").glob("doorstep_*.ts")}
    found |= {ts_language(p) for p in district_files(district)}
    return {lang for lang in found if lang}


def languages(catalog: Catalog, district: Path | None = None) -> list[str]:
    """The second languages this desk can print: English, and every language the catalog's
    translations or a translation file provide."""
    found = {"en"} | file_languages(district)
    for item in getattr(catalog, "items", []):
        found |= set(item.translations or {})
    return sorted(found, key=lambda lang: (lang != "en", lang))


