"""Encoding speed on the default MiniLM: brainlab fp32 and int8 against sentence-transformers.

One run, the same 5,000 texts of mixed length (BBC News: headlines and short
snippets up to 200-word excerpts), the same model, the same threads:
texts/second of sentence-transformers ``encode(batch_size=64)``, of brainlab
fp32 and of brainlab int8 (smoothed by activation ranges recorded on 128 of the
texts), the cosine between brainlab fp32 and
sentence-transformers (must be >= 0.9999: the same computation), the int8
vectors' mean cosine with fp32, and single-text ``predict`` latency (p50, p95)
of a saved ``features`` model. Targets: fp32 >= 1.2x, int8 >= 2.0x, p50 < 15 ms.

    python bench/encode_speed.py [--texts 5000]
"""
import argparse
import os
import statistics
import tempfile
import time
import warnings

import numpy as np
import torch

warnings.filterwarnings("ignore")


def mixed_texts(count, seed=0):
    """Headlines, snippets and excerpts of 5 to 200 words, drawn from BBC News."""
    from brainlab.text.datasets import load_bbc_news

    articles = load_bbc_news().texts
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(count):
        words = articles[rng.integers(len(articles))].split()
        length = int(min(200, max(5, rng.lognormal(np.log(40), 0.9))))
        start = int(rng.integers(0, max(1, len(words) - length)))
        texts.append(" ".join(words[start:start + length]))
    return texts


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def cosine(a, b):
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=5000)
    args = parser.parse_args()
    from sentence_transformers import SentenceTransformer

    from brainlab.text import TextClassifier, load_bbc_news, stratified_split
    from brainlab.text.encoders import TransformerEncoder, default_model_path

    texts = mixed_texts(args.texts)
    words = [len(t.split()) for t in texts]
    print(f"{len(texts)} texts, {min(words)}-{max(words)} words (median "
          f"{int(np.median(words))}); model all-MiniLM-L6-v2; torch threads "
          f"{torch.get_num_threads()}")
    st = SentenceTransformer(str(default_model_path()), device="cpu")
    fp32 = TransformerEncoder().load()
    int8 = TransformerEncoder(precision="int8").calibrate(texts[::max(1, len(texts) // 128)])
    warm = texts[:64]
    st.encode(warm, batch_size=64), fp32.encode(warm), int8.encode(warm)

    reference, st_seconds = timed(lambda: st.encode(texts, batch_size=64))
    ours, fp32_seconds = timed(fp32.encode, texts)
    quantized, int8_seconds = timed(int8.encode, texts)
    rates = {"sentence-transformers": len(texts) / st_seconds,
             "brainlab fp32": len(texts) / fp32_seconds, "brainlab int8": len(texts) / int8_seconds}
    for name, rate in rates.items():
        print(f"{name:>22}: {rate:7.1f} texts/s")
    print(f"ratio brainlab fp32 / sentence-transformers = "
          f"{rates['brainlab fp32'] / rates['sentence-transformers']:.2f}  (target >= 1.2)")
    print(f"ratio brainlab int8 / sentence-transformers = "
          f"{rates['brainlab int8'] / rates['sentence-transformers']:.2f}  (target >= 2.0)")
    same = cosine(ours, reference)
    print(f"cosine brainlab fp32 vs sentence-transformers: min {same.min():.6f}, mean "
          f"{same.mean():.6f}  (must be >= 0.9999)")
    drift = cosine(quantized, ours)
    print(f"cosine brainlab int8 vs fp32: mean {drift.mean():.4f}, min {drift.min():.4f}")

    bbc = load_bbc_news()
    train, _ = stratified_split(bbc, 0.2, seed=0)
    small = train.subset(range(0, len(train), 8))
    with tempfile.TemporaryDirectory() as folder:
        TextClassifier(strategy="features").fit(small.texts, small.labels).save(
            os.path.join(folder, "model"))
        model = TextClassifier.load(os.path.join(folder, "model"))
        for text in texts[:20]:
            model.predict([text])
        latencies = []
        for text in texts[:300]:
            start = time.perf_counter()
            model.predict([text])
            latencies.append((time.perf_counter() - start) * 1000)
    p50 = statistics.median(latencies)
    p95 = float(np.percentile(latencies, 95))
    print(f"single-text predict latency (saved features model, 300 texts): p50 {p50:.1f} ms, "
          f"p95 {p95:.1f} ms  (target p50 < 15 ms)")


if __name__ == "__main__":
    main()
