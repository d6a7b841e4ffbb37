"""Which class names help the frozen features most on Chinese text: the Chinese reviews
with their two classes named neg/pos (read "negative", "positive"), 负面/正面 or 差评/好评,
their sentences in English ("This is 好评.") or in Chinese ("这是好评。", the default for
names in Chinese characters), against no names at all. multilingual-e5-small, compare's
80/20 split, 500 test reviews per class, the same seeds for every variant.

    python bench/label_names.py [--budgets 4,8,32] [--seeds 6]
"""
import argparse
import warnings

import numpy as np

warnings.filterwarnings("ignore")

NAMES = {"neg/pos": ("neg", "pos"), "负面/正面": ("负面", "正面"), "差评/好评": ("差评", "好评")}


def renamed(dataset, names):
    """The same texts, in the same order, with neg and pos called `names`."""
    from brainlab.text.data import Dataset

    return Dataset(dataset.texts, [names[0] if label == "neg" else names[1]
                                   for label in dataset.labels], dataset.source)


def accuracy(subsets, test, names, english=False, use_names=True):
    """Mean test accuracy of the frozen features over the `subsets` (one a seed), with the
    classes called `names`; `english` puts every name in the English sentences, as before
    names in Chinese characters had their own."""
    from brainlab.text import TextClassifier, TrainingArguments
    from brainlab.text import label_texts

    default = label_texts.templates_for
    if english:
        label_texts.templates_for = lambda name: label_texts.TEMPLATES
    try:
        scores = []
        for seed, subset in enumerate(subsets):
            subset, scored = renamed(subset, names), renamed(test, names)
            classifier = TextClassifier(
                strategy="features", encoder="multilingual-e5-small", seed=seed, verbose=0,
                args=TrainingArguments(label_texts=None if use_names else False))
            classifier.fit(subset.texts, subset.labels)
            scores.append(classifier.evaluate(scored.texts, scored.labels)["accuracy"])
        return float(np.mean(scores))
    finally:
        label_texts.templates_for = default


def main():
    from brainlab.text.data import load_data, sample_per_class, stratified_split

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", default="4,8,32")
    parser.add_argument("--seeds", type=int, default=6)
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    # drawn once, with the shipped labels: every naming sees the same texts
    train, test = stratified_split(load_data("chinese-reviews"), 0.2, seed=0)
    test = sample_per_class(test, 500, seed=0)
    draws = {b: [sample_per_class(train, b, seed) for seed in range(args.seeds)]
             for b in budgets}
    variants = [("none", "-", NAMES["neg/pos"], False, False),
                ("neg/pos", "English", NAMES["neg/pos"], False, True)]
    for tag in ("负面/正面", "差评/好评"):
        variants += [(tag, "English", NAMES[tag], True, True),
                     (tag, "Chinese (default)", NAMES[tag], False, True)]
    rows = []
    for tag, sentences, names, english, use_names in variants:
        rows.append((tag, sentences, [accuracy(draws[b], test, names, english, use_names)
                                      for b in budgets]))
        print(f"  {rows[-1]}", flush=True)
    print(f"chinese-reviews, frozen features, multilingual-e5-small, {len(test)} test reviews, "
          f"seeds 0..{args.seeds - 1}, the same texts for every naming")
    print("| class names | sentences | " + " | ".join(f"{b} per class" for b in budgets) + " |")
    print("|---|---|" + "---:|" * len(budgets))
    for tag, sentences, scores in rows:
        print(f"| {tag} | {sentences} | " + " | ".join(f"{s:.4f}" for s in scores) + " |")


if __name__ == "__main__":
    main()
