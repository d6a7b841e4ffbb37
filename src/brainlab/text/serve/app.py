"""The HTTP face of a saved text classifier: an ASGI app (FastAPI) with a JSON API, the
model's facts, and an offline web page.

    POST /predict        {"texts": [...]} -> labels, probabilities, classes
    POST /predict/file   a CSV (with a "text" column) or TXT file -> the same file, labelled
                         (?format=csv|txt; ?encoding=utf-8 by default, gb18030, big5, ...:
                         the file's, in and out)
    GET  /health         liveness and batching counters (answers while a batch runs)
    GET  /model          the model card's facts: strategy, encoder, classes, scores
    GET  /openapi.json   the API's schema; GET /docs renders it (offline)
    GET  /               the web page

The model directory is fixed when the app is created: no request can name a file.
"""

import json
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from .batcher import DynamicBatcher, model_thread
from .uploads import read_upload
from .limits import BodyLimit

MAX_TEXTS = 256
MAX_BODY_BYTES = 1 << 20        # 1 MiB for /predict
MAX_FILE_BYTES = 16 << 20       # 16 MiB for /predict/file
STATIC = resources.files("brainlab.text.serve") / "static"


class PredictRequest(BaseModel):
    texts: list[str] = Field(description="1 to max_texts (default 256) non-empty texts")


class Prediction(BaseModel):
    labels: list[str]
    probabilities: list[list[float]] = Field(description="one row per text, in the order "
                                                         "of classes")
    classes: list[str]


def load_model(model_dir, precision=None):
    """The classifier and its brainlab.json facts; a ValueError naming the directory if
    either cannot be read."""
    from ..classifier import TextClassifier

    classifier = TextClassifier.load(model_dir, precision=precision)
    meta = json.loads((Path(model_dir) / "brainlab.json").read_text(encoding="utf-8"))
    return classifier, meta


def model_facts(classifier, meta):
    info = meta.get("info") or {}
    encoder = dict(meta.get("encoder") or {})
    if encoder.get("model") == "default":
        encoder["model"] = "all-MiniLM-L6-v2"
    return {"strategy": meta.get("strategy"), "classes": [str(c) for c in classifier.classes_],
            "encoder": encoder or None, "features": meta.get("features"), "precision": getattr(
                classifier.strategy_, "precision", "fp32"),
            "scores": meta.get("scores"), "data": meta.get("data"),
            "train_size": info.get("train_size"), "fit_seconds": info.get("fit_seconds")}


def token_counter(classifier):
    """Tokens per text as the encoder reads them (every window of a long text); words + 2
    for the TF-IDF model, which has no tokenizer of subwords."""
    encoder = getattr(classifier.strategy_, "encoder", None)
    if encoder is not None and hasattr(encoder, "window_ids"):
        return lambda texts: sum(len(ids) for ids in encoder.window_ids(texts)[0])
    if encoder is not None and hasattr(encoder, "tokenize"):
        return lambda texts: sum(len(ids) for ids in encoder.tokenize(texts))
    return None


def memory_trimmer(every=50):
    """A call that hands freed memory back to the OS every `every` batches (glibc's
    malloc_trim; a no-op elsewhere). glibc keeps the activations of each new batch shape
    in its arenas: measured over 800 batches of random shapes, RSS rose 575 MB and was
    still rising without it, and levelled off 280 MB up with a trim after every batch."""
    import ctypes
    import ctypes.util

    try:
        release = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    count = 0

    def trim():
        nonlocal count
        count += 1
        if count % every == 0:
            release(0)

    return trim


def create_app(model_dir, precision=None, max_wait_ms=5.0, max_batch_tokens=4096,
               batching=True, max_texts=MAX_TEXTS, max_body_bytes=MAX_BODY_BYTES,
               max_file_bytes=MAX_FILE_BYTES, classifier=None, workers=1):
    """An ASGI app serving the model saved in `model_dir` (or an already loaded
    `classifier`, with `model_dir` its saved directory); `precision` None keeps the saved
    one. A batch is formed whenever the model is free, from the requests that queued
    meanwhile, waiting up to `max_wait_ms` for more while requests come in together (5, the
    default, measured best at 8 and 32 clients in bench/serve_load.py) and closing at
    `max_batch_tokens`. `workers` > 1 runs that many batches at once, each model thread
    on its share of PyTorch's threads (the process's default for threads that have not run
    the model yet becomes that share too)."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, JSONResponse, Response
    from starlette.exceptions import HTTPException
    from starlette.staticfiles import StaticFiles

    if max_texts < 1:
        raise ValueError(f"max_texts must be >= 1, got {max_texts}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    # the model is loaded, warmed up and run in these threads only
    thread = model_thread(workers)
    if classifier is None:
        classifier, meta = thread.submit(load_model, model_dir, precision).result()
    else:
        meta = json.loads((Path(model_dir) / "brainlab.json").read_text(encoding="utf-8"))
    classes = [str(c) for c in classifier.classes_]
    facts = model_facts(classifier, meta)
    trim = memory_trimmer()

    def predict(texts):
        rows = classifier.predict_proba(texts)
        trim()
        return rows

    batcher = DynamicBatcher(predict, token_counter(classifier), max_wait_ms, max_batch_tokens,
                             batching, executor=thread, workers=workers)
    thread.submit(classifier.predict_proba, ["warm-up"]).result()   # one-off costs, paid now

    @asynccontextmanager
    async def lifespan(app):
        await batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="brainlab text classifier",
                  description=f"{facts['strategy']} model, classes: {', '.join(classes)}",
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.batcher, app.state.classifier = batcher, classifier

    def error(status, message):
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request, exc):
        return error(*describe_validation_error(exc.errors()))

    @app.exception_handler(HTTPException)
    async def http_error(request, exc):
        return error(exc.status_code, str(exc.detail))

    async def classify(texts):
        rows = await batcher.submit(texts)
        return [classes[int(i)] for i in np.argmax(rows, axis=1)], rows

    @app.post("/predict", response_model=Prediction,
              summary="Label texts", responses={400: {}, 413: {}, 422: {}})
    async def predict(request: PredictRequest):
        texts = request.texts
        if not texts:
            return error(422, "texts: expected a non-empty list of strings")
        if len(texts) > max_texts:
            return error(413, f"texts: {len(texts)} texts, at most {max_texts} per request")
        blank = [i for i, t in enumerate(texts) if not t.strip()]
        if blank:
            return error(422, f"texts[{blank[0]}]: expected a non-empty string")
        labels, rows = await classify(texts)
        return JSONResponse({"labels": labels, "classes": classes,   # already the schema's
                             "probabilities": np.round(np.asarray(rows, dtype=float), 6)
                             .tolist()})

    @app.post("/predict/file", summary="Label a CSV (column 'text') or TXT file (one text "
              "per line); the answer is a CSV", response_class=Response)
    async def predict_file(request: Request, format: str = "txt", encoding: str = "utf-8"):
        if format not in ("csv", "txt"):
            return error(422, f"format: expected 'csv' or 'txt', got {format!r}")
        try:
            content = read_upload(await request.body(), format, encoding)
        except ValueError as problem:
            return error(422, str(problem))
        texts = content.texts
        done = {}
        for start in range(0, len(content.filled), max_texts):   # interleaves with others
            chunk = content.filled[start:start + max_texts]
            labels, rows = await classify([texts[i] for i in chunk])
            done.update({i: (label, row) for i, label, row in zip(chunk, labels, rows)})
        try:
            labelled = content.write(done, classes)
        except ValueError as problem:
            return error(422, str(problem))
        return Response(labelled, media_type=f"text/csv; charset={content.charset}",
                        headers={"content-disposition": 'attachment; filename="labelled.csv"'})

    @app.get("/health", summary="Liveness and batching counters")
    async def health():
        return {"status": "ok", "batches": batcher.batches, "texts": batcher.texts,
                "batching": repr(batcher)}

    @app.get("/model", summary="The model's facts: strategy, encoder, classes, scores")
    async def model():
        return facts

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(STATIC / "index.html")

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return FileResponse(STATIC / "docs.html")

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    return BodyLimit(app, max_body_bytes, {"/predict/file": max_file_bytes})


def describe_validation_error(errors):
    """(status, one sentence) for FastAPI's validation errors: 400 for a body that is not
    JSON, 422 for JSON of the wrong shape."""
    first = errors[0] if errors else {}
    kind = first.get("type", "")
    if kind == "json_invalid":
        return 400, f"malformed JSON: {first.get('ctx', {}).get('error', 'cannot parse')}"
    parts = [part for part in first.get("loc", ()) if part != "body"]
    where = (str(parts[0]) + "".join(f"[{p}]" for p in parts[1:])) if parts else "body"
    if kind == "missing":
        return 422, f"{where}: missing; expected {{\"texts\": [\"a text\", ...]}}"
    if kind in ("string_type", "list_type", "model_attributes_type", "dict_type"):
        expected = {"string_type": "a string", "list_type": "a list of strings"}.get(
            kind, "a JSON object like {\"texts\": [\"a text\"]}")
        return 422, f"{where}: expected {expected}, got {type_name(first.get('input'))}"
    return 422, f"{where}: {first.get('msg', 'invalid')}"


def type_name(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "null"}.get(type(value),
                                                                         type(value).__name__)
