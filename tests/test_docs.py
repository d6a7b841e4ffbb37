"""Every Python block in docs/*.md and docs/zh/*.md runs, in order, in one namespace per
document. Where a ```text block follows a Python block, it is what that block prints:
the words must match and every number must agree (to 1 % or 0.01), so the numbers a
reader sees are the numbers the code gives."""
import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md")) + sorted((ROOT / "docs" / "zh").glob("*.md"))
BLOCK = re.compile(r"```python\n(.*?)```(?:\s*```text\n(.*?)```)?", re.S)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def same_output(printed, expected):
    """Same text once numbers are set aside, and each number within 1 % or 0.01."""
    words = [NUMBER.sub("#", s).split() for s in (printed, expected)]
    if words[0] != words[1]:
        return False
    pairs = zip(NUMBER.findall(printed), NUMBER.findall(expected))
    return all(abs(float(a) - float(b)) <= 0.01 + 0.01 * abs(float(b)) for a, b in pairs)


def test_same_output_checks_numbers_and_words():
    assert same_output("accuracy 0.8123\n", "accuracy 0.812")
    assert not same_output("accuracy 0.85", "accuracy 0.81")
    assert not same_output("loss 0.1", "accuracy 0.1")


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT / "docs")) for d in DOCS])
def test_code_blocks_run(doc, capsys):
    blocks = BLOCK.findall(doc.read_text(encoding="utf-8"))
    assert blocks, f"{doc.name} has no python blocks"
    namespace = {}
    for i, (code, expected) in enumerate(blocks):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"{doc.name}[block {i}]", "exec"), namespace)
        print(printed.getvalue(), end="")
        if expected:
            assert same_output(printed.getvalue(), expected), \
                f"{doc.name}[block {i}] printed:\n{printed.getvalue()}\nthe page says:\n{expected}"
    output = capsys.readouterr().out
    assert "False" not in output.replace("XOR learned: False", "")
