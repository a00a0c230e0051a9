"""The printed formats and their sizes: ``a4`` and the 80 mm thermal roll (:class:`Spec`:
page width, margins, type sizes, colours).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

FORMATS = ("a4", "80mm")
CREATOR = "Doorstep Desk 家门口办事台"


@dataclass(frozen=True)
class Spec:
    """Sizes of one format (points)."""

    fmt: str
    page_w: float
    margin_x: float
    margin_top: float
    margin_bottom: float
    body: float
    leading: float
    small: float
    small_leading: float
    title: float
    heading: float
    qr: float
    label_w: float
    ink: Any
    soft: Any  # secondary text
    rule: Any  # table lines
    tint: Any  # table header / label background (None: none)

    @property
    def width(self) -> float:
        """The content width."""
        return self.page_w - 2 * self.margin_x


SPECS = {
    "a4": Spec("a4", A4[0], 15 * mm, 10 * mm, 9 * mm, 10, 14, 8.5, 11.5, 22, 11.5,
               22 * mm, 24 * mm, colors.black, colors.Color(0.25, 0.25, 0.25),
               colors.Color(0.45, 0.45, 0.45), colors.Color(0.93, 0.93, 0.93)),
    "80mm": Spec("80mm", 80 * mm, 4 * mm, 4 * mm, 8 * mm, 8.5, 11.5, 7.5, 9.8, 15, 9.5,
                 30 * mm, 15 * mm, colors.black, colors.black, colors.black, None),
}


def spec_for(fmt: str) -> Spec:
    """The spec of ``fmt`` (``a4`` or ``80mm``)."""
    try:
        return SPECS[fmt]
    except KeyError:
        raise ValueError(f"unknown receipt format {fmt!r} (a4 or 80mm)") from None
