"""Look and feel: the stylesheet, the font size (适老 large mode), high contrast, language.

Sizes follow the MIIT 适老化 specs (domain-facts §8): normal mode 15 px text and 44 px
targets; large mode 21 px text (≥ 18 dp main text) and 60 px targets.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget


def resources_dir() -> Path:
    """The application's own files (styles, translations); desk.core.resources owns the
    lookup (environment, checkout, frozen bundle, system install)."""
    try:
        from desk.core.resources import resources_dir as core_resources_dir
    except ImportError:  # older core without the module
        frozen = getattr(sys, "_MEIPASS", None)
        return Path(frozen) / "resources" if frozen else \
            Path(__file__).resolve().parents[2] / "resources"
    return core_resources_dir()


def resource(*parts: str) -> Path:
    """A shipped file; a decompressed copy when the installer ships it as ``NAME.xz``."""
    from desk.core.resources import resource as core_resource

    return core_resource(*parts)


# a table cell's padding left and right, in pixels (base.qss's @CELLPAD@; desk.ui.cells
# sizes wrapped cells by it)
CELL_PAD_X = 8


class Metrics:
    """Sizes in pixels for one mode (a plain class: the lock screen paints before
    ``dataclasses`` is imported)."""

    __slots__ = ("font", "target")

    def __init__(self, font: int, target: int) -> None:
        self.font = font
        self.target = target

    def __repr__(self) -> str:
        return f"Metrics(font={self.font}, target={self.target})"

    @property
    def values(self) -> dict[str, int]:
        f, t = self.font, self.target
        return {
            "FONT": f, "FONT_S": max(13, f - 2), "FONT_L": f + 4, "FONT_XL": f + 10,
            "TARGET": t, "BTN": t - 8, "INPUT": t - 12, "SEARCH": t + 8, "BOX": f + 5,
            "RAIL": 96 if f < 18 else 124, "SCROLL": 14 if f < 18 else 20,
            "RATE_H": t * 2, "CHIP_R": (t - 8) // 2, "CELLPAD": CELL_PAD_X,
        }


NORMAL = Metrics(font=15, target=44)
LARGE = Metrics(font=21, target=60)


def metrics(large: bool) -> Metrics:
    """The sizes for normal or large (适老) mode."""
    return LARGE if large else NORMAL


def stylesheet(large: bool, high_contrast: bool) -> str:
    """The application stylesheet for the chosen mode."""
    styles = resources_dir() / "styles"
    text = (styles / "base.qss").read_text(encoding="utf-8")
    if high_contrast:
        text += "\n" + (styles / "contrast.qss").read_text(encoding="utf-8")
    for key, value in metrics(large).values.items():
        text = text.replace(f"@{key}@", str(value))
    return text.replace("@STYLES@", styles.as_posix())


# The rules the lock screen (desk.ui.lock.UnlockDialog) can match, each named by one of
# its selectors. At start the application gets only these (lock_stylesheet): the whole
# sheet's ~150 rules are parsed and matched against each of the screen's widgets ahead of
# its first paint. A rule is kept whole and in its place, so the screen's cascade is the
# whole sheet's (tests/ui/test_start_speed.py renders the screen with both, in the three
# looks and its states, and compares them pixel by pixel); run_gui applies the whole
# sheet once the desk is unlocked. A rule the screen comes to use must be named here.
LOCK_SELECTORS = frozenset({
    "QWidget", "QDialog", "QDialog#lockScreen", 'QFrame[role="card"]', "#lockBrand",
    "#title", "#lockWho", "#subtitle",
    "QLineEdit", "QLineEdit:focus", "QLineEdit:disabled",
    'QLabel[msg="error"]', 'QLabel[msg="info"]',
    "QPushButton", "QPushButton:hover", "QPushButton:focus", "QPushButton:disabled",
    'QPushButton[kind="primary"]', 'QPushButton[kind="primary"]:hover',
    'QPushButton[kind="primary"]:focus', 'QPushButton[kind="primary"]:disabled',
})


def lock_stylesheet(large: bool, high_contrast: bool) -> str:
    """The rules of :func:`stylesheet` that the lock screen uses (``LOCK_SELECTORS``), in
    their order. (Plain string splitting: compiling regular expressions cost more.)"""
    text = stylesheet(large, high_contrast)
    while (start := text.find("/*")) >= 0:  # comments out
        end = text.find("*/", start + 2)
        text = text[:start] + (text[end + 2:] if end >= 0 else "")
    kept = []
    for rule in text.split("}"):
        selectors, _, body = rule.partition("{")
        names = {" ".join(part.split()) for part in selectors.split(",")}
        if body and not names.isdisjoint(LOCK_SELECTORS):
            kept.append(f"{' '.join(selectors.split())} {{{body}}}\n")
    return "".join(kept)


# colours that rich text and painted cells use (the style sheet cannot reach them): the
# normal theme's, and the high-contrast theme's — each meets 4.5:1 on its theme's
# background (white / black)
_COLOURS = {
    "muted": ("#52606d", "#ffffff"),
    "ok": ("#1b5e20", "#69f0ae"),
    "warn": ("#8a5300", "#ffd740"),
    "bad": ("#b71c1c", "#ff8a80"),
    "required": ("#c62828", "#ff8a80"),
    "head_bg": ("#eef2f8", "#000000"),
    "head_fg": ("#1f2933", "#ffff00"),
    "rule": ("#dde3ec", "#ffffff"),
}
_high_contrast = False


def colour(name: str) -> str:
    """A named text colour for the theme in use (``muted``, ``ok``, ``warn``, ``bad``,
    ``required``, ``head_bg``/``head_fg`` for table headers, ``rule``)."""
    normal, contrast = _COLOURS[name]
    return contrast if _high_contrast else normal


@contextmanager
def paper() -> Iterator[None]:
    """Colours for paper while inside (rich text that may be printed): black on white,
    whatever the screen's theme."""
    global _high_contrast
    was, _high_contrast = _high_contrast, False
    try:
        yield
    finally:
        _high_contrast = was


def apply(app: QApplication, large: bool, high_contrast: bool, *,
          fonts_later: bool = False, lock_screen: bool = False) -> None:
    """Apply font and stylesheet to the whole application. The fallback fonts load on the
    next turn of the event loop, or (``fonts_later``) when the caller loads them.
    ``lock_screen``: only the lock screen's rules (:func:`lock_stylesheet`), while it is
    the only window — the start's, until the desk is unlocked."""
    global _high_contrast
    _high_contrast = high_contrast
    global _system_family
    font = QFont(app.font())
    if _system_family is None:
        _system_family = font.family()
    # the Chinese UI fonts a system lacks are skipped by Qt's font matching (asking the
    # font database which it has cost ~7 ms before the lock screen's first paint); rare
    # name characters (CJK Extensions A-H) from the receipts' fallback fonts, loaded just
    # after the first paint (~65 ms): until then Qt's own fallback applies
    font.setFamilies([*PREFERRED_FAMILIES, _system_family, *FALLBACK_FAMILIES])
    if not fonts_later:
        QTimer.singleShot(0, load_fallback_fonts)
    font.setPixelSize(metrics(large).font)
    app.setFont(font)
    sheet = lock_stylesheet if lock_screen else stylesheet
    app.setStyleSheet(sheet(large, high_contrast))


PREFERRED_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
                      "WenQuanYi Micro Hei", "PingFang SC")
FALLBACK_FONTS = ("doorstep-han-fallback.ttf", "doorstep-han-fallback-2.ttf")
FALLBACK_FAMILIES = ["Doorstep Han Fallback", "Doorstep Han Fallback 2"]
_fallbacks_loaded = False
_system_family: str | None = None


def load_fallback_fonts() -> None:
    """The receipts' fallback fonts on screen too, so a rare name character shows (once)."""
    global _fallbacks_loaded
    if _fallbacks_loaded:
        return
    _fallbacks_loaded = True
    from PySide6.QtGui import QFontDatabase  # (its Python type is made once painted)

    for name in FALLBACK_FONTS:
        QFontDatabase.addApplicationFont(str(resource("fonts", name)))


_translators: list[QTranslator] = []


def qt_translation(language: str) -> Path:
    """Qt's own translation (``qtbase_<language>.qm``): the copy the installer bundles
    beside the application's, else the one that came with PySide6."""
    from PySide6.QtCore import QLibraryInfo  # (Qt's words load once the lock screen painted)

    name = f"qtbase_{language}.qm"
    bundled = resources_dir() / "translations" / name
    if bundled.is_file():
        return bundled
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)) / name


class TsTranslator(QTranslator):
    """A translation read from a ``.ts`` file a district published with its catalog (issue
    16): Qt loads only compiled ``.qm`` files, and a desk has no ``lrelease``."""

    def __init__(self, parent: QCoreApplication, table: dict[str, str]) -> None:
        super().__init__(parent)
        self.table = table

    def translate(self, context: Any, source: Any, disambiguation: Any = None,
                  n: int = -1) -> str | None:
        # None (a null string) lets Qt fall back to the source text; "" would blank it
        return self.table.get(str(source))

    def isEmpty(self) -> bool:
        return not self.table


def district_translator(app: QCoreApplication, language: str,
                        district: Path | None) -> QTranslator | None:
    """The UI translation for ``language`` the district published (``district``: the data
    folder's ``translations``): a ``doorstep_<language>.qm`` there, else the ``.ts`` files
    declaring the language; None when there is none."""
    from desk.core.doclang import district_files, read_ts, ts_language

    lang = language.split("_")[0]
    if district is None:
        return None
    qm = district / f"doorstep_{lang}.qm"
    tr = QTranslator(app)
    if qm.is_file() and tr.load(str(qm)):
        return tr
    table: dict[str, str] = {}
    for path in district_files(district):
        if ts_language(path) == lang:
            table.update(read_ts(path))
    return TsTranslator(app, table) if table else None


def install_language(app: QCoreApplication, language: str, *, qt_words: bool = True,
                     district: Path | None = None) -> bool:
    """Load the UI translation for ``language`` (``en`` …); Chinese is the source text.
    ``qt_words=False`` leaves out Qt's own words (the lock screen shows none; the window's
    start installs the language again with them). ``district``: where the desk keeps the
    translation files the district published (a language the desk does not ship)."""
    for t in _translators:
        app.removeTranslator(t)
    _translators.clear()
    if not language or language.startswith("zh"):
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        if not qt_words:
            return True
        # Qt's own words (Yes/No, OK/Cancel, the print dialog) in Chinese too; English is
        # built into Qt, so the English UI needs no such file
        qt = QTranslator(app)
        if qt.load(str(qt_translation("zh_CN"))):
            app.installTranslator(qt)
            _translators.append(qt)
        return True
    shipped = QTranslator(app)
    qm = resources_dir() / "translations" / f"doorstep_{language.split('_')[0]}.qm"
    tr = shipped if shipped.load(str(qm)) else district_translator(app, language, district)
    if tr is None:
        return False
    app.installTranslator(tr)
    _translators.append(tr)
    QLocale.setDefault(QLocale(language))
    return True


def restyle(widget: QWidget, **props: object) -> None:
    """Set dynamic properties the stylesheet keys on (banner, msg, invalid…) and re-polish,
    so padding and colours change at once and the layout makes room for them."""
    for name, value in props.items():
        widget.setProperty(name, value)
    st = widget.style()
    st.unpolish(widget)
    st.polish(widget)
    # a QFrame (QLabel…) takes the rule's border and padding as its frame width on a
    # StyleChange event, which polish() does not send: without it a banner got its
    # colours but not its padding, its text touching the border
    QCoreApplication.sendEvent(widget, QEvent(QEvent.Type.StyleChange))
    widget.updateGeometry()
