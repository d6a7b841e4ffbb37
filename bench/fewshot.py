"""brainlab's `contrastive` against SetFit on the same texts, label budgets, seeds and
MiniLM, in the same run; `features` (the frozen encoder) beside them.

SetFit runs with its defaults (20 pair iterations per text, batch 16, one epoch,
LogisticRegression head). Printed per budget: mean test accuracy over the seeds and
mean training seconds of each. Targets: contrastive beats SetFit at 8 and 64 labels per
class in at most half its time, and beats features by >= 3 points at 8 per class.

SetFit is a bench-only peer: `make bench` installs it in .venv-setfit.

    .venv-setfit/bin/python bench/fewshot.py [--data movie-sentences] [--budgets 8,64]
                                             [--seeds 3] [--test 1000]
"""
import argparse
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def setfit_run(subset, test_texts, seed):
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
            seed=seed, show_progress_bar=False, output_dir=checkpoints),
            train_dataset=Dataset.from_dict({"text": subset.texts,
                                             "label": [str(x) for x in subset.labels]}))
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
    parser.add_argument("--test", type=int, default=1000,
                        help="test texts per class (default 1000)")
    args = parser.parse_args()
    train, test = stratified_split(load_data(args.data), 0.3, seed=0)
    test = sample_per_class(test, args.test, seed=0)
    truth = np.array([str(label) for label in test.labels])
    print(f"{args.data}: {len(test)} test texts; seeds 0..{args.seeds - 1}")
    print("| labels per class | features | contrastive | SetFit | contrastive s | SetFit s | "
          "time ratio |")
    print("|---|---|---|---|---|---|---|")
    for budget in [int(b) for b in args.budgets.split(",")]:
        scores = {"features": [], "contrastive": [], "setfit": []}
        seconds = {"contrastive": [], "setfit": []}
        for seed in range(args.seeds):
            subset = sample_per_class(train, budget, seed)
            for strategy in ("features", "contrastive"):
                started = time.perf_counter()
                classifier = TextClassifier(strategy=strategy, seed=seed).fit(
                    subset.texts, subset.labels)
                if strategy == "contrastive":
                    seconds[strategy].append(time.perf_counter() - started)
                predicted = np.array([str(p) for p in classifier.predict(test.texts)])
                scores[strategy].append(float(np.mean(predicted == truth)))
            predicted, spent = setfit_run(subset, test.texts, seed)
            seconds["setfit"].append(spent)
            scores["setfit"].append(float(np.mean(np.array(predicted) == truth)))
            print(f"  seed {seed}, {budget}/class: " + ", ".join(
                f"{k} {v[-1]:.3f}" for k, v in scores.items()) +
                f" ({seconds['contrastive'][-1]:.0f} s vs {seconds['setfit'][-1]:.0f} s)",
                flush=True)
        print(f"| {budget} | {np.mean(scores['features']):.4f} | "
              f"{np.mean(scores['contrastive']):.4f} | {np.mean(scores['setfit']):.4f} | "
              f"{np.mean(seconds['contrastive']):.1f} | {np.mean(seconds['setfit']):.1f} | "
              f"{np.mean(seconds['contrastive']) / np.mean(seconds['setfit']):.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
