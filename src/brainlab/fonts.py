"""A font for Chinese, Japanese and Korean text in plots (class names, titles): matplotlib's
default DejaVu Sans has none of their glyphs and draws empty boxes."""
from __future__ import annotations

import sys
import warnings
from contextlib import contextmanager

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC",
             "Droid Sans Fallback", "Arial Unicode MS")
# Unicode blocks of CJK scripts: radicals to ideographs (kana and bopomofo among them),
# Hangul syllables, compatibility ideographs, full-width forms, the rarer ideographs
CJK_RANGES = ((0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF),
              (0x20000, 0x2FA1F))
_warned = []   # the missing-font warning is given once a process


def needs_cjk(texts):
    return any(low <= ord(ch) <= high for text in texts for ch in str(text)
               for low, high in CJK_RANGES)


def installed_cjk_font():
    """The first of CJK_FONTS that matplotlib can use, or None. Fonts installed after
    matplotlib built its font cache are not in it, so the system's font files are looked
    at once more."""
    from matplotlib import font_manager

    def known():
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in names), None)

    if known() is None:
        cached = {f.fname for f in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in cached:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
    return known()


@contextmanager
def fonts_for(texts, path=None):
    """Draw inside this block with a CJK font first in line when `texts` hold CJK
    characters. Without one installed, one warning says how to get one (matplotlib's own
    would be one per missing glyph)."""
    if not needs_cjk(texts):
        yield
        return
    import matplotlib.pyplot as plt

    font = installed_cjk_font()
    if font is None and not _warned:
        _warned.append(True)
        print(f"warning: no Chinese/Japanese/Korean font found, so the CJK text in "
              f"{path or 'the plots'} shows as empty boxes; install one (Debian: apt-get "
              "install fonts-wqy-microhei) and the next plot uses it", file=sys.stderr)
    with warnings.catch_warnings(), plt.rc_context(
            {"font.family": "sans-serif",
             "font.sans-serif": ([font] if font else []) + list(plt.rcParams["font.sans-serif"])}):
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield
