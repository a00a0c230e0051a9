"""Reading one cell of a workbook row: text, numbers, yes/no, lists, coded values and
conditions, each problem reported with its sheet, row and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from forms.workbook.sheets import (
    ALIASES,
    CONDITION_HELP,
    NO_WORDS,
    YES_WORDS,
    Problem,
    column_words,
    parse_condition,
)


@dataclass
class Row:
    sheet: str
    number: int
    values: dict[str, Any]
    letters: dict[str, str]

    def at(self, col: str) -> tuple[str, int, str]:
        return (self.sheet, self.number, self.letters.get(col, "A"))


@dataclass
class CellReader:
    problems: list[Problem] = field(default_factory=list)

    def bad(self, row: Row, col: str, message: str) -> None:
        self.problems.append(Problem(row.sheet, row.number, row.letters.get(col, "A"),
                                     message))

    def text(self, row: Row, col: str) -> str | None:
        v = row.values.get(col)
        if v is None:
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        s = str(v).strip()
        return s or None

    def integer(self, row: Row, col: str) -> int | None:
        v = row.values.get(col)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer():
            return int(v)
        if isinstance(v, str) and re.fullmatch(r"\s*-?\d+\s*", v):
            return int(v)
        self.bad(row, col, f"{column_words(col)}应为整数，'{v}' 不是")
        raise Unreadable

    def bound(self, row: Row, col: str) -> int | str | None:
        """An integer, or the name of a local parameter (``gljt_min_age``)."""
        v = row.values.get(col)
        if isinstance(v, str) and re.fullmatch(r"\s*[a-z][a-z0-9_]*\s*", v):
            return v.strip()
        return self.integer(row, col)

    def number(self, row: Row, col: str) -> float | None:
        v = row.values.get(col)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, int | float) and not isinstance(v, bool):
            return float(v)
        try:
            return float(str(v))
        except ValueError:
            self.bad(row, col, f"{column_words(col)}应为数字，'{v}' 不是")
            raise Unreadable from None

    def boolean(self, row: Row, col: str) -> bool | None:
        v = row.values.get(col)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, bool):
            return v
        s = str(int(v) if isinstance(v, float) and v.is_integer() else v).strip().lower()
        if s in YES_WORDS:
            return True
        if s in NO_WORDS:
            return False
        self.bad(row, col, f"{column_words(col)}填“是”或“否”，'{v}' 不认识")
        raise Unreadable

    def lines(self, row: Row, col: str) -> list[str] | None:
        s = self.text(row, col)
        if s is None:
            return None
        return [p.strip() for p in s.replace("\r", "\n").split("\n") if p.strip()]

    def coded(self, row: Row, col: str) -> str | None:
        s = self.text(row, col)
        if s is None:
            return None
        words = ALIASES[(row.sheet, col)]
        if s in words:
            return words[s]
        if s in words.values():
            return s
        self.bad(row, col, f"{column_words(col)} '{s}' 不认识，可选：{'、'.join(words)}")
        raise Unreadable

    def condition(self, row: Row, col: str) -> dict[str, Any] | None:
        s = self.text(row, col)
        if s is None:
            return None
        cond = parse_condition(s)
        if cond is None:
            self.bad(row, col, f"{column_words(col)} '{s}' 看不懂（{CONDITION_HELP}）")
            raise Unreadable
        return cond


class Unreadable(Exception):
    """A cell that could not be read (already reported)."""
