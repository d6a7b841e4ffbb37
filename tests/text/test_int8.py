"""int8 (text/int8.py): per-token activations, SmoothQuant's exact rescaling, calibration
saved with the model, and vectors that do not depend on their batch."""
import numpy as np
import torch

from brainlab.text import TextClassifier
from brainlab.text.encoders import make_encoder
from brainlab.text.int8 import Int8Linear, quantize_int8, quantize_rows, smoothing_factors


def _relative_error(a, b):
    return float((a - b).norm() / b.norm())


def test_rows_are_quantised_each_by_its_own_largest_value():
    x = torch.tensor([[0.5, -1.0, 0.25], [100.0, 0.0, -50.0], [0.0, 0.0, 0.0]])
    q, scale = quantize_rows(x)
    assert q.dtype == torch.int8 and q.abs().max() <= 127
    assert q[0].tolist() == [64, -127, 32] and q[1].tolist() == [127, 0, -64]
    assert torch.isfinite(scale).all() and q[2].tolist() == [0, 0, 0]
    assert torch.allclose(q.float() * scale, x, atol=float(scale.max()) / 2)


def test_smoothing_moves_the_scale_into_the_weights_without_changing_the_product():
    """(x / s)(W diag(s))^T + b = x W^T + b: SmoothQuant is exact before rounding."""
    torch.manual_seed(0)
    linear = torch.nn.Linear(16, 8)
    x = torch.randn(5, 16)
    s = smoothing_factors(linear, x.abs().amax(dim=0))
    smoothed = (x / s) @ (linear.weight * s[None, :]).T + linear.bias
    assert torch.allclose(smoothed, linear(x), atol=1e-5)


def test_an_outlier_channel_costs_per_token_int8_precision_that_smoothing_gives_back():
    """BERT's activations have a few channels ~50x larger than the rest; per token they
    take every token's precision, smoothed by their calibrated range they do not."""
    torch.manual_seed(0)
    linear = torch.nn.Linear(384, 384)
    x = torch.randn(64, 384)
    x[:, 7] *= 60.0
    exact = linear(x).detach()
    plain = _relative_error(Int8Linear(linear)(x), exact)
    smoothed = _relative_error(quantize_int8(torch.nn.Sequential(linear),
                                             {"0": x.abs().amax(dim=0).numpy()})(x), exact)
    assert smoothed < 0.025 and smoothed < plain / 2


def test_without_outliers_int8_is_within_one_percent_of_fp32():
    torch.manual_seed(1)
    linear = torch.nn.Linear(384, 1536)
    x = torch.randn(3, 10, 384)   # (batch, tokens, width) as in the encoder
    out = Int8Linear(linear)(x)
    assert out.shape == (3, 10, 1536)
    assert _relative_error(out, linear(x).detach()) < 0.01


def test_a_texts_int8_vector_does_not_depend_on_the_texts_batched_with_it():
    """Per-token scales: a long text in the batch no longer coarsens a short one's."""
    encoder = make_encoder(precision="int8")
    short = "the striker scored twice"
    long = "a long report on the economy, " * 20
    alone = encoder.encode([short])[0]
    batched = encoder.encode([short, long], batch_size=2)[0]
    assert np.allclose(alone, batched, atol=1e-4)


def test_calibrated_int8_keeps_the_vectors_and_travels_with_the_saved_model(small_data,
                                                                           tmp_path):
    texts, labels = small_data
    fp32 = TextClassifier(strategy="features").fit(texts, labels)
    int8 = TextClassifier(strategy="features", precision="int8").fit(texts, labels)
    recorded = int8.strategy_.encoder.activation_max
    assert recorded and all(np.all(v > 0) for v in recorded.values())
    a = fp32.strategy_.encoder.encode(texts)
    b = int8.strategy_.encoder.encode(texts)
    cosine = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert cosine.min() > 0.99 and cosine.mean() > 0.995
    assert int8.predict(texts) == fp32.predict(texts)

    fp32.save(tmp_path / "model")   # an fp32 model records the ranges too, for a later int8
    assert (tmp_path / "model" / "int8_calibration.npz").is_file()
    loaded = TextClassifier.load(tmp_path / "model", precision="int8")
    assert set(loaded.strategy_.encoder.activation_max) == set(recorded)
    assert loaded.predict(texts) == fp32.predict(texts)


def test_an_adapted_encoder_is_calibrated_on_its_adapted_weights(small_data):
    from brainlab.text.training import TrainingArguments

    texts, labels = small_data
    args = TrainingArguments(contrastive_min_steps=2, contrastive_max_steps=2)
    classifier = TextClassifier(strategy="contrastive", precision="int8", max_length=32,
                                args=args).fit(texts, labels)
    encoder = classifier.strategy_.encoder
    assert encoder.precision == "int8" and encoder.finetuned
    pretrained = make_encoder(max_length=32).calibrate(
        classifier.strategy_.calibration_texts).activation_max
    assert set(encoder.activation_max) == set(pretrained)
    assert any(not np.allclose(encoder.activation_max[k], pretrained[k]) for k in pretrained)
