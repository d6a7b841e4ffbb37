"""Streaming prediction: read, encode and write in chunks, so memory stays flat on any size."""
from __future__ import annotations

import csv
import itertools
import json
import sys
from contextlib import contextmanager

from tqdm.auto import tqdm

from ..files import atomic_path


@contextmanager
def _output(path):
    if path is None:
        yield sys.stdout
        return
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            yield handle


def stream_predictions(classifier, rows, out_path=None, output_format="csv", chunk_size=1024):
    """Write one prediction per (row number, text), in order; returns how many were written.

    Empty texts get an empty label (and are counted on stderr) so that every input row
    has exactly one output row.
    """
    if chunk_size < 1:
        raise ValueError(f"--chunk-size must be positive, got {chunk_size}")
    classes = [str(c) for c in classifier.classes_]
    written = empty = 0
    bar = tqdm(desc="predicting", unit="text", file=sys.stderr, dynamic_ncols=True, disable=None)
    with _output(out_path) as handle:
        writer = csv.writer(handle) if output_format == "csv" else None
        if writer:
            writer.writerow(["row", "label"] + [f"p_{c}" for c in classes])
        rows = iter(rows)
        while True:
            chunk = list(itertools.islice(rows, chunk_size))
            if not chunk:
                break
            filled = [i for i, (_, text) in enumerate(chunk) if text.strip()]
            probabilities = classifier.predict_proba([chunk[i][1] for i in filled]) \
                if filled else []
            by_position = dict(zip(filled, probabilities))
            for position, (number, _) in enumerate(chunk):
                p = by_position.get(position)
                label = "" if p is None else classes[int(p.argmax())]
                empty += p is None
                if writer:
                    writer.writerow([number, label] + (["" for _ in classes] if p is None
                                                       else [f"{v:.6f}" for v in p]))
                else:
                    handle.write(json.dumps({
                        "row": number, "label": label,
                        "probabilities": None if p is None else
                        {c: round(float(v), 6) for c, v in zip(classes, p)}},
                        ensure_ascii=False) + "\n")
            written += len(chunk)
            bar.update(len(chunk))
    bar.close()
    if empty:
        print(f"warning: {empty} empty text(s) got an empty label", file=sys.stderr)
    return written
