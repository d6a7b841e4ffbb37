"""Fine-tuning's batching and its rule for few labels."""
import numpy as np

from brainlab.text import TextClassifier
from brainlab.text.finetune import FineTuner


def test_training_batches_cover_every_text_once_pad_little_and_change_every_epoch():
    rng = np.random.default_rng(0)
    ids = [[1] * int(n) for n in rng.integers(3, 120, 1000)]
    tuner = FineTuner(batch_size=32)
    generator = np.random.default_rng(1)   # one per run, as in FineTuner.fit
    batches = tuner._batch_rows(ids, generator)
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(1000))          # every text, once
    padded = sum(max(len(ids[i]) for i in b) * len(b) for b in batches)
    order = np.random.default_rng(1).permutation(1000)   # a plain shuffled loop's batches
    shuffled_padding = sum(max(len(ids[i]) for i in order[s:s + 32]) * len(order[s:s + 32])
                           for s in range(0, 1000, 32))
    assert padded < 0.7 * shuffled_padding   # buckets of similar length pad far less
    again = tuner._batch_rows(ids, generator)   # the next epoch: another order (what
    assert [b.tolist() for b in again] != [b.tolist() for b in batches]   # set_epoch is for)


def test_with_few_labels_finetune_keeps_the_probe(small_data, tmp_path):
    texts, labels = small_data
    few_texts, few_labels = texts[::6], labels[::6]        # 4 per class: nothing to hold out
    tuned = TextClassifier(strategy="finetune", seed=0).fit(few_texts, few_labels)
    probe = TextClassifier(strategy="features", seed=0).fit(few_texts, few_labels)
    assert "finetune_skipped" in tuned.info
    np.testing.assert_allclose(tuned.predict_proba(texts), probe.predict_proba(texts),
                               rtol=1e-5, atol=1e-6)
    tuned.save(tmp_path / "model")   # the unchanged encoder is referenced, not copied
    assert not (tmp_path / "model" / "encoder").exists()
    np.testing.assert_allclose(TextClassifier.load(tmp_path / "model").predict_proba(texts),
                               tuned.predict_proba(texts), rtol=1e-5, atol=1e-6)


def test_a_small_training_part_gets_smaller_steps_for_longer():
    import pytest

    from brainlab.text.training import TrainingArguments

    auto = TrainingArguments()
    assert auto.finetune_schedule(319) == (8, 2e-5)
    assert auto.finetune_schedule(320) == (2, 1e-4)
    assert TrainingArguments(finetune_epochs=3).finetune_schedule(50) == (3, 2e-5)
    assert TrainingArguments(finetune_learning_rate=5e-5).finetune_schedule(5000) == (2, 5e-5)
    with pytest.raises(ValueError, match="finetune_epochs must be a positive number or None"):
        TrainingArguments(finetune_epochs=0)
