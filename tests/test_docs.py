"""Every Python block in docs/*.md runs, in order, in one namespace per document."""
import re
from pathlib import Path

import pytest

DOCS = sorted((Path(__file__).parent.parent / "docs").glob("*.md"))


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_code_blocks_run(doc, capsys):
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert blocks, f"{doc.name} has no python blocks"
    namespace = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{doc.name}[block {i}]", "exec"), namespace)
    output = capsys.readouterr().out
    assert "False" not in output.replace("XOR learned: False", "")
