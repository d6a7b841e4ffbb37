"""Contrastive adaptation: the losses, the linear amount of work, and the strategy."""
import numpy as np
import pytest
import torch

from brainlab.text.contrastive import (BalancedBatches, batch_hard_triplet_loss,
                                       contrastive_steps, supervised_contrastive_loss,
                                       with_lone_views)


def test_supervised_contrastive_loss_matches_its_formula():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(6, 4))
    labels = np.array([0, 0, 1, 1, 1, 2])
    z = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    T, total, anchors = 0.1, 0.0, 0
    for a in range(6):
        others = [j for j in range(6) if j != a]
        log_denominator = np.log(sum(np.exp(z[a] @ z[j] / T) for j in others))
        positives = [p for p in others if labels[p] == labels[a]]
        if positives:
            total += -np.mean([z[a] @ z[p] / T - log_denominator for p in positives])
            anchors += 1
    ours = supervised_contrastive_loss(torch.tensor(vectors), torch.tensor(labels), T)
    assert float(ours) == pytest.approx(total / anchors, rel=1e-10)


def test_batch_hard_triplet_loss_matches_its_formula():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(5, 3))
    labels = np.array([0, 0, 1, 1, 0])
    z = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    d = 1 - z @ z.T
    expected = np.mean([max(0.0, max(d[a, p] for p in range(5) if p != a and
                                     labels[p] == labels[a]) -
                            min(d[a, n] for n in range(5) if labels[n] != labels[a]) + 0.25)
                        for a in range(5)])
    ours = batch_hard_triplet_loss(torch.tensor(vectors), torch.tensor(labels), margin=0.25)
    assert float(ours) == pytest.approx(expected, rel=1e-10)


def test_work_is_linear_in_the_number_of_labels():
    """100,000 labels: a bounded number of fixed-size batches, no list of 10^10 pairs."""
    import tracemalloc

    labels = np.repeat(np.arange(4), 25_000)
    assert contrastive_steps(len(labels), 32, 16.0, 8, 400) == 400          # capped
    assert contrastive_steps(4, 32, 1.0, 8, 400) == 8                       # floored
    assert contrastive_steps(320, 32, 16.0, 8, 400) == 160                  # linear between
    assert contrastive_steps(16, 32, 16.0, 8, 400) == 16   # 16 passes over a 16-text batch
    tracemalloc.start()
    batches = BalancedBatches(labels, 16, seed=0)
    seen = [batches.next() for _ in range(400)]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * labels.nbytes      # O(n) memory: a few copies of the label array
    assert all(len(rows) == 16 for rows in seen)
    counts = np.bincount(labels[np.concatenate(seen)], minlength=4)
    assert counts.min() == counts.max()   # class-balanced


def test_balanced_batches_cover_tiny_classes_and_walk_every_text():
    labels = np.array([0] * 50 + [1])     # one text in class 1
    batches = BalancedBatches(labels, 8, seed=0)
    rows = [batches.next() for _ in range(13)]
    assert all((labels[r] == 1).sum() == 1 for r in rows)   # the lone text in every batch
    walked = np.concatenate([r[labels[r] == 0] for r in rows[:12]])
    assert len(set(walked.tolist())) == 48   # a permutation is walked before repeating


def test_with_many_classes_a_batch_holds_two_texts_of_each_of_fewer_classes():
    """26 classes, batches of 32: 16 classes x 2 texts (no class alone with its dropout
    view), every class in turn; up to 16 classes every class is in every batch."""
    labels = np.repeat(np.arange(26), 8)
    batches = BalancedBatches(labels, 32, seed=0)
    seen = [batches.next() for _ in range(13)]   # 13 x 16 = 8 rounds of the 26 classes
    for rows in seen:
        assert len(rows) == 32 and len(set(rows.tolist())) == 32
        assert set(np.bincount(labels[rows]).tolist()) <= {0, 2}
    counts = np.bincount(labels[np.concatenate(seen)], minlength=26)
    assert counts.min() == counts.max() == 16
    three = BalancedBatches(np.repeat(np.arange(3), 20), 32, seed=0).next()
    assert np.bincount(np.repeat(np.arange(3), 20)[three]).tolist() == [10, 10, 10]
    # a batch too small for 8 classes x 2 (5 classes, 1 label each): every class, once
    five = BalancedBatches(np.arange(5), 5, seed=0).next()
    assert sorted(five.tolist()) == [0, 1, 2, 3, 4]


def test_lone_texts_get_a_second_view_so_every_text_has_a_positive():
    labels = np.array([0, 0, 0, 1, 2, 2])
    rows = with_lone_views(np.array([0, 1, 3, 4, 5]), labels)
    assert sorted(rows.tolist()) == [0, 1, 3, 3, 4, 5]   # only the lone class-1 text twice
    same = labels[rows][:, None] == labels[rows][None, :]
    assert ((same.sum(axis=1) - 1) >= 1).all()
    loss = supervised_contrastive_loss(torch.randn(len(rows), 8), torch.from_numpy(labels[rows]))
    assert torch.isfinite(loss)


def test_compare_runs_contrastive_only_at_its_budgets(small_data, tmp_path):
    """The demo's shape: encoder-training strategies limited to some budgets, per strategy."""
    from brainlab.text.compare import run_compare
    from brainlab.text.data import Dataset
    from brainlab.text.training import TrainingArguments

    texts, labels = small_data
    rows, report = run_compare(
        Dataset(texts, labels, "small"), tmp_path, strategies=["features", "contrastive"],
        budgets=[2, 4], small_budget_seeds=1, small_budget=4,
        encoder_budgets={"contrastive": [2]}, verbose=0, test_per_class=3,
        classifier_options={"args": TrainingArguments(contrastive_min_steps=2,
                                                      contrastive_max_steps=2)})
    assert sorted((r["strategy"], r["budget"]) for r in rows) == [
        ("contrastive", 2), ("features", 2), ("features", 4)]
    assert {r["test_size"] for r in rows} == {9}   # 3 per class of the test part
    assert "contrastive" in report and (tmp_path / "learning_curve.png").is_file()


def test_chunked_encoding_gives_each_text_its_own_vector_in_the_callers_order():
    """The batch is encoded in length-sorted chunks (less padding); the vectors must come
    back in the order of `rows`, equal to one padded forward's, with gradients."""
    from brainlab.text.contrastive import CHUNK_TEXTS, ContrastiveTuner
    from brainlab.text.encoders import make_encoder, pad_batch
    from brainlab.text.fastbert import HuggingFaceForward

    encoder = make_encoder(max_length=64)
    texts = [("word " * n).strip() for n in (30, 2, 17, 5, 40, 1, 9, 25, 3, 12, 33)]
    ids = encoder.tokenize(texts)
    rows = np.array([4, 1, 9, 0, 7, 2, 10, 5, 3, 8, 6, 1])   # unsorted, one text twice
    assert len(rows) > CHUNK_TEXTS   # at least two chunks
    network = HuggingFaceForward(encoder.model).eval()   # no dropout: comparable forwards
    chunked = ContrastiveTuner()._encode(encoder, network, ids, rows, 0)
    input_ids, mask = pad_batch([ids[i] for i in rows], 0)
    with torch.no_grad():
        whole = encoder.pool(network(input_ids, mask), mask)
    assert chunked.requires_grad and chunked.shape == whole.shape
    assert torch.allclose(chunked.detach(), whole, atol=1e-4)


def test_the_learning_rate_follows_the_encoders_depth_and_the_labels_unless_set():
    """MiniLM's 6 layers: 1e-4 below 12 labels per class, 6e-5 from there (finetune's
    careful start: 3e-5 with one label a class); 2e-5 for a 12-layer encoder
    (multilingual-e5-small lost 3.1 points to its frozen features at 6e-5 on the Chinese
    reviews) at any budget; a set rate wins."""
    from brainlab.text.training import TrainingArguments

    assert TrainingArguments().contrastive_rate(6) == 6e-5
    assert TrainingArguments().contrastive_rate(6, per_class=8) == 1e-4
    assert TrainingArguments().contrastive_rate(6, per_class=12) == 6e-5
    assert TrainingArguments().contrastive_rate(12) == 2e-5
    assert TrainingArguments().contrastive_rate(12, per_class=8) == 2e-5
    # finetune's careful step: 3e-5 with one label a class on a shallow encoder only
    assert TrainingArguments().contrastive_rate(6, per_class=1, careful=True) == 3e-5
    assert TrainingArguments().contrastive_rate(6, per_class=2, careful=True) == 1e-4
    assert TrainingArguments().contrastive_rate(6, per_class=1) == 1e-4
    assert TrainingArguments().contrastive_rate(12, per_class=1, careful=True) == 2e-5
    assert TrainingArguments(contrastive_learning_rate=1e-4).contrastive_rate(
        6, per_class=1, careful=True) == 1e-4
    assert TrainingArguments(contrastive_learning_rate=1e-4).contrastive_rate(12) == 1e-4
    with pytest.raises(ValueError, match="contrastive_learning_rate must be a positive number "
                                         "or None"):
        TrainingArguments(contrastive_learning_rate=0)


def test_a_text_read_in_windows_gets_in_the_steps_the_vector_encode_gives_it():
    """With `fit`'s owner, the steps see a long text as the token-weighted mean of its
    windows' vectors, as TransformerEncoder.encode reads it (up to the normalisation
    that the losses apply), with gradients."""
    from brainlab.text.contrastive import ContrastiveTuner, windows_by_text
    from brainlab.text.encoders import make_encoder
    from brainlab.text.fastbert import HuggingFaceForward
    from brainlab.text.training import TrainingArguments

    encoder = make_encoder(max_length=32, windows=4).load()
    texts = ["a short one", "word " * 70, "cat " * 40 + "dog " * 20, "another"]
    ids, owner = encoder.window_ids(texts, 4)
    assert owner.tolist() == [0, 1, 1, 1, 2, 2, 3]
    assert encoder.window_ids(texts, 1)[0] == encoder.tokenize(texts)   # the first windows
    tuner = ContrastiveTuner()
    tuner.windows_of = windows_by_text(owner, len(texts))
    rows = np.array([2, 0, 1, 2, 3])
    network = HuggingFaceForward(encoder.model).eval()
    stepped = tuner._encode(encoder, network, ids, rows, 0)
    assert stepped.requires_grad and stepped.shape == (5, encoder.dimension)
    unit = torch.nn.functional.normalize(stepped.detach(), dim=1).numpy()
    np.testing.assert_allclose(unit, encoder.encode(texts)[rows], atol=1e-4)
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="contrastive_windows must be a positive"):
            TrainingArguments(contrastive_windows=bad)
