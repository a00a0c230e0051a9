"""Names as the desk and the district search them: pinyin initials.

One definition for both sides, so ``tym`` finds 唐玉梅 at the desk and on the district
console alike. pypinyin is imported on the first call (its import costs ~0.5 s) and only
single-character readings are used (names are not phrases: ``PYPINYIN_NO_PHRASES``).
"""

from __future__ import annotations

import os


def name_initials(name: str) -> str:
    """Pinyin initials of a name: 张三 → zs (letters in a name are kept, lower-cased)."""
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
    from pypinyin import Style, lazy_pinyin  # imported on first use, not at start-up

    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER)
                   if p and p[0].isalnum()).lower()
