"""Texts in a language the encoder's vocabulary does not cover are named, not silently
turned into unknown tokens."""
from brainlab.cli import main
from brainlab.text import TextClassifier
from brainlab.text.encoders import make_encoder

from .conftest import small_rows, write_csv

CHINESE = ["这个手机很好用，电池也耐用", "物流很快，包装完好，推荐购买", "质量太差了，用了两天就坏",
           "客服态度恶劣，不推荐购买"] * 3
LABELS = ["好评", "好评", "差评", "差评"] * 3


def test_unknown_share_of_the_default_vocabulary():
    encoder = make_encoder(None)
    assert encoder.unknown_share([r["text"] for r in small_rows()]) == 0.0
    assert encoder.unknown_share(CHINESE) > 0.3   # MiniLM's vocabulary is English


def test_chinese_texts_on_the_english_encoder_get_a_note(capsys):
    classifier = TextClassifier(strategy="features", verbose=1).fit(CHINESE, LABELS)
    assert classifier.info["unknown_tokens"] > 0.3
    assert "--encoder multilingual-e5-small" in capsys.readouterr().err
    rows = small_rows()
    english = TextClassifier(strategy="features", verbose=1).fit(
        [r["text"] for r in rows], [r["label"] for r in rows])
    assert english.info["unknown_tokens"] == 0.0
    assert "unknown to the encoder" not in capsys.readouterr().err


def test_the_cli_and_the_model_card_say_so(tmp_path, capsys):
    data = write_csv(tmp_path / "zh.csv", [{"text": t, "label": y}
                                           for t, y in zip(CHINESE, LABELS)])
    assert main(["text", "train", str(data), "--test-size", "0.34", "--out",
                 str(tmp_path / "m")]) == 0
    assert "unknown to the encoder all-MiniLM-L6-v2" in capsys.readouterr().err
    card = (tmp_path / "m" / "README.md").read_text(encoding="utf-8")
    assert "training texts' tokens were unknown to the encoder" in card


def test_compare_notes_it_once(tmp_path, capsys):
    from brainlab.text.compare import run_compare
    from brainlab.text.data import Dataset

    run_compare(Dataset(CHINESE * 2, LABELS * 2, "zh"), tmp_path, strategies=["features"],
                budgets=[2, 4], small_budget_seeds=2, test_size=0.25, verbose=0)
    notes = [line for line in capsys.readouterr().err.splitlines()
             if "unknown to the encoder" in line]
    assert len(notes) == 1
