"""Streaming prediction: read, encode and write in chunks, so memory stays flat on any size."""
from __future__ import annotations

import csv
import itertools
import json
import sys
from contextlib import contextmanager
from pathlib import Path

from tqdm.auto import tqdm

from ..files import atomic_path


@contextmanager
def _output(path, encoding="utf-8"):
    if path is None:
        yield sys.stdout
        return
    with atomic_path(path) as tmp:
        try:
            with open(tmp, "w", encoding=encoding, newline="") as handle:
                yield handle
        except UnicodeEncodeError as error:   # before the rename: no half-written output
            raise ValueError(f"{path}: {error.object[error.start:error.end]!r} cannot be "
                             f"written in {encoding}; choose an encoding that holds every "
                             "class name (utf-8, gb18030)") from None


def stream_predictions(classifier, rows, out_path=None, output_format="csv", chunk_size=1024,
                       progress=True, encoding="utf-8"):
    """Write one prediction per (row number, text), in order; returns how many were written.

    Empty texts get an empty label (and are counted on stderr) so that every input row
    has exactly one output row. A file at `out_path` is written in `encoding`.
    """
    if chunk_size < 1:
        raise ValueError(f"--chunk-size must be positive, got {chunk_size}")
    classes = [str(c) for c in classifier.classes_]
    written = empty = 0
    bar = tqdm(desc="predicting", unit="text", file=sys.stderr, dynamic_ncols=True,
               disable=None if progress else True)
    rows = iter(rows)
    chunk = list(itertools.islice(rows, chunk_size))   # a file without the column fails here,
    with _output(out_path, encoding) as handle:           # before a header goes to stdout
        writer = csv.writer(handle) if output_format == "csv" else None
        if writer:
            writer.writerow(["row", "label"] + [f"p_{c}" for c in classes])
        while chunk:
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
            chunk = list(itertools.islice(rows, chunk_size))
    bar.close()
    if empty:
        print(f"warning: {empty} empty text(s) got an empty label", file=sys.stderr)
    return written


def distributed_predictions(classifier, rows, out_path, output_format="csv", chunk_size=1024,
                            encoding="utf-8"):
    """`stream_predictions` split across the ranks of a torchrun job: rank r labels rows
    r, r + W, r + 2W, ... into a shard of its own, then rank 0 interleaves the shards back
    into one output, every row exactly once and in input order. Returns the rows written
    (by all ranks, on rank 0; this rank's share elsewhere)."""
    from .distributed import barrier, process_group

    with process_group("gloo") as (rank, size):   # prediction runs on the CPU
        if size == 1:
            return stream_predictions(classifier, rows, out_path, output_format, chunk_size,
                                      encoding=encoding)
        if out_path is None:
            raise ValueError("under torchrun the predictions need --out (ranks cannot share "
                             "standard output)")
        out_path = Path(out_path)
        shards = [out_path.with_name(f".{out_path.name}.rank{r}-of-{size}") for r in range(size)]
        mine = (row for index, row in enumerate(rows) if index % size == rank)
        count = stream_predictions(classifier, mine, shards[rank], output_format, chunk_size,
                                   progress=rank == 0, encoding=encoding)
        barrier()
        if rank == 0:
            count = _interleave(shards, out_path, output_format == "csv", encoding)
        barrier()   # no rank leaves before the output is whole
        return count


def _interleave(shards, out_path, header, encoding="utf-8"):
    """Row k of the output is the next line of shard k mod W; the shards are removed."""
    handles = [open(shard, encoding=encoding, newline="") for shard in shards]
    written = 0
    try:
        with atomic_path(out_path) as tmp, open(tmp, "w", encoding=encoding, newline="") as out:
            if header:
                out.write(handles[0].readline())
                for handle in handles[1:]:
                    handle.readline()
            while True:
                line = handles[written % len(handles)].readline()
                if not line:
                    break
                out.write(line)
                written += 1
            leftover = sum(1 for handle in handles for _ in handle)
            if leftover:   # raised before the rename: no output rather than a wrong one
                raise RuntimeError(f"{leftover} prediction(s) left in the shards after merging")
    finally:
        for handle in handles:
            handle.close()
        for shard in shards:
            Path(shard).unlink(missing_ok=True)
    return written
