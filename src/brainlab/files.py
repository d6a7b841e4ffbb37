"""Writing files so that nothing half-written is ever left behind.

Every writer goes to a temporary name in the same folder and renames it into
place: a crash or Ctrl-C leaves either the old file or the new one.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


def make_folder(folder):
    """Create `folder` and its parents; a clear ValueError if a file stands in the way."""
    folder = Path(folder)
    for part in (folder, *folder.parents):
        if part.exists() and not part.is_dir():
            raise ValueError(f"{part} is a file; expected a folder there (to write into "
                             f"{folder})")
    folder.mkdir(parents=True, exist_ok=True)


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; on success rename it to `path`."""
    path = Path(path)
    make_folder(path.parent)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path, text):
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path, data):
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def save_figure(figure, path, dpi=120):
    """A matplotlib figure as PNG at `path`, then closed; its text is drawn in a CJK font
    where it holds Chinese, Japanese or Korean (fonts.py)."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from .fonts import fonts_for

    texts = [text.get_text() for text in figure.findobj(Text)]
    with fonts_for(texts, path), atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png")
    plt.close(figure)


def json_format(path):
    """The "format" field of a JSON file, or None if it is missing or unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data.get("format") if isinstance(data, dict) else None


def check_replaceable(path, replaceable=lambda old: False):
    """A ValueError unless `path` is free, an empty folder, or (by `replaceable(path)`) an
    earlier save of the same kind: anything else there is the user's, never to be deleted."""
    path = Path(path)
    if path.exists() and not (path.is_dir() and (not any(path.iterdir()) or replaceable(path))):
        raise ValueError(f"{path} already exists and is not a saved model of this kind; "
                         f"choose a new folder or remove it first")


def atomic_directory(path, write, replaceable=lambda old: False):
    """Call write(tmp_dir), then move tmp_dir to `path`, replacing an earlier save there
    (see check_replaceable)."""
    path = Path(path)
    make_folder(path.parent)
    check_replaceable(path, replaceable)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        write(tmp)
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / "previous")
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
