"""Reports a person would rather look at than read: confusion matrices, learning curves,
training times, as PNG, with markdown tables beside them."""
from __future__ import annotations

from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..files import save_figure, write_text  # noqa: E402
from .metrics import accuracy_text  # noqa: E402

_COLORS = {"scratch": "tab:gray", "features": "tab:blue", "finetune": "tab:red",
           "contrastive": "tab:green"}


def plot_confusion(scores, path, title="Confusion matrix"):
    labels = [str(label) for label in scores["labels"]]
    matrix = np.array(scores["confusion"])
    size = max(4.5, 0.6 * len(labels) + 2.5)
    figure, axis = plt.subplots(figsize=(size, size * 0.85))
    image = axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axis.set_yticks(range(len(labels)), labels)   # in a CJK font where needed (save_figure)
    threshold = matrix.max() / 2 if matrix.size else 0
    for (row, col), count in np.ndenumerate(matrix):
        axis.text(col, row, str(count), ha="center", va="center",
                  color="white" if count > threshold else "black", fontsize=9)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(f"{title}\naccuracy {scores['accuracy']:.3f}, "
                   f"macro-F1 {scores['macro_f1']:.3f}")
    figure.colorbar(image, ax=axis, fraction=0.046)
    save_figure(figure, path)


def evaluation_markdown(scores, title, details=()):
    lines = [f"# {title}", ""] + [f"- {d}" for d in details] + [
        "", f"**{accuracy_text(scores)}**, macro-F1 {scores['macro_f1']:.4f} "
        f"on {scores['n']} texts", "", "| class | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|"]
    for label, row in scores["per_class"].items():
        lines.append(f"| {label} | {row['precision']:.3f} | {row['recall']:.3f} | "
                     f"{row['f1']:.3f} | {row['support']} |")
    lines += ["", "![confusion matrix](confusion.png)", ""]
    return "\n".join(lines)


def summarise(results):
    """{(strategy, budget): {accuracy: [..], macro_f1: [..], seconds: [..]}} from result rows."""
    table = defaultdict(lambda: defaultdict(list))
    for row in results:
        cell = table[(row["strategy"], row["budget"])]
        for key in ("accuracy", "macro_f1", "fit_seconds", "predict_seconds", "train_size"):
            cell[key].append(row[key])
    return table


def _axes(table):
    """The strategies present (in the usual order) and the budgets, smallest first, 'all' last."""
    strategies = [s for s in _COLORS if any(key[0] == s for key in table)]
    budgets = sorted({key[1] for key in table}, key=lambda b: (b == "all", b if b != "all" else 0))
    return strategies, budgets


def compare_markdown(results, title, details=()):
    table = summarise(results)
    strategies, budgets = _axes(table)
    lines = [f"# {title}", ""] + [f"- {d}" for d in details] + [
        "", "Test accuracy (mean ± spread over seeds; macro-F1 in brackets) by labels per class:",
        "", "| labels per class | " + " | ".join(strategies) + " |",
        "|---|" + "---:|" * len(strategies)]
    for budget in budgets:
        cells = []
        for strategy in strategies:
            cell = table.get((strategy, budget))
            if not cell:
                cells.append("–")
                continue
            accuracy = np.array(cell["accuracy"])
            spread = f" ± {accuracy.std():.3f}" if len(accuracy) > 1 else ""
            cells.append(f"{accuracy.mean():.3f}{spread} ({np.mean(cell['macro_f1']):.3f})"
                         + (f" ×{len(accuracy)}" if len(accuracy) > 1 else ""))
        size = table[(strategies[0], budget)]["train_size"][0] if (strategies[0], budget) in table \
            else ""
        lines.append(f"| {budget} (n={size}) | " + " | ".join(cells) + " |")
    lines += ["", "Training time in seconds (mean over seeds; features and finetune include "
              "encoding the training texts unless cached):", "",
              "| labels per class | " + " | ".join(strategies) + " |",
              "|---|" + "---:|" * len(strategies)]
    for budget in budgets:
        cells = [f"{np.mean(table[(s, budget)]['fit_seconds']):.1f}" if (s, budget) in table
                 else "–" for s in strategies]
        lines.append(f"| {budget} | " + " | ".join(cells) + " |")
    lines += ["", "![learning curve](learning_curve.png)", "",
              "![training time](training_time.png)", ""]
    return "\n".join(lines)


def plot_learning_curve(results, path, title, classes):
    table = summarise(results)
    strategies, budgets = _axes(table)
    figure, axis = plt.subplots(figsize=(7, 4.5))
    x_of = {b: (b if b != "all" else None) for b in budgets}
    if "all" in x_of:
        sizes = [np.mean(v["train_size"]) for k, v in table.items() if k[1] == "all"]
        x_of["all"] = max(sizes) / classes
    for strategy in strategies:
        points = [(x_of[b], np.array(table[(strategy, b)]["accuracy"])) for b in budgets
                  if (strategy, b) in table]
        xs = np.array([p[0] for p in points])
        means = np.array([p[1].mean() for p in points])
        axis.plot(xs, means, "o-", color=_COLORS[strategy], label=strategy)
        lows, highs = [p[1].min() for p in points], [p[1].max() for p in points]
        axis.fill_between(xs, lows, highs, color=_COLORS[strategy], alpha=0.18)
        for x, accuracies in points:
            axis.scatter([x] * len(accuracies), accuracies, color=_COLORS[strategy], s=10,
                         alpha=0.6)
    axis.set_xscale("log")
    ticks = [x_of[b] for b in budgets]
    axis.set_xticks(ticks, [str(b) if b != "all" else f"all\n(~{x_of[b]:.0f})" for b in budgets])
    axis.minorticks_off()
    axis.set_xlabel("labelled examples per class")
    axis.set_ylabel("test accuracy")
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend()
    save_figure(figure, path)


def plot_training_time(results, path, title):
    table = summarise(results)
    strategies, budgets = _axes(table)
    figure, axis = plt.subplots(figsize=(7, 4.5))
    width = 0.8 / max(1, len(strategies))
    for i, strategy in enumerate(strategies):
        heights = [np.mean(table[(strategy, b)]["fit_seconds"]) if (strategy, b) in table else 0
                   for b in budgets]
        axis.bar(np.arange(len(budgets)) + i * width, heights, width, label=strategy,
                 color=_COLORS[strategy])
    axis.set_xticks(np.arange(len(budgets)) + width * (len(strategies) - 1) / 2,
                    [str(b) for b in budgets])
    axis.set_yscale("log")
    axis.set_xlabel("labelled examples per class")
    axis.set_ylabel("training time (s, log scale)")
    axis.set_title(title)
    axis.legend()
    save_figure(figure, path)


def write_compare_report(results, directory, title, classes, details=()):
    from pathlib import Path

    directory = Path(directory)
    plot_learning_curve(results, directory / "learning_curve.png", title, classes)
    plot_training_time(results, directory / "training_time.png", f"{title}: training time")
    text = compare_markdown(results, title, details)
    write_text(directory / "report.md", text)
    return text
