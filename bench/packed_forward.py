"""The lean BERT forward, packed against padded, on the batches a server forms: short
texts in arrival order, whose token grid is about half padding. Same model, same texts,
same run; printed: texts/s of each and their ratio, and how close the vectors are.
Packed is measured twice: attention on one grid for the whole batch, and in groups of
texts of similar length, each on its own grid (the default). Each rate is the median of
`--rounds` passes over the texts, the three forwards taking turns.

    python bench/packed_forward.py [--precision bf16] [--texts 600] [--sizes 15,32]
                                   [--rounds 4]

Packed: every Linear, GELU and LayerNorm on the real tokens only (text/fastbert.py).
Movie-sentences' test sentences, MiniLM.
"""
import argparse
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def main():
    from brainlab.text.data import load_data, stratified_split
    from brainlab.text.encoders import make_encoder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", choices=("fp32", "bf16", "int8"), default="bf16")
    parser.add_argument("--texts", type=int, default=600)
    parser.add_argument("--sizes", default="15,32", help="batch sizes, in arrival order")
    parser.add_argument("--rounds", type=int, default=4, help="passes of each forward")
    args = parser.parse_args()
    _, test = stratified_split(load_data("movie-sentences"), 0.3, seed=0)
    texts = list(test.texts[:args.texts])
    encoder = make_encoder(None, precision=args.precision).load()
    runner = encoder._runner
    lean = getattr(runner, "bf16", runner)   # the FastBert inside a bf16 copy

    groups = lean.attention_groups
    forwards = {"padded": (False, groups), "one grid": (True, 1), "groups": (True, groups)}

    def one_pass(forward, size):
        lean.packed, lean.attention_groups = forwards[forward]
        started = time.perf_counter()
        for start in range(0, len(texts), size):
            encoder.encode(texts[start:start + size], batch_size=size)
        return len(texts) / (time.perf_counter() - started)

    def rates(size):
        """texts/s of each forward: the median of `--rounds` passes, the three forwards
        taking turns, so that the machine's drift falls on all of them alike."""
        encoder.encode(texts[:64], batch_size=size)   # warm-up
        passes = {forward: [] for forward in forwards}
        for _ in range(args.rounds):
            for forward in forwards:
                passes[forward].append(one_pass(forward, size))
        return [float(np.median(passes[forward])) for forward in forwards]

    def vectors(packed, size=16):
        lean.packed = packed
        return np.concatenate([encoder.encode(texts[start:start + size], batch_size=size)
                               for start in range(0, len(texts), size)])

    padded, packed = vectors(False), vectors(True)
    cosine = np.sum(padded * packed, axis=1) / (np.linalg.norm(padded, axis=1) *
                                                np.linalg.norm(packed, axis=1))
    print(f"MiniLM {args.precision}, {len(texts)} movie sentences; vectors packed vs padded: "
          f"cosine min {cosine.min():.6f}, max |difference| {np.abs(padded - packed).max():.2e}")
    print(f"| batch (arrival order) | padded texts/s | packed, one attention grid | "
          f"packed, up to {groups} attention groups | groups / one grid |")
    print("|---:|---:|---:|---:|---:|")
    for size in [int(s) for s in args.sizes.split(",")]:
        slow, one, fast = rates(size)
        print(f"| {size} | {slow:.0f} | {one:.0f} ({one / slow:.2f}x) | {fast:.0f} "
              f"({fast / slow:.2f}x) | {fast / one:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
