"""Plots with Chinese class names: a CJK font where the machine has one, one warning where
it has none."""
import warnings

import pytest
from matplotlib import font_manager

from brainlab.text import report

SCORES = {"labels": ["好评", "差评"], "confusion": [[5, 1], [2, 4]], "accuracy": 0.75,
          "macro_f1": 0.75}


def test_chinese_class_names_are_drawn_in_a_cjk_font(tmp_path):
    font = report._installed_cjk_font()
    if font is None:
        pytest.skip("no CJK font on this machine (Debian: fonts-wqy-microhei, as `make data` "
                    "installs)")
    with report.fonts_for(["好评"]):
        chosen = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]),
                                       fallback_to_default=False)
    assert font_manager.FontProperties(fname=chosen).get_name() == font
    with report.fonts_for(["positive"]):   # Latin names keep the default font
        assert "DejaVu" in font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report.plot_confusion(SCORES, tmp_path / "confusion.png", "评论")
    assert (tmp_path / "confusion.png").stat().st_size > 0
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_without_a_cjk_font_one_warning_says_how_to_get_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report, "CJK_FONTS", ("No Such Font",))
    monkeypatch.setattr(report, "_warned_no_cjk_font", [])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report.plot_confusion(SCORES, tmp_path / "a.png")
        report.plot_confusion(SCORES, tmp_path / "b.png")
    assert (tmp_path / "a.png").exists() and (tmp_path / "b.png").exists()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and str(tmp_path / "a.png") in lines[0]
    assert "apt-get install fonts-wqy-microhei" in lines[0]
    assert not [w for w in caught if "missing from font" in str(w.message)]
