"""Plots with Chinese class names: a CJK font where the machine has one, one warning where
it has none (brainlab/fonts.py, through files.save_figure)."""
import warnings

import matplotlib.pyplot as plt
import pytest
from matplotlib import font_manager

from brainlab import fonts
from brainlab.text import report

SCORES = {"labels": ["好评", "差评"], "confusion": [[5, 1], [2, 4]], "accuracy": 0.75,
          "macro_f1": 0.75}


def _sans_serif_file():
    return font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]),
                                 fallback_to_default=False)


def test_chinese_class_names_are_drawn_in_a_cjk_font(tmp_path, monkeypatch):
    font = fonts.installed_cjk_font()
    if font is None:
        pytest.skip("no CJK font on this machine (Debian: fonts-wqy-microhei, as `make data` "
                    "installs)")
    with fonts.fonts_for(["好评"]):
        assert font_manager.FontProperties(fname=_sans_serif_file()).get_name() == font
    with fonts.fonts_for(["positive"]):   # Latin text keeps the default font
        assert "DejaVu" in _sans_serif_file()
    seen = []   # the font the figure is drawn in, read while it is saved
    savefig = plt.Figure.savefig
    monkeypatch.setattr(plt.Figure, "savefig", lambda self, *a, **k: (
        seen.append(font_manager.FontProperties(fname=_sans_serif_file()).get_name()),
        savefig(self, *a, **k)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report.plot_confusion(SCORES, tmp_path / "confusion.png", "评论")
    assert seen == [font] and (tmp_path / "confusion.png").stat().st_size > 0
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_without_a_cjk_font_one_warning_says_how_to_get_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(fonts, "CJK_FONTS", ("No Such Font",))
    monkeypatch.setattr(fonts, "_warned", [])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report.plot_confusion(SCORES, tmp_path / "a.png")
        report.plot_confusion(SCORES, tmp_path / "b.png")
    assert (tmp_path / "a.png").exists() and (tmp_path / "b.png").exists()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and str(tmp_path / "a.png") in lines[0]
    assert "apt-get install fonts-wqy-microhei" in lines[0]
    assert not [w for w in caught if "missing from font" in str(w.message)]
