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


def test_with_few_labels_finetune_is_contrastive_without_end_to_end_epochs(small_data, tmp_path):
    from brainlab.text import TrainingArguments

    texts, labels = small_data
    few_texts, few_labels = texts[::6], labels[::6]        # 4 per class: nothing to hold out
    tuned = TextClassifier(strategy="finetune", seed=0).fit(few_texts, few_labels)
    adapted = TextClassifier(strategy="contrastive", seed=0).fit(few_texts, few_labels)
    assert "finetune_skipped" in tuned.info
    assert tuned.info["finetune_started_from"] == "contrastive adaptation"
    # below 12 labels per class, MiniLM's contrastive steps take the larger step
    assert tuned.info["contrastive_learning_rate"] == adapted.info["contrastive_learning_rate"] \
        == 1e-4
    np.testing.assert_allclose(tuned.predict_proba(texts), adapted.predict_proba(texts),
                               rtol=1e-4, atol=1e-5)
    tuned.save(tmp_path / "model")   # the adapted encoder travels inside
    assert (tmp_path / "model" / "encoder").is_dir()
    np.testing.assert_allclose(TextClassifier.load(tmp_path / "model").predict_proba(texts),
                               tuned.predict_proba(texts), rtol=1e-4, atol=1e-5)

    # with one label a class finetune's start takes a smaller step than contrastive's,
    # which on BBC News fell below the frozen features with the larger one
    first = [list(few_labels).index(label) for label in sorted(set(few_labels))]
    one_texts, one_labels = [few_texts[i] for i in first], [few_labels[i] for i in first]
    tuned = TextClassifier(strategy="finetune", seed=0).fit(one_texts, one_labels)
    adapted = TextClassifier(strategy="contrastive", seed=0).fit(one_texts, one_labels)
    assert tuned.info["finetune_started_from"] == "contrastive adaptation"
    assert tuned.info["contrastive_learning_rate"] == 3e-5
    assert adapted.info["contrastive_learning_rate"] == 1e-4

    # without the contrastive start there is nothing left to train: the probe is kept
    plain = TrainingArguments(finetune_contrastive_start=False)
    tuned = TextClassifier(strategy="finetune", seed=0, args=plain).fit(few_texts, few_labels)
    probe = TextClassifier(strategy="features", seed=0).fit(few_texts, few_labels)
    assert "finetune_started_from" not in tuned.info
    np.testing.assert_allclose(tuned.predict_proba(texts), probe.predict_proba(texts),
                               rtol=1e-5, atol=1e-6)
    tuned.save(tmp_path / "plain")   # the unchanged encoder is referenced, not copied
    assert not (tmp_path / "plain" / "encoder").exists()

    # labels that are numbers give no class names' sentences: with nothing held out either,
    # nothing would keep contrastive's steps honest, so the probe is the frozen features'
    numbered = [str(sorted(set(few_labels)).index(label)) for label in few_labels]
    tuned = TextClassifier(strategy="finetune", seed=0).fit(few_texts, numbered)
    probe = TextClassifier(strategy="features", seed=0).fit(few_texts, numbered)
    assert "finetune_started_from" not in tuned.info
    assert "no class names" in tuned.info["finetune_contrastive_start_skipped"]
    np.testing.assert_allclose(tuned.predict_proba(texts), probe.predict_proba(texts),
                               rtol=1e-5, atol=1e-6)


def test_a_small_training_part_gets_smaller_steps_for_longer():
    import pytest

    from brainlab.text.training import TrainingArguments

    auto = TrainingArguments()
    assert auto.finetune_schedule(319) == (8, 2e-5)
    assert auto.finetune_schedule(320) == (2, 1e-4)
    assert TrainingArguments(finetune_epochs=3).finetune_schedule(50) == (3, 2e-5)
    assert TrainingArguments(finetune_learning_rate=5e-5).finetune_schedule(5000) == (2, 5e-5)
    # ... and starts from contrastive's adapted encoder, unless told
    # (MiniLM's 6 layers; not a deeper encoder's 12)
    assert auto.finetune_starts_contrastive(999, 6)
    assert not auto.finetune_starts_contrastive(999, 6, checked=False)   # nothing held out,
    assert TrainingArguments(finetune_contrastive_start=True).finetune_starts_contrastive(
        9, 6, checked=False)                                             # no names: unless told
    assert not auto.finetune_starts_contrastive(1000, 6)
    assert not auto.finetune_starts_contrastive(50, 12)
    assert not TrainingArguments(finetune_contrastive_start=False).finetune_starts_contrastive(9, 6)
    assert TrainingArguments(finetune_contrastive_start=True).finetune_starts_contrastive(9999, 12)
    with pytest.raises(ValueError, match="finetune_epochs must be a positive number or None"):
        TrainingArguments(finetune_epochs=0)



def test_the_word_embeddings_stay_pretrained_unless_asked_and_the_rest_trains(small_data):
    import torch

    from brainlab.text.finetune import ClassifierNetwork

    texts, labels = small_data
    probe = TextClassifier(strategy="features", seed=0).fit(texts, labels)
    strategy = probe.strategy_
    model = strategy.encoder.model
    start = {k: v.clone() for k, v in model.state_dict().items()}
    words = model.get_input_embeddings().weight
    word_key = next(k for k, v in model.state_dict().items() if v.data_ptr() == words.data_ptr())
    ids = strategy.encoder.tokenize(texts)
    y = np.array([probe.classes_.index(label) for label in labels])
    for train_words in (False, True):
        model.load_state_dict(start)
        network = ClassifierNetwork(strategy.encoder, strategy.head, strategy.mean, strategy.std)
        FineTuner(epochs=1, verbose=0, bf16=True, train_word_embeddings=train_words).fit(
            network, ids, y, None, None)   # no validation: the last epoch is kept
        after = model.state_dict()
        assert torch.equal(after[word_key], start[word_key]) is not train_words
        assert any(not torch.equal(after[k], start[k]) for k in start if "attention" in k)
        assert words.requires_grad   # handed back as it came


def test_a_multilingual_vocabulary_stays_frozen_by_default_and_switches_are_checked():
    import pytest
    from transformers import BertConfig, BertModel

    from brainlab.text.finetune import word_embeddings_trained
    from brainlab.text.training import TrainingArguments

    def bert(vocabulary):
        return BertModel(BertConfig(vocab_size=vocabulary, hidden_size=32, num_hidden_layers=2,
                                    num_attention_heads=2, intermediate_size=64))

    assert word_embeddings_trained(bert(1_000))             # a small table: trained
    assert not word_embeddings_trained(bert(250_000))       # most of the model: frozen
    assert word_embeddings_trained(bert(250_000), asked=True)
    assert not word_embeddings_trained(bert(1_000), asked=False)
    with pytest.raises(ValueError, match="finetune_bf16 must be True or False, got 'yes'"):
        TrainingArguments(finetune_bf16="yes")
    with pytest.raises(ValueError, match="finetune_word_embeddings must be True or False or "
                                         "None, got 1"):
        TrainingArguments(finetune_word_embeddings=1)


def test_a_resumed_run_restores_the_contrastive_start_from_its_checkpoint(small_data, tmp_path,
                                                                          monkeypatch):
    """The checkpoint holds the adapted weights, so resuming does not run the contrastive
    steps again; and a checkpoint of a run that started from them resumes only such a run."""
    from dataclasses import replace

    import pytest

    from brainlab.text import TrainingArguments
    from brainlab.text.strategies import finetune

    texts, labels = small_data
    args = TrainingArguments(finetune_contrastive_start=True, finetune_epochs=2,
                             checkpoint_dir=str(tmp_path / "checkpoints"))
    whole = TextClassifier(strategy="finetune", seed=0, args=args).fit(texts, labels)
    assert whole.info["finetune_started_from"] == "contrastive adaptation"

    def not_again(*_):
        raise AssertionError("the contrastive steps ran again on resume")

    monkeypatch.setattr(finetune, "adapt_encoder", not_again)
    resumed = TextClassifier(strategy="finetune", seed=0,
                             args=replace(args, resume=True)).fit(texts, labels)
    assert resumed.info["finetune_resumed_from_epoch"] == 3   # both epochs were done
    np.testing.assert_allclose(resumed.predict_proba(texts), whole.predict_proba(texts),
                               atol=1e-4)
    # the facts of where it started are the first run's (its probe saw adapted vectors),
    # not those of the probe the resumed run fitted on unadapted ones to build the network
    started = {k: v for k, v in whole.info.items() if k.startswith(("head_", "contrastive_"))}
    assert started["contrastive_steps"] > 0 and "head_C" in started
    assert {k: v for k, v in resumed.info.items()
            if k.startswith(("head_", "contrastive_"))} == started
    with pytest.raises(ValueError, match="other training texts or settings"):
        TextClassifier(strategy="finetune", seed=0, args=replace(
            args, resume=True, finetune_contrastive_start=False)).fit(texts, labels)
