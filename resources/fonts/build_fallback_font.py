"""Rebuild ``doorstep-han-fallback.ttf``: the Han characters the main receipt font lacks.

The receipts' main font, WenQuanYi Micro Hei, covers GBK but hardly any of CJK
Extension A/B — the blocks where rare name characters live (䶮 U+4DAE, 𠮷 U+20BB7).
This script takes Hanazono Mincho A (Debian ``fonts-hanazono``, free licence, see
``LICENSE-hanazono.txt``) and keeps only the Han code points that Micro Hei does not
have: all of Extension A, the compatibility ideographs, the radicals, and the ~2,900
Extension B characters that HanaMinA carries (the commonly needed ones). TrueType
outlines (ReportLab cannot embed CFF).

A second fallback, ``doorstep-han-fallback-2.ttf``, takes from BabelStone Han (Debian
``fonts-babelstone-han``, Arphic Public License, see ``LICENSE-babelstone-han.txt``) every
Han code point that neither Micro Hei nor the first fallback has — much more of Extension
B, and Extensions C–H (𰻞 U+30EDE). Run from the repository root:

    apt-get install -y fonts-hanazono fonts-babelstone-han fonts-wqy-microhei
    pip install fonttools
    python resources/fonts/build_fallback_font.py          # both
    python resources/fonts/build_fallback_font.py second   # only the second
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
SOURCE = Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf")
MAIN = HERE / "wqy-microhei.ttc"
OUT = HERE / "doorstep-han-fallback.ttf"
FAMILY = "Doorstep Han Fallback"
PS_NAME = "DoorstepHanFallback"

SOURCE2 = Path("/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf")
OUT2 = HERE / "doorstep-han-fallback-2.ttf"
FAMILY2 = "Doorstep Han Fallback 2"
PS_NAME2 = "DoorstepHanFallback2"

HAN_RANGES = [
    (0x2E80, 0x2FDF),  # CJK radicals supplement, Kangxi radicals
    (0x31C0, 0x31EF),  # CJK strokes
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # unified ideographs (the few Micro Hei lacks)
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x3134F),  # Extensions B-G
    (0x31350, 0x323AF),  # Extension H
    (0x2F800, 0x2FA1F),  # compatibility supplement
]


def is_han(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in HAN_RANGES)


def main(which: str = "both") -> None:
    main_cmap = set(TTFont(str(MAIN), fontNumber=0).getBestCmap())
    if which != "second":
        build(SOURCE, OUT, main_cmap, FAMILY, PS_NAME, "HanaMinA")
    first = set(TTFont(str(OUT)).getBestCmap())
    build(SOURCE2, OUT2, main_cmap | first, FAMILY2, PS_NAME2, "BabelStoneHan")


def build(source: Path, out: Path, have: set[int], family: str, ps_name: str,
          origin: str) -> None:
    font = TTFont(str(source))
    keep = sorted(cp for cp in font.getBestCmap() if is_han(cp) and cp not in have)
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.name_legacy = True
    opts.notdef_outline = True
    opts.hinting = False
    opts.layout_features = []
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=keep)
    sub.subset(font)
    names = font["name"]
    for rec in list(names.names):
        if rec.nameID in (1, 3, 4, 16, 17, 18):
            names.removeNames(nameID=rec.nameID)
    names.setName(family, 1, 3, 1, 0x409)
    names.setName("Regular", 2, 3, 1, 0x409)
    names.setName(f"{ps_name}-subset-of-{origin}", 3, 3, 1, 0x409)
    names.setName(family, 4, 3, 1, 0x409)
    names.setName(ps_name, 6, 3, 1, 0x409)
    font.save(str(out))
    print(f"{out.name}: {len(keep)} code points, {out.stat().st_size} bytes")


if __name__ == "__main__":
    import sys

    main(sys.argv[1] if len(sys.argv) > 1 else "both")
