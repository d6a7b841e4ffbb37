"""TextClassifier: the three strategies, saving, seeds, int8 and the encoder's batching."""
import numpy as np
import pytest

from brainlab.text import TextClassifier
from brainlab.text.encoders import TransformerEncoder
from brainlab.text.training import TrainingArguments

FAST = {"finetune": {"args": TrainingArguments(finetune_epochs=1, contrastive_min_steps=4,
                                               contrastive_max_steps=4), "max_length": 32},
        "contrastive": {"args": TrainingArguments(contrastive_min_steps=4,
                                                  contrastive_max_steps=4), "max_length": 32}}


@pytest.fixture(scope="module")
def encoder():
    return TransformerEncoder().load()


@pytest.mark.parametrize("strategy", ["scratch", "features", "finetune", "contrastive"])
def test_each_strategy_learns_saves_and_loads(strategy, small_data, tmp_path):
    texts, labels = small_data
    classifier = TextClassifier(strategy=strategy, seed=0, **FAST.get(strategy, {}))
    classifier.fit(texts, labels)
    assert classifier.classes_ == ["food", "sport", "tech"]
    probabilities = classifier.predict_proba(texts)
    assert probabilities.shape == (len(texts), 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    scores = classifier.evaluate(texts, labels)
    assert scores["accuracy"] >= 0.9, scores
    if strategy == "contrastive":   # 24 labels per class: MiniLM's usual step
        assert classifier.info["contrastive_learning_rate"] == 6e-5
    assert set(scores) >= {"accuracy", "macro_f1", "per_class", "confusion"}
    assert np.sum(scores["confusion"]) == len(texts)
    classifier.save(tmp_path / "model")
    loaded = TextClassifier.load(tmp_path / "model")
    unseen = ["the goalkeeper made a save", "a new processor for phones", "bake the bread"]
    np.testing.assert_array_equal(loaded.predict_proba(unseen), classifier.predict_proba(unseen))
    assert loaded.predict(unseen) == classifier.predict(unseen)
    encoder = getattr(classifier.strategy_, "encoder", None)
    adapted = bool(encoder and encoder.finetuned)   # finetune may keep its probe
    assert adapted == (strategy == "contrastive" or strategy == "finetune" and (
        classifier.info["finetune_best_epoch"] > 0 or "finetune_started_from" in classifier.info))
    assert (tmp_path / "model" / "encoder" / "model.safetensors").is_file() == adapted
    if adapted:   # saved again from where it was loaded: the weights are copied, not referenced
        loaded.save(tmp_path / "again")
        assert (tmp_path / "again" / "encoder" / "model.safetensors").is_file()


@pytest.mark.parametrize("strategy", ["scratch", "features"])
def test_same_seed_same_predictions(strategy, small_data):
    texts, labels = small_data
    runs = [TextClassifier(strategy=strategy, seed=3).fit(texts, labels).predict_proba(texts)
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])


def test_features_are_cached_on_disk(small_data, encoder):
    texts, labels = small_data
    TextClassifier(strategy="features").fit(texts, labels)
    calls = []
    original = TransformerEncoder.encode

    def counting(self, batch, *args, **kwargs):
        calls.append(len(batch))
        return original(self, batch, *args, **kwargs)

    TransformerEncoder.encode = counting
    try:
        TextClassifier(strategy="features", seed=1).fit(texts, labels)
    finally:
        TransformerEncoder.encode = original
    assert calls == []


def test_int8_and_fp32_give_the_same_labels(small_data):
    texts, labels = small_data
    fp32 = TextClassifier(strategy="features").fit(texts, labels)
    int8 = TextClassifier(strategy="features", precision="int8").fit(texts, labels)
    assert int8.strategy_.encoder.precision == "int8"
    unseen = ["the midfielder passed to the winger", "the phone gets a software patch",
              "add salt to the pasta water", "the referee showed a red card",
              "a faster graphics card for games", "roast the chicken with garlic"]
    assert int8.predict(unseen) == fp32.predict(unseen)


def test_bf16_keeps_the_vectors_and_leaves_the_fp32_model_untouched(small_data, tmp_path):
    """bf16 runs a bfloat16 copy: vectors at cosine >= 0.999 with fp32, the Hugging Face
    model stays fp32 (for fine-tuning and saving), and a saved model reloads in bf16."""
    import torch

    from brainlab.text.encoders import make_encoder

    texts, labels = small_data
    fp32, bf16 = make_encoder(), make_encoder(precision="bf16")
    a, b = fp32.encode(texts), bf16.encode(texts)
    assert b.dtype == np.float32
    assert np.min(np.sum(a * b, axis=1)) >= 0.999      # both are unit vectors
    assert all(p.dtype == torch.float32 for p in bf16.model.parameters())
    TextClassifier(strategy="features").fit(texts, labels).save(tmp_path / "model")
    loaded = TextClassifier.load(tmp_path / "model", precision="bf16")
    assert loaded.strategy_.encoder.precision == "bf16"
    assert loaded.predict(texts) == TextClassifier.load(tmp_path / "model").predict(texts)


def test_bf16_learns_from_bf16_vectors(small_data, tmp_path, monkeypatch):
    """A features model asked for bf16 fits its head on the bf16 vectors it will be asked
    about (cached under their own key, apart from fp32's), labels as fp32 does, and loads
    in bf16 only where the CPU has it natively (unless asked for)."""
    from brainlab.text.encoders import make_encoder, native_bf16
    from brainlab.text.strategies import DEFAULT_WINDOWS

    windows = DEFAULT_WINDOWS
    monkeypatch.setenv("BRAINLAB_CACHE", str(tmp_path))
    texts, labels = small_data
    bf16 = TextClassifier(strategy="features", precision="bf16").fit(texts, labels)
    assert bf16.strategy_.encoder.precision == "bf16"
    folders = {p.name for p in (tmp_path / "embeddings").iterdir()}
    assert folders == {make_encoder(precision="bf16", windows=windows).key}
    fp32 = TextClassifier(strategy="features").fit(texts, labels)
    assert {p.name for p in (tmp_path / "embeddings").iterdir()} == \
        folders | {make_encoder(windows=windows).key}
    unseen = ["the midfielder passed to the winger", "the phone gets a software patch",
              "add salt to the pasta water"]
    assert bf16.predict(unseen) == fp32.predict(unseen)
    bf16.save(tmp_path / "model")
    assert TextClassifier.load(tmp_path / "model").strategy_.encoder.precision == \
        ("bf16" if native_bf16() else "fp32")
    # on a CPU without native bf16 it would run emulated, slower than fp32: it loads in fp32
    monkeypatch.setattr("brainlab.text.encoders.native_bf16", lambda: False)
    assert TextClassifier.load(tmp_path / "model").strategy_.encoder.precision == "fp32"
    assert TextClassifier.load(tmp_path / "model", precision="bf16").strategy_.encoder \
        .precision == "bf16"


def test_length_sorted_batching_keeps_the_callers_order(encoder):
    texts = ["short", "a much longer text that has many more tokens than the others do here",
             "medium length text", "x " * 300, "another one"]
    together = encoder.encode(texts, batch_size=2)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=2e-5)
    before = encoder.truncated
    encoder.encode(["word " * 1000])
    assert encoder.truncated == before + 1   # 1000 words > 256 tokens: counted


def test_fp32_embeddings_match_sentence_transformers(encoder):
    st = pytest.importorskip("sentence_transformers")
    from brainlab.text.encoders import default_model_path

    texts = ["A man is eating food.", "La tortue court vite.", "word " * 400, "数据"]
    reference = st.SentenceTransformer(str(default_model_path()), device="cpu").encode(texts)
    ours = encoder.encode(texts)
    cosine = (ours * reference).sum(1) / np.linalg.norm(ours, axis=1) / \
        np.linalg.norm(reference, axis=1)
    assert cosine.min() >= 0.9999


def test_bad_api_input():
    with pytest.raises(ValueError, match="strategy=.magic.: expected one of"):
        TextClassifier(strategy="magic")
    classifier = TextClassifier(strategy="scratch")
    with pytest.raises(ValueError, match="not fitted"):
        classifier.predict(["hello"])
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        classifier.fit(["a", "b"], ["x"])
    with pytest.raises(ValueError, match="label 1 is missing"):
        classifier.fit(["a", "b"], ["x", None])
    with pytest.raises(ValueError, match="text 0 is empty"):
        classifier.fit(["  ", "b"], ["x", "y"])
    with pytest.raises(ValueError, match="only one class"):
        classifier.fit(["a", "b"], ["x", "x"])


@pytest.mark.parametrize("packed, groups", [(True, 4), (True, 1), (False, 4)])
def test_lean_bert_forward_matches_hugging_face(encoder, packed, groups):
    """Packed (the padding cut out of every matrix product, attention in groups of texts of
    similar length) or padded, the lean forward gives Hugging Face's token states."""
    import torch

    from brainlab.text.encoders import pad_batch
    from brainlab.text.fastbert import PACK_BELOW, FastBert, supports

    model = encoder.model
    assert supports(model)
    texts = ["a short one", "a somewhat longer text " * 9, "a middle one, neither"]
    texts += [f"text number {i} " + "and more words " * (i % 5) for i in range(9)]
    input_ids, mask = pad_batch(encoder.tokenize(texts))
    assert mask.float().mean() < PACK_BELOW   # a batch the packed forward takes, in three
    # attention groups of 4 texts (the longest first, whatever the arrival order)
    lean = FastBert(model)
    lean.packed, lean.attention_groups = packed, groups
    with torch.inference_mode():
        ours = lean(input_ids, mask)
        theirs = model(input_ids=input_ids, attention_mask=mask,
                       token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
    difference = ((ours - theirs) * mask[..., None]).abs().max()
    assert float(difference) < 1e-4


def test_training_on_a_cpu_runs_eager_attention_with_the_same_math(encoder):
    """In training (dropout on) the trainable forward's attention is TRAINING_ATTENTION,
    whose SDPA counterpart takes no dropout on a CPU; eval mode puts back the attention the
    model was loaded with, and both give the same token states."""
    import torch

    from brainlab.text.encoders import pad_batch
    from brainlab.text.fastbert import TRAINING_ATTENTION, HuggingFaceForward, set_attention

    model = encoder.model
    loaded = model.config._attn_implementation
    assert TRAINING_ATTENTION == "eager" != loaded
    network = HuggingFaceForward(model)
    network.train()
    assert model.training and model.config._attn_implementation == "eager"
    network.eval()
    assert not model.training and model.config._attn_implementation == loaded
    input_ids, mask = pad_batch(encoder.tokenize(["a short one", "a longer text " * 9]))
    with torch.inference_mode():
        theirs = network(input_ids, mask)
        set_attention(model, "eager")
        ours = network(input_ids, mask)
        set_attention(model, loaded)
    assert float(((ours - theirs) * mask[..., None]).abs().max()) < 1e-4
