"""One strategy under several TrainingArguments, against the frozen features, on the
same texts and seeds: how a default was chosen (finetune's learning rate, contrastive's
temperature, steps and batch).

Each variant is a JSON object of TrainingArguments fields, plus "strategy" (default
finetune), "max_length" (TextClassifier's, in tokens), "windows" (TextClassifier's: how
many windows of max_length tokens a long text is read in), "more_name_sentences" (false:
the class names' five sentences only, never the five more of label_texts.MORE_TEMPLATES)
and "training_attention" (fastbert.TRAINING_ATTENTION: "eager", or "sdpa" as loaded).
For every seed the budget's texts are drawn as `compare` draws them (stratified split,
`sample_per_class`), `features` is fitted first as the baseline, then every variant;
printed: accuracy and fit seconds per run, then the mean of each variant and its gain in
points over features.

    python bench/variants.py DATA BUDGET [--seeds 3] [--encoder E] [--test-size 0.3]
                             [--test-per-class N] VARIANT [VARIANT ...]

    python bench/variants.py movie-sentences all --seeds 1 '{"finetune_learning_rate": 5e-5}' '{}'
    python bench/variants.py tweets-sentiment 8 --seeds 5 --test-per-class 1000 \\
        '{"strategy": "contrastive"}' '{"strategy": "contrastive", "contrastive_temperature": 0.1}'
    python bench/variants.py tweets-sentiment 8 --seeds 10 --test-per-class 1000 \\
        '{"strategy": "contrastive", "more_name_sentences": false}' '{"strategy": "contrastive"}'
"""
import argparse
import json
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def main():
    from brainlab.text import TextClassifier, fastbert, label_texts
    from brainlab.text.data import load_data, sample_per_class, stratified_split
    from brainlab.text.training import TrainingArguments

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("budget", help="labels per class, or 'all'")
    parser.add_argument("variants", nargs="+", type=json.loads,
                        help="JSON objects of TrainingArguments fields (+ 'strategy')")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--encoder", default=None)
    parser.add_argument("--test-size", type=float, default=0.3,
                        help="the stratified test fraction (compare's default is 0.2)")
    parser.add_argument("--test-per-class", type=int, default=None,
                        help="score on this many test texts per class (default: all)")
    args = parser.parse_args()
    train, test = stratified_split(load_data(args.data), args.test_size, seed=0)
    if args.test_per_class:
        test = sample_per_class(test, args.test_per_class, seed=0)
    runs = [{"strategy": "features"}] + args.variants
    more_templates, attention = label_texts.MORE_TEMPLATES, fastbert.TRAINING_ATTENTION
    scores = [[] for _ in runs]
    for seed in range(args.seeds):
        subset = train if args.budget == "all" else \
            sample_per_class(train, int(args.budget), seed)
        for run, variant in enumerate(runs):
            settings = dict(variant)
            strategy = settings.pop("strategy", "finetune")
            max_length = settings.pop("max_length", None)   # TextClassifier options
            windows = settings.pop("windows", None)
            more = settings.pop("more_name_sentences", True)
            label_texts.MORE_TEMPLATES = more_templates if more else ()
            fastbert.TRAINING_ATTENTION = settings.pop("training_attention", attention)
            started = time.perf_counter()
            classifier = TextClassifier(strategy=strategy, encoder=args.encoder, seed=seed,
                                        max_length=max_length, windows=windows, verbose=0,
                                        args=TrainingArguments(**settings))
            classifier.fit(subset.texts, subset.labels)
            seconds = time.perf_counter() - started
            scores[run].append(classifier.evaluate(test.texts, test.labels)["accuracy"])
            print(f"  seed {seed} {json.dumps(variant)}: {scores[run][-1]:.4f} "
                  f"({seconds:.0f} s)", flush=True)
    print(f"{args.data}, {args.budget} per class, {len(test)} test texts, "
          f"seeds 0..{args.seeds - 1}")
    print("| variant | accuracy | gain over features (points) |")
    print("|---|---:|---:|")
    for variant, accuracy in zip(runs, scores):
        gain = 100 * (np.mean(accuracy) - np.mean(scores[0]))
        print(f"| {json.dumps(variant)} | {np.mean(accuracy):.4f} | {gain:+.1f} |")


if __name__ == "__main__":
    main()
