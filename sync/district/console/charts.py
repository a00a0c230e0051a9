"""Charts as inline SVG, drawn on the server (no scripts, no network, prints well).

Every chart also writes its numbers as text beside the bars, so colour is never the only
cue and a screen reader gets a ``<title>``/``aria-label`` summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Bar:
    """One bar: a label, a value, an optional second value (drawn darker, e.g. today's
    share of this week's), an optional link and colour class."""

    label: str
    value: int
    part: int = 0
    href: str = ""
    tone: str = ""


def _num(n: int) -> str:
    return f"{n:,}"


def hbar(bars: Sequence[Bar], *, title: str, width: int = 600, row: int = 28,
         label_w: int = 200, empty: str = "暂无数据", part_label: str = "") -> Markup:
    """A horizontal bar chart; the longest bar spans the plot area."""
    if not bars:
        return Markup(f'<p class="empty">{escape(empty)}</p>')
    top = max(b.value for b in bars) or 1
    plot = width - label_w - 64
    h = row * len(bars) + 4
    out = [f'<svg class="chart" viewBox="0 0 {width} {h}" width="100%" role="img" '
           f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">'
           f"<title>{escape(title)}</title>"]
    for i, b in enumerate(bars):
        y = i * row + 2
        w = max(1.0, plot * b.value / top) if b.value else 0.0
        pw = plot * b.part / top if b.part else 0.0
        label = b.label if len(b.label) <= 13 else b.label[:12] + "…"
        text = (f'<text x="{label_w - 8}" y="{y + row * 0.62:.1f}" class="lbl" '
                f'text-anchor="end">{escape(label)}</text>')
        if b.href:
            text = f'<a href="{escape(b.href)}">{text}</a>'
        tone = f" {b.tone}" if b.tone else ""
        extra = f"（{part_label}{_num(b.part)}）" if part_label and b.part else ""
        out.append(
            f"<g><title>{escape(b.label)}: {_num(b.value)}{escape(extra)}</title>{text}"
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 10}" '
            f'class="bar{tone}" rx="2"/>'
            + (f'<rect x="{label_w}" y="{y + 4}" width="{pw:.1f}" height="{row - 10}" '
               f'class="bar part" rx="2"/>' if pw else "")
            + f'<text x="{label_w + w + 6:.1f}" y="{y + row * 0.62:.1f}" class="val">'
            f"{_num(b.value)}</text></g>")
    out.append("</svg>")
    return Markup("".join(out))


def _shares(values: Sequence[int], width: float, least: float = 0.06) -> list[float]:
    """Segment widths proportional to ``values``, but every non-zero one at least
    ``least`` of the width (a status with 3 cases beside 900 still shows, issue 21); the
    legend carries the exact numbers."""
    total = sum(values)
    floor = width * least
    small = [v and width * v / total < floor for v in values]
    rest_total = sum(v for v, s in zip(values, small, strict=True) if not s)
    room = width - floor * sum(small)
    return [0.0 if not v else floor if s else room * v / rest_total
            for v, s in zip(values, small, strict=True)]


def stacked(parts: Sequence[Bar], *, title: str, width: int = 600) -> Markup:
    """One stacked bar (shares of a whole) with a legend of labels and counts below."""
    total = sum(p.value for p in parts)
    if not total:
        return Markup('<p class="empty">暂无数据</p>')
    out = [f'<svg class="chart" viewBox="0 0 {width} 34" width="100%" role="img" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    widths = _shares([p.value for p in parts], width)
    x = 0.0
    for p, w in zip(parts, widths, strict=True):
        if not p.value:
            continue
        rect = (f'<rect x="{x:.1f}" y="2" width="{max(w, 1.5):.1f}" height="30" '
                f'class="seg {p.tone}"><title>{escape(p.label)}: {_num(p.value)}</title></rect>')
        out.append(f'<a href="{escape(p.href)}">{rect}</a>' if p.href else rect)
        x += w
    out.append("</svg>")
    legend = "".join(
        f'<li><span class="sw {p.tone}" aria-hidden="true"></span>'
        + (f'<a href="{escape(p.href)}">{escape(p.label)}</a>' if p.href else escape(p.label))
        + f" <b>{_num(p.value)}</b></li>" for p in parts)
    return Markup("".join(out) + f'<ul class="legend">{legend}</ul>')


def columns(bars: Sequence[Bar], *, title: str, width: int = 600, height: int = 180
            ) -> Markup:
    """Vertical columns with the value above and the label below each."""
    if not bars or not any(b.value for b in bars):
        return Markup('<p class="empty">暂无数据</p>')
    top = max(b.value for b in bars) or 1
    n = len(bars)
    slot = width / n
    bw = min(64.0, slot * 0.6)
    plot = height - 44
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, b in enumerate(bars):
        h = plot * b.value / top
        x = i * slot + (slot - bw) / 2
        y = 18 + plot - h
        cx = i * slot + slot / 2
        out.append(
            f"<g><title>{escape(b.label)}: {_num(b.value)}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{max(h, 1):.1f}" '
            f'class="bar {b.tone}" rx="2"/>'
            f'<text x="{cx:.1f}" y="{y - 4:.1f}" class="val" text-anchor="middle">'
            f"{_num(b.value)}</text>"
            f'<text x="{cx:.1f}" y="{height - 8}" class="lbl" text-anchor="middle">'
            f"{escape(b.label)}</text></g>")
    out.append("</svg>")
    return Markup("".join(out))
