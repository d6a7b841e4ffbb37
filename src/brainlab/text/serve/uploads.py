"""Uploaded files for the web page: a TXT file (one text per line) or a CSV file with a
"text" column (or a single column) is read from the request body (UTF-8 unless another
encoding is named, such as the GB18030 of Excel on Chinese Windows), and written back in
the same encoding (a UTF-8 byte-order mark kept) as CSV with a label and one probability
column per class. Empty texts get an empty label, so every input row has exactly one
output row, as in `brainlab text predict`."""
from __future__ import annotations

import codecs
import csv
import io

from ..data import codec_for, output_encoding, reads_as_chinese


class Upload:
    """The rows of an uploaded file and where their texts are."""

    def __init__(self, header, rows, column, encoding="utf-8"):
        self.header, self.rows, self.column, self.encoding = header, rows, column, encoding
        self.texts = [row[column] if column < len(row) else "" for row in rows]
        self.filled = [i for i, text in enumerate(self.texts) if text.strip()]

    @property
    def charset(self):
        """The encoding's name for a Content-Type header."""
        return "utf-8" if self.encoding == "utf-8-sig" else self.encoding

    def write(self, predictions, classes):
        """CSV bytes in the upload's encoding: the input columns, then label and p_<class>
        per class; `predictions` maps a row index to (label, probabilities)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header + ["label"] + [f"p_{c}" for c in classes])
        for i, row in enumerate(self.rows):
            label, probabilities = predictions.get(i, ("", None))
            row = row + [""] * (len(self.header) - len(row))
            writer.writerow(row + [label] + ([f"{p:.6f}" for p in probabilities]
                                             if probabilities is not None else
                                             [""] * len(classes)))
        try:
            return out.getvalue().encode(self.encoding)
        except UnicodeEncodeError as error:
            raise ValueError(f"encoding: {error.object[error.start:error.end]!r} cannot be "
                             f"written in {self.encoding}; choose utf-8 or gb18030") from None


def decode(body, encoding="utf-8"):
    """The text of an uploaded file; a ValueError that says which encoding it reads as
    when a UTF-8 reading fails on Chinese GB18030."""
    try:
        codec = codec_for(encoding)
    except LookupError:
        raise ValueError(f"encoding: unknown {encoding!r}; expected utf-8, gb18030, big5 "
                         "or another name Python knows") from None
    utf8 = codec == "utf-8-sig"
    try:
        return body.decode(codec)
    except UnicodeDecodeError as error:
        problem = (f"file: expected {'UTF-8' if utf8 else encoding} text; byte {error.start} "
                   f"is not (0x{body[error.start]:02x})")
        if utf8 and reads_as_chinese(body):
            problem += ("; it reads as Chinese in GB18030 (GBK), as Excel saves it: choose "
                        "that encoding (encoding=gb18030)")
        raise ValueError(problem) from None


def read_upload(body, format, encoding="utf-8"):
    """An Upload from the raw bytes of a "txt" or "csv" file in `encoding`."""
    text = decode(body, encoding)
    # the canonical name ("gb18030", "utf-8"), or "utf-8-sig" for a file that had the mark
    encoding = output_encoding(codecs.lookup(encoding).name, body[:3])
    if format == "txt":
        return Upload(["text"], [[line] for line in text.splitlines()], 0, encoding)
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
    return Upload(header, rows, column, encoding)
