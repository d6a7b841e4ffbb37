"""The GPU path, checked in one short run: fine-tune MiniLM on BBC News with --device cuda
(and with 2 GPUs, under torchrun), and print time and accuracy beside a CPU run's figures.
Exits with a message where PyTorch sees no GPU.

    python bench/gpu_finetune.py [--data bbc-news]
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def train(command, out):
    started = time.perf_counter()
    done = subprocess.run(command + ["--out", str(out)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    info = json.loads((out / "brainlab.json").read_text())["info"]
    summary = json.loads((out / "summary.json").read_text())
    return time.perf_counter() - started, summary["accuracy"], info


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="bbc-news")
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        sys.exit("PyTorch sees no GPU here: nothing to check (the CPU figures are in "
                 "docs/results/benches/ddp.md)")
    folder = Path(tempfile.mkdtemp(prefix="bench-gpu-"))
    base = ["-m", "brainlab", "text", "train", args.data, "--strategy", "finetune", "--seed",
            "0", "--device", "cuda"]
    runs = [("1 GPU", [sys.executable, *base], folder / "one")]
    if torch.cuda.device_count() > 1:
        runs.append((f"{torch.cuda.device_count()} GPUs, torchrun (nccl)",
                     [str(Path(sys.executable).with_name("torchrun")), "--nproc-per-node",
                      str(torch.cuda.device_count()), *base], folder / "many"))
    print(f"{torch.cuda.get_device_name(0)}; {args.data}, MiniLM fine-tuned, 128 tokens\n")
    print("| run | s/epoch | time to saved model (s) | accuracy | device |")
    print("|---|---:|---:|---:|---|")
    for name, command, out in runs:
        seconds, accuracy, info = train(command, out)
        epochs = info["finetune_epoch_seconds"]
        print(f"| {name} | {sum(epochs) / len(epochs):.1f} | {seconds:.1f} | {accuracy:.4f} | "
              f"{info['finetune_device']} |", flush=True)


if __name__ == "__main__":
    main()
