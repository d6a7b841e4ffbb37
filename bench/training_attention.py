"""Attention in training on a CPU: Hugging Face's SDPA against its "eager" attention
(fastbert.TRAINING_ATTENTION), on the same contrastive steps, taking turns.

For each case the same 32 labelled texts per class and the same steps run through
`ContrastiveTuner.fit` once with each attention, `--rounds` times in alternating order
(so that drift in a shared machine's speed falls on both); printed: seconds a step of
each round, the medians and their ratio, and the last loss of each (the same math: the
losses agree to rounding).

    python bench/training_attention.py [--steps 3] [--rounds 2]
"""
import argparse
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

# (data, windows, tokens a window): long articles read whole, their first window, tweets
CASES = [("bbc-news", 8, 256), ("bbc-news", 1, 128), ("tweets-sentiment", 1, 128)]


def seconds_a_step(name, windows, tokens, attention, steps):
    from brainlab.text import fastbert
    from brainlab.text.contrastive import ContrastiveTuner
    from brainlab.text.data import load_data, sample_per_class, stratified_split
    from brainlab.text.encoders import make_encoder

    train, _ = stratified_split(load_data(name), 0.2, seed=0)
    subset = sample_per_class(train, 32, 0)
    classes = sorted(set(subset.labels))
    y = np.array([classes.index(label) for label in subset.labels])
    encoder = make_encoder(None, max_length=tokens, windows=windows).load()   # fresh weights
    ids, owner = encoder.window_ids(list(subset.texts), windows, count=False)
    fastbert.TRAINING_ATTENTION = attention
    tuner = ContrastiveTuner(steps=steps, batch_size=32, learning_rate=6e-5, bf16=True)
    started = time.perf_counter()
    history = tuner.fit(encoder, ids, y, encoder.tokenizer.pad_token_id or 0,
                        owner if len(ids) > len(y) else None)
    return (time.perf_counter() - started) / steps, history[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print("| texts | SDPA s a step | eager s a step | eager / SDPA | last loss SDPA / eager |")
    print("|---|---|---|---|---|")
    for name, windows, tokens in CASES:
        times, losses = {"sdpa": [], "eager": []}, {}
        for round_ in range(args.rounds):
            for attention in ("sdpa", "eager") if round_ % 2 == 0 else ("eager", "sdpa"):
                step, losses[attention] = seconds_a_step(name, windows, tokens, attention,
                                                         args.steps)
                times[attention].append(step)
        sdpa, eager = np.median(times["sdpa"]), np.median(times["eager"])
        print(f"| {name}, {windows} window(s) of {tokens} | "
              f"{', '.join(f'{t:.2f}' for t in times['sdpa'])} | "
              f"{', '.join(f'{t:.2f}' for t in times['eager'])} | {eager / sdpa:.2f}x | "
              f"{losses['sdpa']:.4f} / {losses['eager']:.4f} |", flush=True)


if __name__ == "__main__":
    main()
