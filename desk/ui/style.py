"""Look and feel: the stylesheet, the font size (适老 large mode), high contrast, language.

Sizes follow the MIIT 适老化 specs (domain-facts §8): normal mode 15 px text and 44 px
targets; large mode 21 px text (≥ 18 dp main text) and 60 px targets.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
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


@dataclass(frozen=True)
class Metrics:
    """Sizes in pixels for one mode."""

    font: int
    target: int

    @property
    def values(self) -> dict[str, int]:
        f, t = self.font, self.target
        return {
            "FONT": f, "FONT_S": max(13, f - 2), "FONT_L": f + 4, "FONT_XL": f + 10,
            "TARGET": t, "BTN": t - 8, "INPUT": t - 12, "SEARCH": t + 8, "BOX": f + 5,
            "RAIL": 96 if f < 18 else 124, "SCROLL": 14 if f < 18 else 20,
            "RATE_H": t * 2, "CHIP_R": (t - 8) // 2,
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


def apply(app: QApplication, large: bool, high_contrast: bool) -> None:
    """Apply font and stylesheet to the whole application."""
    global _high_contrast
    _high_contrast = high_contrast
    font = QFont(app.font())
    families: list[str] = [f for f in ("Noto Sans CJK SC", "Source Han Sans SC",
                                       "Microsoft YaHei", "WenQuanYi Micro Hei", "PingFang SC")
                           if f in _families()]
    # rare name characters (CJK Extensions A-H) from the receipts' fallback fonts, loaded
    # just after the first paint (~65 ms): until then Qt's own fallback applies
    font.setFamilies([*(families or [font.family()]), *FALLBACK_FAMILIES])
    QTimer.singleShot(0, load_fallback_fonts)
    font.setPixelSize(metrics(large).font)
    app.setFont(font)
    app.setStyleSheet(stylesheet(large, high_contrast))


_FAMILIES: set[str] | None = None
FALLBACK_FONTS = ("doorstep-han-fallback.ttf", "doorstep-han-fallback-2.ttf")
FALLBACK_FAMILIES = ["Doorstep Han Fallback", "Doorstep Han Fallback 2"]
_fallbacks_loaded = False


def load_fallback_fonts() -> None:
    """The receipts' fallback fonts on screen too, so a rare name character shows (once)."""
    global _fallbacks_loaded
    if _fallbacks_loaded:
        return
    _fallbacks_loaded = True
    for name in FALLBACK_FONTS:
        QFontDatabase.addApplicationFont(str(resources_dir() / "fonts" / name))


def _families() -> set[str]:
    global _FAMILIES
    if _FAMILIES is None:
        _FAMILIES = set(QFontDatabase.families())
    return _FAMILIES


_translators: list[QTranslator] = []


def qt_translation(language: str) -> Path:
    """Qt's own translation (``qtbase_<language>.qm``): the copy the installer bundles
    beside the application's, else the one that came with PySide6."""
    name = f"qtbase_{language}.qm"
    bundled = resources_dir() / "translations" / name
    if bundled.is_file():
        return bundled
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)) / name


def install_language(app: QCoreApplication, language: str) -> bool:
    """Load the UI translation for ``language`` (``en`` …); Chinese is the source text."""
    for t in _translators:
        app.removeTranslator(t)
    _translators.clear()
    if not language or language.startswith("zh"):
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        # Qt's own words (Yes/No, OK/Cancel, the print dialog) in Chinese too; English is
        # built into Qt, so the English UI needs no such file
        qt = QTranslator(app)
        if qt.load(str(qt_translation("zh_CN"))):
            app.installTranslator(qt)
            _translators.append(qt)
        return True
    tr = QTranslator(app)
    qm = resources_dir() / "translations" / f"doorstep_{language.split('_')[0]}.qm"
    if not tr.load(str(qm)):
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
    widget.updateGeometry()
