"""Peak memory of streaming `brainlab text predict` as the input file grows.

Trains a small model, writes files of generated review-like lines, and runs the
real CLI on each in a fresh process, reporting its peak resident memory
(ru_maxrss) and throughput. Flat memory means the peak does not grow with the
number of lines. Target: under 2 GiB on a 1,000,000-line file.

    python bench/predict_memory.py [--strategy features] [--lines 20000,100000,1000000] [--int8]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

WORDS = ("good bad battery screen fast slow price quality delivery broken love hate phone "
         "book film service cheap expensive great awful works fails again never always").split()


def write_lines(path, count, seed=0):
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for start in range(0, count, 100_000):
            block = min(100_000, count - start)
            lengths = rng.integers(3, 25, block)
            picks = rng.integers(0, len(WORDS), lengths.sum())
            ends = np.cumsum(lengths)
            handle.write("".join(" ".join(WORDS[j] for j in picks[e - n:e]) + "\n"
                                 for n, e in zip(lengths, ends)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategy", default="features", choices=("features", "scratch"))
    parser.add_argument("--lines", default="20000,100000")
    parser.add_argument("--int8", action="store_true")
    args = parser.parse_args()
    from brainlab.text import TextClassifier, load_bbc_news
    from brainlab.text.data import sample_per_class

    with tempfile.TemporaryDirectory() as folder:
        data = sample_per_class(load_bbc_news(), 20, seed=0)
        model = os.path.join(folder, "model")
        TextClassifier(strategy=args.strategy).fit(data.texts, data.labels).save(model)
        print(f"strategy {args.strategy}{' int8' if args.int8 else ''}; peak memory of "
              f"`brainlab text predict` in a fresh process:")
        for count in (int(n) for n in args.lines.split(",")):
            source, target = os.path.join(folder, "in.txt"), os.path.join(folder, "out.csv")
            write_lines(source, count)
            command = [sys.executable, "-m", "brainlab.cli", "text", "predict", model, source,
                       "--out", target] + (["--int8"] if args.int8 else [])
            start = time.perf_counter()
            process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(process.pid, 0)   # this child's own peak
            seconds = time.perf_counter() - start
            if status != 0:
                raise SystemExit(f"predict failed with status {status}")
            peak = usage.ru_maxrss
            with open(target, encoding="utf-8") as handle:
                written = sum(1 for _ in handle) - 1
            print(f"{count:>10,} lines: {written:,} rows written, peak RSS "
                  f"{peak / 1024:,.0f} MiB, {count / seconds:,.0f} texts/s")


if __name__ == "__main__":
    main()
