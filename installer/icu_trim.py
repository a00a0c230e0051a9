"""Shrink the ICU data library that the PySide6 wheels ship (Linux builds of the desk).

``libicudata.so.NN`` is 31 MB of locale data for every language ICU knows. Qt 6 calls four
ICU services (the ``*_73`` symbols its libraries import, ``nm -D --undefined-only``):
collation (``ucol_*``), calendars and time-zone names (``ucal_*``), locale case mapping
(``u_strToUpper/Lower``) and legacy text codecs (``ucnv_*``). The desk works in Chinese (and
English). This keeps the ICU core data (properties, normalisation, time zones,
supplemental data, the root/zh/en locales with their collation, language, region and zone
names, and the Chinese, Windows-125x, ISO-8859 and Unicode converters) and drops the other
~800 locales, mainframe/Korean/Japanese converters, and what none of those four services
reads: break iterators with their dictionaries, number spelling, transliteration,
character names (``unames.icu``), spoof checking (``confusables.cfu``), StringPrep profiles
(``*.spp``, IDNA 2003) and currency and unit names (number formatting): 31 MB → ~5 MB.
``tests/installer`` compares Qt's collation, time-zone names, case mapping and codecs with
the trimmed and the full data.

The blob is pulled out of the wheel's library, filtered with ICU's ``icupkg`` (package
``icu-devtools``; its data format is stable across ICU versions) and linked into a new
library with the same soname and symbol (``icudtNN_dat``), so nothing else changes.
Needs ``readelf`` and ``gcc``/``cc`` (binutils, build-essential). When a tool is missing,
:func:`trim` returns ``None`` and the build keeps the full library.

Used by ``doorstep-desk.spec``; also runnable by hand:
``python installer/icu_trim.py libicudata.so.73 OUTDIR`` prints the new library's path.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

KEEP_LOCALES = re.compile(r"^(root|en|zh|yue)(_|$)")  # zh_Hant_HK number spelling uses yue
# A locale's .res file: language, optional script, region and variants (en_US_POSIX,
# zh_Hans_CN, es_419, and collation aliases such as de_). Data files (pool, res_index, supplementalData, …) never match.
LOCALE_RES = re.compile(r"^[a-z]{2,3}(_[A-Z][a-z]{3})?(_([A-Z]{2}|\d{3}))?(_[A-Z0-9]*)*\.res$")
# Converter files are named by their table (``uconv -l --canon`` lists the aliases):
# windows-1250…1258 are ibm-5346…5354 and ibm-9447…9449; ISO-8859-2…15 are ibm-912…915,
# ibm-920/921/923, ibm-1089, ibm-9005, ibm-5012 and iso-8859_NN (ISO-8859-1 is built in).
KEEP_CONVERTERS = re.compile(
    r"^(gb18030|windows-936|ibm-1386|ibm-5478|ibm-1383|windows-950|ibm-950|ibm-1373|"
    r"ibm-1375|windows-125\d|ibm-125\d|ibm-534[6-9]_|ibm-535[0-4]_|ibm-944[7-9]_|"
    r"iso-8859|ibm-91[2-5]_|ibm-92[013]_|ibm-1089_|ibm-9005_|ibm-5012_|utf|cesu|scsu|"
    r"bocu|us-ascii|ibm-437|ibm-850)", re.I)
# Qt breaks text with its own Unicode tables and never spells numbers out or transliterates:
# the break iterators with their dictionaries (3.3 MB), rbnf and translit are unused; it
# formats no currencies or units (curr, unit: ICU number formatting).
DROP_TREES = {"brkitr", "rbnf", "translit", "curr", "unit"}
# top-level data no ucol/ucal/ucnv/case-mapping call opens: character names, spoof
# checking, StringPrep profiles
DROP_FILES = re.compile(r"^(unames\.icu|confusables\.cfu|.*\.spp)$")


def keep_item(item: str) -> bool:
    """Whether one ICU data item (``coll/zh.res``, ``gb18030.cnv`` …) stays."""
    parts = item.split("/")
    name = parts[-1]
    if len(parts) > 1 and parts[0] in DROP_TREES:
        return False
    if len(parts) == 1 and DROP_FILES.match(name):
        return False
    if name.endswith(".cnv"):
        return bool(KEEP_CONVERTERS.match(name))
    if LOCALE_RES.match(name):
        return bool(KEEP_LOCALES.match(name.removesuffix(".res")))
    return True


def _tool(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def extract_blob(lib: Path) -> tuple[str, bytes]:
    """(symbol name, data) of the ICU common data inside ``lib``."""
    sections = subprocess.run(["readelf", "-SW", str(lib)], check=True,
                              capture_output=True, text=True).stdout
    symbols = subprocess.run(["readelf", "-sW", "--dyn-syms", str(lib)], check=True,
                             capture_output=True, text=True).stdout
    sym = re.search(r"([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+GLOBAL\s+DEFAULT\s+(\d+)\s+"
                    r"(icudt\d+_dat)\b", symbols)
    if sym is None:
        raise ValueError(f"{lib}: no icudtNN_dat symbol")
    addr, size, index, name = int(sym[1], 16), int(sym[2], 0), int(sym[3]), sym[4]
    sec = re.search(rf"\[\s*{index}\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)", sections)
    if sec is None:
        raise ValueError(f"{lib}: section {index} not found")
    sec_addr, sec_off = int(sec[1], 16), int(sec[2], 16)
    start = sec_off + addr - sec_addr
    data = lib.read_bytes()[start:start + size]
    if data[2:4] != b"\xda\x27":  # the ICU data header's magic number
        raise ValueError(f"{lib}: {name} is not ICU data")
    return name, data


def trim(lib: Path, workdir: Path) -> Path | None:
    """A trimmed copy of ``lib`` (same file name) in ``workdir``; None if tools are missing."""
    icupkg, cc = _tool("icupkg"), _tool("cc", "gcc")
    if not (icupkg and cc and _tool("readelf")):
        return None
    workdir.mkdir(parents=True, exist_ok=True)
    symbol, data = extract_blob(lib)
    # icupkg takes the package name (icudt73l) from the file name
    package = symbol.removesuffix("_dat") + ("l" if sys.byteorder == "little" else "b")
    (workdir / "in").mkdir(exist_ok=True)
    (workdir / "out").mkdir(exist_ok=True)
    full = workdir / "in" / f"{package}.dat"
    full.write_bytes(data)
    items = subprocess.run([icupkg, "-l", str(full)], check=True, capture_output=True,
                           text=True).stdout.split()
    drop = [i for i in items if not keep_item(i)]
    (workdir / "drop.txt").write_text("\n".join(drop) + "\n", encoding="utf-8")
    small = workdir / "out" / f"{package}.dat"
    small.unlink(missing_ok=True)
    subprocess.run([icupkg, "-r", str(workdir / "drop.txt"), str(full), str(small)],
                   check=True, capture_output=True)
    asm = workdir / "icudata.S"
    asm.write_text(
        "\t.section .rodata\n"
        f"\t.globl {symbol}\n"
        f"\t.type {symbol}, @object\n"
        "\t.balign 16\n"
        f"{symbol}:\n"
        f'\t.incbin "{small}"\n'
        f"\t.size {symbol}, . - {symbol}\n"
        '\t.section .note.GNU-stack,"",@progbits\n', encoding="utf-8")
    out = workdir / lib.name
    subprocess.run([cc, "-shared", "-nostdlib", f"-Wl,-soname,{lib.name}", "-o", str(out),
                    str(asm)], check=True, capture_output=True)
    return out


if __name__ == "__main__":
    result = trim(Path(sys.argv[1]), Path(sys.argv[2]))
    print(result or "icupkg/cc/readelf missing: not trimmed")
