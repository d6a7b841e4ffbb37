"""brainlab's `contrastive` against SetFit on the same texts, label budgets, seeds and
MiniLM, in the same run; `features` (the frozen encoder) beside them.

SetFit runs with its defaults (20 pair iterations per text, batch 16, one epoch,
LogisticRegression head). brainlab uses the class names as five or ten training sentences
each by default (text/label_texts.py); SetFit does not, so it is also run with the very
sentences contrastive used for that seed added to its training texts ("SetFit + names"),
the fair peer. Printed per budget: mean test accuracy over the seeds and mean training
seconds of each. Targets: contrastive beats SetFit at 8 and 64 labels per class in at
most half its time, and beats features by >= 3 points at 8 per class.

SetFit is a bench-only peer: `make bench` installs it in .venv-setfit.

    .venv-setfit/bin/python bench/fewshot.py [--data movie-sentences] [--budgets 8,64]
                                             [--seeds 3] [--first-seed 0] [--test 1000]
                                             [--peers setfit,setfit-names]
                                             [--setfit-iterations N]
"""
import argparse
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def setfit_run(texts, labels, test_texts, seed, iterations=None):
    import tempfile

    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments
    from transformers.utils import logging

    from brainlab.text.encoders import default_model_path

    logging.set_verbosity_error()
    started = time.perf_counter()
    model = SetFitModel.from_pretrained(str(default_model_path()), local_files_only=True)
    with tempfile.TemporaryDirectory() as checkpoints:   # SetFit writes checkpoints there
        trainer = Trainer(model=model, args=TrainingArguments(
            seed=seed, show_progress_bar=False, output_dir=checkpoints,
            num_iterations=iterations),
            train_dataset=Dataset.from_dict({"text": list(texts),
                                             "label": [str(x) for x in labels]}))
        trainer.train()
    seconds = time.perf_counter() - started
    return [str(p) for p in model.predict(test_texts, as_numpy=True)], seconds


def main():
    import setfit  # noqa: F401  (imported before any clock starts: neither side pays it)
    import transformers  # noqa: F401

    from brainlab.text import TextClassifier
    from brainlab.text.data import load_data, sample_per_class, stratified_split

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="movie-sentences")
    parser.add_argument("--budgets", default="8,64")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="run seeds first-seed .. first-seed + seeds - 1")
    parser.add_argument("--test", type=int, default=1000,
                        help="test texts per class (default 1000)")
    parser.add_argument("--peers", default="setfit,setfit-names",
                        help="SetFit as it comes, and with the class-name sentences added")
    parser.add_argument("--setfit-iterations", type=int, default=None,
                        help="SetFit's num_iterations (pairs per text); default: its own, "
                             "which with many classes draws every pair (41,600 for 26 "
                             "classes x 8)")
    args = parser.parse_args()
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    train, test = stratified_split(load_data(args.data), 0.3, seed=0)
    test = sample_per_class(test, args.test, seed=0)
    truth = np.array([str(label) for label in test.labels])
    last = args.first_seed + args.seeds - 1
    print(f"{args.data}: {len(test)} test texts; seeds {args.first_seed}..{last}")
    columns = ["features", "contrastive"] + peers
    print("| labels per class | " + " | ".join(columns) + " | contrastive s | " +
          " | ".join(f"{p} s" for p in peers) + " | time ratio to " + peers[0] + " |")
    print("|---" * (len(columns) + len(peers) + 3) + "|")
    for budget in [int(b) for b in args.budgets.split(",")]:
        scores = {column: [] for column in columns}
        seconds = {column: [] for column in ["contrastive"] + peers}
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            subset = sample_per_class(train, budget, seed)
            for strategy in ("features", "contrastive"):
                started = time.perf_counter()
                classifier = TextClassifier(strategy=strategy, seed=seed).fit(
                    subset.texts, subset.labels)
                if strategy == "contrastive":
                    seconds[strategy].append(time.perf_counter() - started)
                    named_texts, named_y = classifier.strategy_.label_sentences()
                    named_labels = [str(classifier.classes_[i]) for i in named_y]
                predicted = np.array([str(p) for p in classifier.predict(test.texts)])
                scores[strategy].append(float(np.mean(predicted == truth)))
            for peer in peers:
                texts, labels = list(subset.texts), [str(x) for x in subset.labels]
                if peer == "setfit-names":
                    texts += named_texts
                    labels += named_labels
                predicted, spent = setfit_run(texts, labels, test.texts, seed,
                                              args.setfit_iterations)
                seconds[peer].append(spent)
                scores[peer].append(float(np.mean(np.array(predicted) == truth)))
            print(f"  seed {seed}, {budget}/class, {len(named_texts)} name sentences: " +
                  ", ".join(f"{k} {v[-1]:.3f}" for k, v in scores.items()) + " (" +
                  ", ".join(f"{k} {v[-1]:.0f} s" for k, v in seconds.items()) + ")",
                  flush=True)
        mean = {k: float(np.mean(v)) for k, v in seconds.items()}
        print(f"| {budget} | " + " | ".join(f"{np.mean(scores[c]):.4f}" for c in columns) +
              f" | {mean['contrastive']:.1f} | " + " | ".join(f"{mean[p]:.1f}" for p in peers) +
              f" | {mean['contrastive'] / mean[peers[0]]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
