"""Which E5 prompt makes better features: "query: " (E5's authors prescribe it for
embeddings used as features: linear probes, clustering) or "passage: " (for documents to
retrieve). scikit-learn's LogisticRegression() on the frozen multilingual-e5-small
vectors of each prompt, the same texts and seeds; printed: accuracy per prompt and the
gain of "query: " in points.

    python bench/e5_prompt.py [--data chinese-reviews,tweets-sentiment,movie-sentences]
                              [--budgets 8,32,256] [--seeds 3]

Budgets up to 32 per class run every seed, larger ones seed 0 only. The test split is
compare's for the Chinese reviews (20 %) and 30 % for the English sets, as in
bench/head_vs_logreg.py.
"""
import argparse
import warnings

import numpy as np

warnings.filterwarnings("ignore")
PROMPTS = ("passage: ", "query: ")


def main():
    from sklearn.linear_model import LogisticRegression

    from brainlab.text.data import load_data, sample_per_class, stratified_split
    from brainlab.text.encoders import make_encoder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="chinese-reviews,tweets-sentiment,movie-sentences")
    parser.add_argument("--budgets", default="8,32,256")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    encoder = make_encoder("multilingual-e5-small").load()
    print("| data | labels per class | passage: | query: | gain (points) |")
    print("|---|---:|---:|---:|---:|")
    for name in args.data.split(","):
        train, test = stratified_split(load_data(name),
                                       0.2 if name == "chinese-reviews" else 0.3, seed=0)
        scores = {}
        for prompt in PROMPTS:
            encoder.prefix = prompt
            test_vectors = encoder.encode(test.texts, progress=True)
            for budget in [int(b) for b in args.budgets.split(",")]:
                for seed in range(args.seeds if budget <= 32 else 1):
                    subset = sample_per_class(train, budget, seed)
                    probe = LogisticRegression().fit(encoder.encode(subset.texts),
                                                     subset.labels)
                    scores.setdefault((prompt, budget), []).append(
                        probe.score(test_vectors, test.labels))
        for budget in [int(b) for b in args.budgets.split(",")]:
            passage, query = (np.mean(scores[p, budget]) for p in PROMPTS)
            runs = len(scores[PROMPTS[0], budget])
            print(f"| {name} | {budget} (x{runs}) | {passage:.4f} | {query:.4f} | "
                  f"{100 * (query - passage):+.1f} |", flush=True)


if __name__ == "__main__":
    main()
