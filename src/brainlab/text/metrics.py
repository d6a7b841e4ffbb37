"""Classification scores: accuracy, macro-F1, per-class precision/recall/F1, confusion."""
from __future__ import annotations

import numpy as np


def classification_scores(true_labels, predicted_labels, classes):
    """A JSON-able dict of the scores; `classes` fixes the order of rows and columns."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    index = {label: i for i, label in enumerate(classes)}
    unknown = sorted({str(t) for t in true_labels if t not in index})
    if unknown:
        raise ValueError(f"labels {unknown} were not seen in training; the model knows "
                         f"{list(classes)}")
    y_true = np.array([index[t] for t in true_labels])
    y_pred = np.array([index[p] for p in predicted_labels])
    ids = np.arange(len(classes))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=ids, zero_division=0)
    return {
        "accuracy": float(np.mean(y_true == y_pred)),
        "accuracy_interval": accuracy_interval(int(np.sum(y_true == y_pred)), len(y_true)),
        "macro_f1": float(np.mean(f1)),
        "n": int(len(y_true)),
        "per_class": {str(label): {"precision": float(precision[i]), "recall": float(recall[i]),
                                   "f1": float(f1[i]), "support": int(support[i])}
                      for i, label in enumerate(classes)},
        "labels": [label for label in classes],
        "confusion": confusion_matrix(y_true, y_pred, labels=ids).tolist(),
    }


def accuracy_interval(correct, n, confidence=0.95):
    """[low, high]: the Wilson score interval of the accuracy correct / n (on a dozen
    held-out texts it spans half the range, on a few thousand about two points)."""
    from scipy.stats import binomtest

    interval = binomtest(correct, n).proportion_ci(confidence, method="wilson")
    return [round(float(interval.low), 4), round(float(interval.high), 4)]


def accuracy_text(scores):
    """'accuracy 0.9120 (95 % interval 0.882–0.935)', the interval where it was recorded."""
    text = f"accuracy {scores['accuracy']:.4f}"
    if scores.get("accuracy_interval"):
        low, high = scores["accuracy_interval"]
        text += f" (95 % interval {low:.3f}–{high:.3f})"
    return text
