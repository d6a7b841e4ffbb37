"""`torchrun -m brainlab text predict`: the lines split across two processes come back as
one output, every line exactly once, in input order, with the labels of a plain run."""
import codecs
import json
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import small_rows

TORCHRUN = Path(sys.executable).with_name("torchrun")


@pytest.fixture
def scratch_model(tmp_path):
    from brainlab.text import TextClassifier

    rows = small_rows()
    TextClassifier(strategy="scratch", seed=0).fit(
        [r["text"] for r in rows], [r["label"] for r in rows]).save(tmp_path / "model")
    return tmp_path / "model"


@pytest.mark.skipif(not TORCHRUN.exists() and shutil.which("torchrun") is None,
                    reason="torchrun is not installed")
@pytest.mark.parametrize("suffix, mark", [(".jsonl", False), (".csv", False), (".csv", True)])
def test_two_ranks_write_every_line_once_in_order(scratch_model, tmp_path, suffix, mark):
    words = ["goal", "match", "bread", "soup", "chip", "app", "", "final", "garlic", "laptop"]
    lines = [f"{words[i % len(words)]} {i}" if words[i % len(words)] else "" for i in range(53)]
    source = tmp_path / "big.txt"
    # with `mark`, UTF-8 with a byte-order mark (Excel's "CSV UTF-8"): each rank's shard
    # has it, the joined CSV must have it once
    source.write_text("\n".join(lines) + "\n", encoding="utf-8-sig" if mark else "utf-8")
    together, alone = tmp_path / f"together{suffix}", tmp_path / f"alone{suffix}"
    torchrun = str(TORCHRUN) if TORCHRUN.exists() else shutil.which("torchrun")
    done = subprocess.run([torchrun, "--nproc-per-node", "2", "-m", "brainlab", "text",
                           "predict", str(scratch_model), str(source), "--out", str(together)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    reports = [line for line in done.stderr.splitlines() if "predictions written" in line]
    assert reports == [f"53 predictions written to {together}"]   # rank 0's, for the file
    single = subprocess.run([sys.executable, "-m", "brainlab", "text", "predict",
                             str(scratch_model), str(source), "--out", str(alone)],
                            capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr
    assert together.read_bytes() == alone.read_bytes()
    assert together.read_bytes().count(codecs.BOM_UTF8) == int(mark)
    written = together.read_text().splitlines()
    if suffix == ".jsonl":
        assert [json.loads(line)["row"] for line in written] == list(range(1, 54))
    else:
        assert [line.split(",")[0] for line in written[1:]] == [str(i) for i in range(1, 54)]
    assert not list(tmp_path.glob(".together*"))   # the shards are gone


@contextmanager
def _fake_group(backend=None):
    """A world of two without starting one."""
    yield 0, 2


def test_under_torchrun_an_output_file_is_required(scratch_model, tmp_path, monkeypatch):
    from brainlab.text.predict import distributed_predictions

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setattr("brainlab.text.distributed.process_group",
                        _fake_group, raising=True)
    with pytest.raises(ValueError, match="under torchrun the predictions need --out"):
        distributed_predictions(None, iter([]), None)

