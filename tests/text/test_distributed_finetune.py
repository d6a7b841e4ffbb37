"""Fine-tuning beyond one process: two gloo ranks give the gradients of one process on
the whole batch, and a run killed mid-epoch resumes from its checkpoint to the model an
uninterrupted run gives."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from .conftest import TOPICS, write_csv

ROOT = Path(__file__).resolve().parents[2]
TORCHRUN = Path(sys.executable).with_name("torchrun")
needs_torchrun = pytest.mark.skipif(not TORCHRUN.exists(), reason="torchrun is not installed")


@needs_torchrun
def test_two_gloo_ranks_give_the_gradients_of_one_process_on_the_whole_batch(tmp_path):
    """finetune (a batch split 4 + 3, and a batch of one row) and contrastive (vectors
    gathered across ranks, with their gradients) against one process."""
    import torch
    from safetensors.torch import load_file

    from .ddp_step import (BATCHES, contrastive_forward, contrastive_gradients,
                           finetune_gradients, network_and_data)

    out = tmp_path / "grads.safetensors"
    done = subprocess.run([str(TORCHRUN), "--nproc-per-node", "2", "-m", "tests.text.ddp_step",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    together = load_file(str(out))
    network, ids, targets, encoder = network_and_data()
    alone = {name: finetune_gradients(network, ids, targets, name) for name in BATCHES}
    _, _, _, encoder = network_and_data()
    alone["contrastive"] = contrastive_gradients(contrastive_forward(encoder), encoder, ids,
                                                 targets)
    for name, grads in alone.items():
        assert set(grads) == {k for k in together if k.startswith(name + "/")}
        assert len(grads) > 90   # the encoder's parameters too, not only the head's
        for key, grad in grads.items():
            torch.testing.assert_close(together[key], grad, rtol=1e-5, atol=1e-5, msg=key)


def _rows(n_per_topic=180):
    """Enough distinct texts for fine-tuning epochs of a few seconds."""
    rng = np.random.default_rng(0)
    rows = []
    for label, sentences in TOPICS.items():
        for i in range(n_per_topic):
            a, b = rng.choice(len(sentences), 2, replace=False)
            rows.append({"text": f"{sentences[a]} and {sentences[b]} ({i})", "label": label})
    return rows


def _train(data, out, *extra):
    # a small set, trained as a large one is (2 epochs at 1e-4, straight from the probe):
    # two epochs to checkpoint
    return [sys.executable, "-m", "brainlab", "text", "train", str(data), "--strategy",
            "finetune", "--out", str(out), "--seed", "0", "--finetune-epochs", "2",
            "--finetune-learning-rate", "1e-4", "--finetune-contrastive-start", "off", *extra]


def test_a_run_killed_mid_epoch_resumes_to_the_uninterrupted_model(tmp_path):
    from brainlab.text import TextClassifier

    data = write_csv(tmp_path / "topics.csv", _rows())
    whole = subprocess.run(_train(data, tmp_path / "whole"), capture_output=True, text=True,
                           timeout=600)
    assert whole.returncode == 0, whole.stderr[-3000:]
    assert not (tmp_path / "whole.checkpoint").exists()   # removed once the model is saved

    checkpoints = tmp_path / "killed.checkpoint"
    run = subprocess.Popen(_train(data, tmp_path / "killed"), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while not (checkpoints / "epoch-1").exists() and run.poll() is None:
        assert time.monotonic() < deadline, "no checkpoint after epoch 1"
        time.sleep(0.05)
    time.sleep(0.3)                          # into epoch 2 (15 steps: seconds here)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL
    assert (checkpoints / "latest").read_text().strip() == "epoch-1"   # killed mid-epoch 2
    assert not (tmp_path / "killed").exists()

    again = subprocess.run(_train(data, tmp_path / "killed"), capture_output=True, text=True)
    assert again.returncode == 2 and "--resume" in again.stderr   # never overwritten unasked

    resumed = subprocess.run(_train(data, tmp_path / "killed", "--resume", str(checkpoints)),
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    model, reference = TextClassifier.load(tmp_path / "killed"), \
        TextClassifier.load(tmp_path / "whole")
    assert model.info["finetune_resumed_from_epoch"] == 2
    texts = [row["text"] for row in _rows(20)]
    np.testing.assert_allclose(model.predict_proba(texts), reference.predict_proba(texts),
                               atol=1e-4)
    assert not checkpoints.exists()


def test_resume_refuses_another_runs_checkpoint(tmp_path):
    from brainlab.text.finetune import FineTuner, run_fingerprint

    a = run_fingerprint([[1, 2, 3]], [0], None, None, FineTuner())
    assert a == run_fingerprint([[1, 2, 3]], [0], None, None, FineTuner())
    assert a != run_fingerprint([[1, 2, 4]], [0], None, None, FineTuner())
    assert a != run_fingerprint([[1, 2, 3]], [1], None, None, FineTuner())
    assert a != run_fingerprint([[1, 2, 3]], [0], None, None, FineTuner(epochs=3))
    missing = subprocess.run(_train(write_csv(tmp_path / "t.csv", _rows(30)), tmp_path / "m",
                                    "--resume", str(tmp_path / "nothing")),
                             capture_output=True, text=True)
    assert missing.returncode == 2
    assert "holds no checkpoint" in missing.stderr and len(missing.stderr.splitlines()) == 1


@needs_torchrun
def test_torchrun_finetune_writes_one_model_that_scores_like_one_process(tmp_path):
    from brainlab.text import TextClassifier

    data = write_csv(tmp_path / "topics.csv", _rows(40))
    command = _train(data, tmp_path / "two")[3:]          # text train ... (after -m brainlab)
    two = subprocess.run([str(TORCHRUN), "--nproc-per-node", "2", "-m", "brainlab", *command],
                         capture_output=True, text=True, timeout=600)
    assert two.returncode == 0, two.stderr[-3000:]
    assert two.stdout.count("model saved to") == 1          # rank 0 alone scores and saves
    one = subprocess.run(_train(data, tmp_path / "one"), capture_output=True, text=True,
                         timeout=600)
    assert one.returncode == 0, one.stderr[-3000:]
    models = [TextClassifier.load(tmp_path / name) for name in ("two", "one")]
    assert [m.info["finetune_best_epoch"] for m in models] == [2, 2]
    texts, labels = [r["text"] for r in _rows(10)], [r["label"] for r in _rows(10)]
    assert [m.evaluate(texts, labels)["accuracy"] for m in models] == [1.0, 1.0]
    assert not list(tmp_path.glob("*.checkpoint"))


def test_under_torchrun_only_finetune_trains_and_cuda_needs_a_gpu(tmp_path, monkeypatch):
    from brainlab.text.distributed import training_device
    from brainlab.text.training import TrainingArguments

    data = write_csv(tmp_path / "t.csv", _rows(30))
    features = subprocess.run(
        [sys.executable, "-m", "brainlab", "text", "train", str(data), "--out",
         str(tmp_path / "m")], capture_output=True, text=True,
        env={**os.environ, "RANK": "0", "WORLD_SIZE": "2"})
    assert features.returncode == 2
    assert "only --strategy finetune and contrastive train" in features.stderr
    cuda = subprocess.run([*_train(data, tmp_path / "m"), "--device", "cuda"],
                          capture_output=True, text=True, env={**os.environ,
                                                               "CUDA_VISIBLE_DEVICES": ""})
    assert cuda.returncode == 2 and "sees no GPU" in cuda.stderr
    assert str(training_device("cpu")) == "cpu"
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert str(training_device("auto")) == "cpu"
    with pytest.raises(ValueError, match="sees no GPU"):
        training_device("cuda")
    with pytest.raises(ValueError, match="device must be one of"):
        TrainingArguments(device="gpu")
    with pytest.raises(ValueError, match="resume needs checkpoint_dir"):
        TrainingArguments(resume=True)
