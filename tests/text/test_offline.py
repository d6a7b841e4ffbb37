"""With a local model nothing touches the network: no socket is even opened."""
import os
import subprocess
import sys
import textwrap


def test_features_and_finetune_open_no_socket(tmp_path):
    script = textwrap.dedent("""
        import socket
        opened = []
        class Guard(socket.socket):
            def __init__(self, *args, **kwargs):
                opened.append(args)
                raise OSError("network use is forbidden in this test")
        socket.socket = Guard
        real_getaddrinfo = socket.getaddrinfo
        def no_lookup(*args, **kwargs):
            opened.append(("getaddrinfo",) + args)
            raise OSError("name lookups are forbidden in this test")
        socket.getaddrinfo = no_lookup

        from brainlab.text import TextClassifier
        from brainlab.text.training import TrainingArguments
        texts = ["good match goal", "great team win", "new phone chip", "fast laptop app"] * 3
        labels = ["sport", "sport", "tech", "tech"] * 3
        quick = TrainingArguments(finetune_epochs=1, contrastive_min_steps=2,
                                  contrastive_max_steps=2)
        for strategy in ("features", "finetune", "contrastive"):
            model = TextClassifier(strategy=strategy, args=quick, max_length=16)
            model.fit(texts, labels)
            model.save(f"{strategy}_model")
            TextClassifier.load(f"{strategy}_model").predict(["a goal"])
        print("sockets opened:", len(opened), opened[:3])
        assert not opened
    """)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "BRAINLAB_CACHE": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "sockets opened: 0" in result.stdout
