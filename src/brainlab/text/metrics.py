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
        "macro_f1": float(np.mean(f1)),
        "n": int(len(y_true)),
        "per_class": {str(label): {"precision": float(precision[i]), "recall": float(recall[i]),
                                   "f1": float(f1[i]), "support": int(support[i])}
                      for i, label in enumerate(classes)},
        "labels": [label for label in classes],
        "confusion": confusion_matrix(y_true, y_pred, labels=ids).tolist(),
    }
