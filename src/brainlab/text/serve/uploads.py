"""Uploaded files for the web page: a TXT file (one text per line) or a CSV file with a
"text" column (or a single column) is read from the request body, and written back as
CSV with a label and one probability column per class. Empty texts get an empty label,
so every input row has exactly one output row, as in `brainlab text predict`."""
from __future__ import annotations

import csv
import io


class Upload:
    """The rows of an uploaded file and where their texts are."""

    def __init__(self, header, rows, column):
        self.header, self.rows, self.column = header, rows, column
        self.texts = [row[column] if column < len(row) else "" for row in rows]
        self.filled = [i for i, text in enumerate(self.texts) if text.strip()]

    def write(self, predictions, classes):
        """UTF-8 CSV bytes: the input columns, then label and p_<class> per class;
        `predictions` maps a row index to (label, probabilities)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header + ["label"] + [f"p_{c}" for c in classes])
        for i, row in enumerate(self.rows):
            label, probabilities = predictions.get(i, ("", None))
            row = row + [""] * (len(self.header) - len(row))
            writer.writerow(row + [label] + ([f"{p:.6f}" for p in probabilities]
                                             if probabilities is not None else
                                             [""] * len(classes)))
        return out.getvalue().encode("utf-8")


def decode(body):
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"file: expected UTF-8 text; byte {error.start} is not "
                         f"(0x{body[error.start]:02x})") from None


def read_upload(body, format):
    """An Upload from the raw bytes of a "txt" or "csv" file."""
    text = decode(body)
    if format == "txt":
        return Upload(["text"], [[line] for line in text.splitlines()], 0)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ValueError(f"file: not valid CSV ({error})") from None
    if not rows:
        raise ValueError("file: empty; expected a header row with a 'text' column")
    header, rows = rows[0], rows[1:]
    names = [name.strip().lower() for name in header]
    if "text" in names:
        column = names.index("text")
    elif len(header) == 1:
        column = 0
    else:
        raise ValueError(f"file: expected a 'text' column; the header has "
                         f"{', '.join(repr(n) for n in header)}")
    return Upload(header, rows, column)
