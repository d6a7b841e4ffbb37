"""Transfer learning against training from scratch, across label budgets and seeds.

One stratified train/test split; for each budget (labels per class) and seed a
random subset of the training part; each strategy trained on it and scored on
the same test part. The rows become a learning curve, a time plot and a table.
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from tqdm.auto import tqdm

from ..files import write_json
from .classifier import STRATEGIES, TextClassifier
from .data import sample_per_class, stratified_split
from .report import summarise, write_compare_report
from .strategies.features import UNKNOWN_TOKENS_NOTE, unknown_tokens_note


# the strategies that train the encoder: minutes where the others take seconds
ENCODER_TRAINING = ("finetune", "contrastive")


def parse_budgets(text):
    """'8,32,128,all' -> [8, 32, 128, 'all']."""
    budgets = []
    for part in str(text).split(","):
        part = part.strip().lower()
        if part == "all":
            budgets.append("all")
        elif part.isdigit() and int(part) > 0:
            budgets.append(int(part))
        else:
            raise ValueError(f"--budgets: {part!r} is not a positive number or 'all'")
    return budgets


def drawn_budgets(budgets, train):
    """(budgets, collapsed, largest class): a budget of at least the largest class's count
    draws the whole training part, so it becomes "all", run once (`collapsed` lists them)."""
    largest = max(Counter(str(label) for label in train.labels).values())
    drawn, collapsed = [], []
    for budget in budgets:
        if budget != "all" and budget >= largest:
            collapsed.append(budget)
            budget = "all"
        if budget not in drawn:
            drawn.append(budget)
    return drawn, collapsed, largest


def run_compare(dataset, out_dir, strategies=STRATEGIES, budgets=(8, 32, 128, "all"),
                small_budget_seeds=3, small_budget=32, encoder_budgets=None, test_size=0.2,
                encoder=None, precision="fp32", title=None, verbose=1, classifier_options=None,
                test_per_class=None):
    """Train and score every (budget, seed, strategy); write the report; return the rows.
    `encoder_budgets` limits finetune and contrastive to some budgets: a list for both, a
    dict per strategy, or None for all. `test_per_class` scores on a fixed sample of the
    test part (each model that trains the encoder must encode the whole test part)."""
    out_dir = Path(out_dir)
    if not strategies:
        raise ValueError(f"no strategy to compare; expected some of {STRATEGIES}")
    for strategy in strategies:
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; expected some of {STRATEGIES}")
    train, test = stratified_split(dataset, test_size, seed=0)
    held_out = f"stratified {test_size:.0%}, the same for every run"
    if test_per_class:
        test = sample_per_class(test, test_per_class, seed=0)
        held_out += f"; at most {test_per_class} per class of it"
    classes = sorted({str(label) for label in dataset.labels})
    budgets, collapsed, largest = drawn_budgets(budgets, train)
    if collapsed and verbose:
        print(f"budgets {', '.join(map(str, collapsed))} per class hold every training text "
              f"(the largest class has {largest}): run once, as 'all'", file=sys.stderr)
    if encoder_budgets is not None:
        encoder_budgets = {s: drawn_budgets(b, train)[0] for s, b in encoder_budgets.items()} \
            if isinstance(encoder_budgets, dict) else drawn_budgets(encoder_budgets, train)[0]
    jobs = []
    for budget in budgets:
        seeds = range(small_budget_seeds) if budget != "all" and budget <= small_budget else [0]
        for seed in seeds:
            for strategy in strategies:
                if strategy in ENCODER_TRAINING and encoder_budgets is not None and \
                        budget not in (encoder_budgets.get(strategy, ()) if
                                       isinstance(encoder_budgets, dict) else encoder_budgets):
                    continue
                jobs.append((budget, seed, strategy))
    rows, noted = [], False
    bar = tqdm(jobs, desc="compare", unit="run", file=sys.stderr,
               disable=True if not verbose else None)
    for budget, seed, strategy in bar:
        bar.set_postfix(budget=budget, seed=seed, strategy=strategy)
        subset = train if budget == "all" else sample_per_class(train, budget, seed)
        classifier = TextClassifier(strategy=strategy, encoder=encoder, seed=seed,
                                    precision=precision, verbose=0,
                                    **(classifier_options or {}))
        started = time.perf_counter()
        classifier.fit(subset.texts, subset.labels)
        fit_seconds = time.perf_counter() - started
        share = classifier.info.get("unknown_tokens", 0.0)
        if share > UNKNOWN_TOKENS_NOTE and not noted:   # once a compare, not once a run
            noted = True
            tqdm.write(unknown_tokens_note(share, encoder), file=sys.stderr)
        started = time.perf_counter()
        scores = classifier.evaluate(test.texts, test.labels)
        rows.append({"strategy": strategy, "budget": budget, "seed": seed,
                     "train_size": len(subset), "test_size": len(test),
                     "accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"],
                     "fit_seconds": round(fit_seconds, 2),
                     "predict_seconds": round(time.perf_counter() - started, 2),
                     "truncated_texts": classifier.info.get("truncated_texts")})
        if verbose:
            tqdm.write(f"  {strategy:>8} budget={budget!s:>4} seed={seed}: accuracy "
                       f"{scores['accuracy']:.3f} macro-F1 {scores['macro_f1']:.3f} "
                       f"({fit_seconds:.1f} s)", file=sys.stderr)
    title = title or f"Transfer learning vs. from scratch: {dataset.source}"
    details = [f"data: {dataset.source} ({len(dataset)} texts, {len(classes)} classes); "
               f"test: {len(test)} texts ({held_out})",
               f"encoder: {encoder or 'all-MiniLM-L6-v2 (default)'}, {precision}; "
               f"scratch: TF-IDF of words and bigrams; heads: brainlab.nn",
               f"seeds: {small_budget_seeds} for budgets up to {small_budget} per class, "
               f"else 1"]
    text = write_compare_report(rows, out_dir, title, len(classes), details)
    table = summarise(rows)
    write_json(out_dir / "results.json", rows)
    write_json(out_dir / "summary.json", {
        "data": dataset.source, "texts": len(dataset), "classes": classes,
        "test_size": len(test),
        "accuracy": {strategy: {str(budget): sum(cell["accuracy"]) / len(cell["accuracy"])
                                for (s, budget), cell in table.items() if s == strategy}
                     for strategy in strategies}})
    return rows, text
