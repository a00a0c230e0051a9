"""Drawing a QR code's matrix on a ReportLab canvas (moved from desk.core.receipts.verify)."""

from __future__ import annotations

from typing import Any


def draw_qr(canvas: Any, matrix: list[list[bool]], x: float, y: float, size: float) -> None:
    """Draw ``matrix`` with its lower-left corner at (x, y), ``size`` points wide.

    Dark runs of each row become one rectangle, all in one path (small and fast).
    """
    n = len(matrix)
    cell = size / n
    seam = cell * 0.03  # rows overlap a hair so no viewer shows seams between them
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * cell
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.rect(x + start * cell, top - seam, (c - start) * cell, cell + seam)
            else:
                c += 1
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
