"""One process with 2 threads against 2 torchrun processes with 1 thread each, fine-tuning
MiniLM on BBC News with the same command, data, split and seed, in the same run.

Both train on the same global batches of 32 (under torchrun each rank takes half of each),
so the two differ only in dropout masks and in summation order. The probe's vectors are
encoded afresh in each run (no shared cache), split across the ranks under torchrun. Printed: seconds per
epoch, time to the saved model and test accuracy of both, and the ratios. On one 2-core
machine the two processes share the same cores, so no speed-up is expected: the point is
that the same command scales out (`--nnodes`, one process per GPU or per machine).

    python bench/ddp.py [--data bbc-news] [--per-class N] [--epochs 2]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(command, threads, out):
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "TOKENIZERS_PARALLELISM": "false",
           "BRAINLAB_CACHE": str(out) + ".cache"}   # each run encodes its probe afresh
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    summary = json.loads((out / "summary.json").read_text())
    info = json.loads((out / "brainlab.json").read_text())["info"]
    return {"seconds": seconds, "accuracy": summary["accuracy"],
            "epochs": info["finetune_epoch_seconds"],
            "best": info["finetune_best_epoch"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="bbc-news")
    parser.add_argument("--per-class", type=int, default=None,
                        help="training texts per class (default: all of the training part)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from brainlab.text.data import load_data, sample_per_class, stratified_split

    train, test = stratified_split(load_data(args.data), 0.2, seed=args.seed)
    if args.per_class:
        train = sample_per_class(train, args.per_class, seed=args.seed)
    folder = Path(tempfile.mkdtemp(prefix="bench-ddp-"))
    for name, part in (("train", train), ("test", test)):
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label"])
            writer.writerows(zip(part.texts, part.labels))
    command = ["-m", "brainlab", "text", "train", str(folder / "train.csv"), "--test",
               str(folder / "test.csv"), "--strategy", "finetune", "--seed", str(args.seed),
               "--device", "cpu"]
    torchrun = str(Path(sys.executable).with_name("torchrun"))
    print(f"{args.data}: fine-tuning MiniLM on {len(train)} texts (128 tokens), scored on "
          f"{len(test)}; {os.cpu_count()} cores\n", flush=True)
    one = run([sys.executable, *command, "--out", str(folder / "one")], 2, folder / "one")
    two = run([torchrun, "--nproc-per-node", "2", *command, "--out", str(folder / "two")], 1,
              folder / "two")
    print("| run | s/epoch | epochs run | best epoch | time to saved model (s) | accuracy |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in (("1 process x 2 threads", one), ("2 processes x 1 thread (torchrun, "
                                                       "gloo)", two)):
        per_epoch = sum(r["epochs"]) / len(r["epochs"])
        print(f"| {name} | {per_epoch:.1f} | {len(r['epochs'])} | {r['best']} | "
              f"{r['seconds']:.1f} | {r['accuracy']:.4f} |")
    ratio = (sum(two["epochs"]) / len(two["epochs"])) / (sum(one["epochs"]) / len(one["epochs"]))
    print(f"\nper epoch, 2 processes / 1 process: {ratio:.2f}x; accuracy difference "
          f"{100 * (two['accuracy'] - one['accuracy']):+.2f} points")


if __name__ == "__main__":
    main()
