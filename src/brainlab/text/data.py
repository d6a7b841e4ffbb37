"""Reading labelled texts (CSV, TSV, JSONL) with errors that name the file, row and column,
and splits. The data sets that ship with packages are in datasets.py."""
from __future__ import annotations

import codecs
import csv
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Dataset:
    """Texts with their labels; `rows` are the 1-based line numbers in `source`."""

    texts: list
    labels: list
    source: str = ""
    rows: list = field(default_factory=list)
    skipped_empty: int = 0

    def __len__(self):
        return len(self.texts)

    def subset(self, indices):
        indices = list(indices)
        return Dataset([self.texts[i] for i in indices], [self.labels[i] for i in indices],
                       self.source, [self.rows[i] for i in indices] if self.rows else [])


def _read_text(path, encoding=None):
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file")
    if path.is_dir():
        raise ValueError(f"{path}: is a directory; expected a CSV, TSV or JSONL file")
    raw = path.read_bytes()
    try:
        text = raw.decode(codec_for(encoding))
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise ValueError(_not_decodable(path, raw, error, encoding, f"at line {line}, byte "
                                        f"{error.start}")) from None
    if not text.strip():
        raise ValueError(f"{path}: the file is empty; expected a header and labelled rows")
    return text


def codec_for(encoding):
    """The codec a file in `encoding` is read with: UTF-8 by default, a byte-order mark
    skipped (a LookupError for a name Python does not know)."""
    if encoding is None or codecs.lookup(encoding).name == "utf-8":
        return "utf-8-sig"
    return encoding


def output_encoding(encoding, head):
    """The encoding a labelled copy of a file is written in: the file's own, with UTF-8's
    byte-order mark kept when `head` (the file's first bytes) starts with one. Excel's "CSV
    UTF-8" writes the mark and, without it, opens a file's Chinese as GBK."""
    if codec_for(encoding) == "utf-8-sig" and head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return encoding


def _not_decodable(path, raw, error, encoding, where):
    """The error for a file that is not in `encoding`; for a UTF-8 reading of a file that
    reads as Chinese GB18030 (what Excel writes on Chinese Windows), it says so."""
    name = "UTF-8" if codec_for(encoding) == "utf-8-sig" else encoding
    message = (f"{path}: not {name} (invalid byte 0x{error.object[error.start]:02x} {where})")
    if name == "UTF-8" and reads_as_chinese(raw):
        return (message + "; it reads as Chinese in GB18030 (GBK), as Excel saves it: pass "
                "--encoding gb18030 (Python: encoding='gb18030') or save the file as UTF-8")
    return message + (f"; save the file as {name}" if name == "UTF-8" else
                      "; pass the encoding the file was saved in")


def reads_as_chinese(raw):
    """Whether `raw` decodes as GB18030 and most of its non-ASCII characters are CJK."""
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 127]
    return bool(wide) and sum("\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or
                              "\uff00" <= c <= "\uffef" for c in wide) >= 0.9 * len(wide)


def _format(path, format):
    if format:
        return format
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "tsv" if suffix in (".tsv", ".tab") else "csv"


def _json_records(path, lines):
    """(line number, dict) for each non-blank line of a JSONL file."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: row {number} is not valid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}: row {number} is not a JSON object")
        yield number, record


def _check_scalar(path, number, column, value):
    """A JSON Lines value must be text or a number (CSV cells always are): a list, an
    object or a boolean is refused with its row and column."""
    if isinstance(value, (list, dict, bool)):
        raise ValueError(f"{path}: row {number}, column {column!r}: expected a string or "
                         f"number, got {json.dumps(value)[:40]}")


def iter_records(path, format=None, encoding=None):
    """(line number, dict) for each record of a CSV/TSV (with header) or JSONL file, read
    as `encoding` (default UTF-8)."""
    text, format = _read_text(path, encoding), _format(path, format)
    if format == "jsonl":
        yield from _json_records(path, text.splitlines())
        return
    csv.field_size_limit(sys.maxsize)
    reader = csv.DictReader(text.splitlines(keepends=True),
                            delimiter="\t" if format == "tsv" else ",")
    if not reader.fieldnames:
        raise ValueError(f"{path}: no header row; expected column names on the first line")
    for record in reader:
        yield reader.line_num, record


def read_dataset(path, text_column="text", label_column="label", format=None,
                 require_labels=True, warn=True, encoding=None):
    """Labelled texts from a file. Empty or whitespace-only texts are skipped and counted
    (with a warning naming their rows); a missing label is an error naming its row."""
    texts, labels, rows, empty_rows = [], [], [], []
    columns_checked = False
    for number, record in iter_records(path, format, encoding):
        if not columns_checked:
            wanted = [text_column] + ([label_column] if require_labels else [])
            for column in wanted:
                if column not in record:
                    raise ValueError(f"{path}: no column {column!r}; the columns are "
                                     f"{sorted(k for k in record if k is not None)}")
            columns_checked = True
        text = record.get(text_column)
        label = record.get(label_column) if require_labels else None
        for column, value in ((text_column, text), (label_column, label)):
            _check_scalar(path, number, column, value)
        if text is None or not str(text).strip():
            empty_rows.append(number)
            continue
        if require_labels and is_missing_label(label):
            raise ValueError(f"{path}: row {number}, column {label_column!r}: missing label")
        texts.append(str(text))
        labels.append(_normalise_label(label) if require_labels else None)
        rows.append(number)
    if not columns_checked:
        raise ValueError(f"{path}: no data rows; expected a header and labelled rows")
    if not texts:
        raise ValueError(f"{path}: every text in column {text_column!r} is empty")
    if empty_rows and warn:
        shown = ", ".join(map(str, empty_rows[:5])) + (", ..." if len(empty_rows) > 5 else "")
        print(f"warning: {path}: skipped {len(empty_rows)} empty text(s) in column "
              f"{text_column!r} (rows {shown})", file=sys.stderr)
    dataset = Dataset(texts, labels, str(path), rows, len(empty_rows))
    if require_labels:
        check_labels(dataset.labels, str(path))
        for line in label_warnings(dataset) if warn else []:
            print(f"warning: {path}: {line}", file=sys.stderr)
    return dataset


def label_warnings(dataset):
    """What looks like a labelling mistake, a line each: class names that differ only in
    case, and texts that occur more than once (a copy can fall on both sides of a held-out
    split and inflate its score; copies with different labels contradict each other)."""
    lines = []
    spellings = {}
    for label in sorted(set(dataset.labels), key=str):
        spellings.setdefault(str(label).casefold(), []).append(label)
    for names in spellings.values():
        if len(names) > 1:
            lines.append(f"classes {' and '.join(repr(n) for n in names)} differ only in "
                         "case; they are kept apart (relabel them if they are one class)")
    where = {}
    for index, text in enumerate(dataset.texts):
        where.setdefault(text.strip(), []).append(index)
    copies = [indices for indices in where.values() if len(indices) > 1]
    if copies:
        rows = dataset.rows or range(1, len(dataset.texts) + 1)   # file rows, else positions
        clashing = [c for c in copies if len({dataset.labels[i] for i in c}) > 1]
        shown = clashing[0] if clashing else copies[0]
        lines.append(f"{len(copies)} text(s) occur more than once, {len(clashing)} of them "
                     f"with different labels (e.g. rows "
                     f"{' and '.join(str(rows[i]) for i in shown[:3])}); a copy on each side "
                     "of the held-out split inflates its score")
    return lines


def is_missing_label(label):
    """None, an empty or blank string, or NaN (a blank cell read as a number)."""
    return label is None or (isinstance(label, str) and not label.strip()) or \
        (isinstance(label, float) and np.isnan(label))


def _normalise_label(label):
    """Labels stay strings or ints; '3' and 3 and 3.0 are the same class."""
    if isinstance(label, bool):
        return str(label).lower()
    if isinstance(label, (int, np.integer)):
        return int(label)
    if isinstance(label, float) and label.is_integer():
        return int(label)
    text = str(label).strip()
    return int(text) if text.lstrip("-").isdigit() else text


def check_labels(labels, source="labels", min_per_class=1):
    """At least two classes, each with at least `min_per_class` examples."""
    counts = Counter(labels)
    if len(counts) < 2:
        raise ValueError(f"{source}: only one class ({next(iter(counts))!r}) among "
                         f"{len(labels)} labels; a classifier needs at least two")
    small = {label: n for label, n in counts.items() if n < min_per_class}
    if small:
        raise ValueError(f"{source}: class(es) {small} have fewer than {min_per_class} "
                         f"examples; too few to split into train and held-out parts (`brainlab "
                         f"text train --test-size 0` trains on every label, unscored)")
    return counts


def stratified_split(dataset, test_size=0.2, seed=0):
    """(train, test) with every class in both, in proportion; refuses classes too small."""
    if not 0 < test_size < 1:
        raise ValueError(f"test size must be between 0 and 1, got {test_size!r}")
    check_labels(dataset.labels, dataset.source or "labels", min_per_class=2)
    rng = np.random.default_rng(seed)
    labels = np.array([str(label) for label in dataset.labels])
    train, test = [], []
    for label in sorted(set(labels)):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = min(max(1, int(round(len(members) * test_size))), len(members) - 1)
        test.extend(members[:n_test])
        train.extend(members[n_test:])
    return dataset.subset(sorted(train)), dataset.subset(sorted(test))


def sample_per_class(dataset, per_class, seed=0):
    """At most `per_class` examples of each class, drawn at random (a label budget)."""
    rng = np.random.default_rng(seed)
    labels = np.array([str(label) for label in dataset.labels])
    chosen = []
    for label in sorted(set(labels)):
        members = np.flatnonzero(labels == label)
        chosen.extend(rng.choice(members, size=min(per_class, len(members)), replace=False))
    return dataset.subset(sorted(chosen))


def load_data(source, text_column="text", label_column="label", encoding=None):
    """A file path (read as `encoding`, default UTF-8), or the name of a shipped data set
    (see datasets.BUILTIN_DATASETS)."""
    from .datasets import BUILTIN_DATASETS

    if str(source) in BUILTIN_DATASETS:
        return BUILTIN_DATASETS[str(source)]()
    return read_dataset(source, text_column, label_column, encoding=encoding)


def stream_texts(path, text_column="text", format=None, encoding=None):
    """(row number, text) one at a time, for files too large to hold in memory.

    A ``.txt`` file is one text per line; CSV, TSV and JSONL use `text_column`. The file
    is read as `encoding` (default UTF-8).
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file")
    if path.is_dir():
        raise ValueError(f"{path}: is a directory; expected a file of texts")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: the file is empty")
    kind = "txt" if path.suffix.lower() == ".txt" else _format(path, format)
    handle = open(path, encoding=codec_for(encoding), newline="")
    number = 0
    try:
        with handle:
            if kind == "txt":
                for number, line in enumerate(handle, start=1):
                    yield number, line.rstrip("\r\n")
            elif kind == "jsonl":
                for number, record in _json_records(path, handle):
                    if text_column not in record:
                        raise ValueError(f"{path}: row {number} has no field {text_column!r}")
                    text = record[text_column]
                    _check_scalar(path, number, text_column, text)
                    yield number, str(text if text is not None else "")
            else:
                csv.field_size_limit(sys.maxsize)
                reader = csv.reader(handle, delimiter="\t" if kind == "tsv" else ",")
                header = next(reader, None)
                if not header or text_column not in header:
                    raise ValueError(f"{path}: no column {text_column!r}; the columns are "
                                     f"{header or []}")
                column = header.index(text_column)
                for record in reader:
                    number = reader.line_num
                    yield number, record[column] if column < len(record) else ""
    except UnicodeDecodeError as error:
        with open(path, "rb") as raw:
            start = raw.read(1 << 16)   # enough to tell GB18030 Chinese by, cut at a line
        if len(start) == 1 << 16:
            start = start[:start.rfind(b"\n") + 1]
        raise ValueError(_not_decodable(path, start, error, encoding,
                                        f"after row {number}")) from None
