"""Chinese line breaking (避头尾) for the receipts' paragraphs.

ReportLab's CJK wrapping lets a closing mark that does not fit hang past the right margin
and knows neither the full-width ，；：？！ nor 》 as marks that must not start a line;
it never keeps an opening mark (《（「) off the end of a line. :func:`break_lines` does
the line breaking for :class:`forms.printing.flowables.CJKParagraph`:

- a line never starts with closing punctuation (:data:`CANNOT_START`) and never ends
  with opening punctuation (:data:`CANNOT_END`): the break moves back (the line gets a
  little shorter), it never hangs in the margin;
- a run of Latin letters and digits (a receipt number, a phone number, a check code such
  as GNNI-JZEA-STYE-3NY5, 〔2024〕3号) is not split when a break before it is close
  enough; a longer one is split after one of its hyphens, never inside a group;
- no line is wider than its width unless one character alone is.
"""

from __future__ import annotations

from collections.abc import Sequence

# closing marks: full-width and ASCII punctuation that ends a phrase, closing brackets and
# quotes, iteration and prolonged-sound marks
CANNOT_START = frozenset(
    "，。、；：？！）」』》〉】〕〗〙〛｝］’”…‥·・々〻ー～％‰℃°,.;:?!)]}%"
    "\uff0e\uff61\uff64\ufe50\ufe51\ufe52\ufe54\ufe55\ufe56\ufe57")
# opening brackets and quotes
CANNOT_END = frozenset("（「『《〈【〔〖〘〚｛［‘“([{")

# how far back (in characters) a break may move to keep a Latin/digit run whole: a whole
# receipt number (HY-QL01-20260929-0001) or grouped check code, at half a CJK width each
_KEEP_RUN = 24


def _alnum(ch: str) -> bool:
    return len(ch) == 1 and ch.isascii() and (ch.isalnum() or ch in "-_/.@#+")


def allowed(prev: str, nxt: str) -> bool:
    """True when a line may end after ``prev`` and the next start with ``nxt``."""
    return nxt not in CANNOT_START and prev not in CANNOT_END


def _good(prev: str, nxt: str) -> bool:
    return allowed(prev, nxt) and not (_alnum(prev) and _alnum(nxt))


def break_lines(chars: Sequence[str], widths: Sequence[float],
                max_widths: Sequence[float], hard: Sequence[bool] = (),
                fuzz: float = 1e-8) -> list[tuple[int, int]]:
    """The lines of ``chars`` as ``(start, end)`` index pairs.

    ``widths[i]`` is the width of ``chars[i]``; line ``n`` is at most ``max_widths[n]``
    wide (the last width repeats); ``hard[i]`` marks a forced break after ``chars[i]``.
    """
    n = len(chars)
    lines: list[tuple[int, int]] = []
    start = 0
    while start < n:
        limit = max_widths[min(len(lines), len(max_widths) - 1)]
        used = 0.0
        i = start
        forced = False
        while i < n:
            if used + widths[i] > limit + fuzz and i > start:
                break
            used += widths[i]
            i += 1
            if hard and hard[i - 1]:
                forced = True
                break
        end = i
        if not forced and end < n:
            end = _best_break(chars, start, end)
        lines.append((start, end))
        start = end
    return lines


def _best_break(chars: Sequence[str], start: int, end: int) -> int:
    """Where to break a full line that greedily ends before ``end``."""
    if _good(chars[end - 1], chars[end]):
        return end
    # keep a Latin/digit run whole and the punctuation rules, not too far back
    for k in range(end - 1, max(start, end - _KEEP_RUN), -1):
        if _good(chars[k - 1], chars[k]):
            return k
    # a run too long to move: after one of its hyphens (a check code's group stays whole)
    for k in range(end - 1, start, -1):
        if chars[k - 1] == "-" and _alnum(chars[k]) and allowed(chars[k - 1], chars[k]):
            return k
    # at least the punctuation rules, anywhere on the line
    for k in range(end, start, -1):
        if allowed(chars[k - 1], chars[k]):
            return k
    return end  # a line of nothing but marks: break where it is full
