"""A text longer than max_length read in windows: each window a full input of its own, and
the text's vector the mean over all its windows' tokens."""
import numpy as np
import pytest

from brainlab.text import TextClassifier
from brainlab.text.encoders import make_encoder


@pytest.fixture(scope="module")
def raw():
    """MiniLM without its final L2 normalisation, so that means can be checked."""
    return make_encoder(normalize=False).load()


def test_each_window_is_a_whole_input_and_the_first_is_what_tokenize_gives():
    encoder = make_encoder(windows=3).load()
    text = "word " * 600   # 600 tokens: windows of 254 + [CLS] and [SEP]
    windows, owner = encoder.window_ids(["short text", text])
    assert owner.tolist() == [0, 1, 1, 1]
    cls, sep = encoder.tokenizer.cls_token_id, encoder.tokenizer.sep_token_id
    assert all(w[0] == cls and w[-1] == sep for w in windows)
    assert [len(w) for w in windows] == [4, 256, 256, 94]
    assert windows[:2] == make_encoder().tokenize(["short text", text])
    before = encoder.truncated
    encoder.window_ids(["word " * 1000])   # 4 windows' worth, 3 read: counted as cut
    assert encoder.truncated == before + 1


def test_a_long_texts_vector_is_the_mean_over_its_windows_tokens(raw):
    """cat x 254 then dog x 100: windows [CLS] cat.. [SEP] (256 tokens) and [CLS] dog..
    [SEP] (102), each encoded as that text alone would be."""
    windowed = make_encoder(normalize=False, windows=2)
    cats, dogs = raw.encode(["cat " * 254, "dog " * 100])
    expected = (256 * cats + 102 * dogs) / 358
    np.testing.assert_allclose(windowed.encode(["cat " * 254 + "dog " * 100])[0], expected,
                               rtol=1e-4, atol=1e-5)


def test_short_texts_are_encoded_as_before_and_vectors_stay_unit_length():
    texts = ["a short one", "word " * 600, "another short text"]
    one, several = make_encoder(), make_encoder(windows=8)
    a, b = one.encode(texts), several.encode(texts)
    np.testing.assert_allclose(b[[0, 2]], a[[0, 2]], atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1, rtol=1e-5)
    assert several.key != one.key   # cached apart


def test_windows_are_a_parameter_saved_with_the_model(small_data, tmp_path):
    texts, labels = small_data
    clf = TextClassifier(strategy="features", windows=2).fit(texts, labels)
    assert clf.get_params()["windows"] == 2 and clf.info["windows"] == 2
    clf.save(tmp_path / "model")
    loaded = TextClassifier.load(tmp_path / "model")
    assert loaded.strategy_.encoder.windows == 2
    assert "up to 2 windows of 256 tokens" in (tmp_path / "model" / "README.md").read_text()
    np.testing.assert_allclose(loaded.predict_proba(texts), clf.predict_proba(texts),
                               atol=1e-5)
    assert TextClassifier(strategy="features").fit(texts, labels).info["windows"] == 8
    with pytest.raises(ValueError, match="windows=0: expected None or a positive integer"):
        TextClassifier(windows=0)


def test_contrastive_steps_read_the_windows_the_classifier_reads(small_data):
    """contrastive's steps see every window of a long text (as its head does), unless
    TrainingArguments.contrastive_windows says fewer; counted as truncated only by what
    the model reads, not by its training."""
    from brainlab.text.training import TrainingArguments

    texts, labels = small_data
    texts = [text + " and more" * 6 for text in texts]   # past 8 tokens: several windows
    fast = {"contrastive_min_steps": 2, "contrastive_max_steps": 2}
    whole = TextClassifier(strategy="contrastive", max_length=8, windows=3, use_cache=False,
                           args=TrainingArguments(**fast)).fit(texts, labels)
    assert whole.info["contrastive_windows"] == 3
    first = TextClassifier(strategy="contrastive", max_length=8, windows=3, use_cache=False,
                           args=TrainingArguments(contrastive_windows=1, **fast))
    assert first.fit(texts, labels).info["contrastive_windows"] == 1
    assert whole.info["truncated_texts"] == first.info["truncated_texts"]
