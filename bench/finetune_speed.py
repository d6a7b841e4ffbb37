"""brainlab's `finetune` against a plain PyTorch loop on the same MiniLM, texts, length,
batch and epochs, in the same run.

The plain loop is what a practitioner writes first: AutoModelForSequenceClassification,
AdamW 5e-5 (or --plain-learning-rate), batch 32, linear warm-up (10 %) and decay, 128
tokens, every batch padded to its longest text, no validation. brainlab (its defaults:
AdamW 1e-4, bf16 autocast where the CPU multiplies bfloat16 natively) holds out 15 % to
choose the best epoch (the probe, epoch 0, included) and trains on the rest; on such a CPU
it also runs in fp32, to show what bf16 buys. Printed: seconds per epoch of each (target:
brainlab <= 1.1x), total seconds to the kept model, and test accuracy.

    python bench/finetune_speed.py [--data movie-sentences] [--epochs 2] [--limit N]
                                   [--plain-learning-rate 5e-5]
"""
import argparse
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def plain_loop(train, test, classes, epochs, learning_rate=5e-5, batch_size=32, max_length=128,
               seed=0):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging

    from brainlab.text.encoders import default_model_path

    logging.set_verbosity_error()
    torch.manual_seed(seed)
    path = str(default_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        path, num_labels=len(classes), local_files_only=True)
    index = {label: i for i, label in enumerate(classes)}
    y = torch.tensor([index[label] for label in train.labels])
    steps = epochs * -(-len(train.texts) // batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    warmup = max(1, steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup))))
    rng = np.random.default_rng(seed)
    epoch_seconds, started = [], time.perf_counter()
    for _ in range(epochs):
        epoch_start = time.perf_counter()
        model.train()
        order = rng.permutation(len(train.texts))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            batch = tokenizer([train.texts[i] for i in rows], padding=True, truncation=True,
                              max_length=max_length, return_tensors="pt")
            loss = torch.nn.functional.cross_entropy(model(**batch).logits, y[rows])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
        epoch_seconds.append(time.perf_counter() - epoch_start)
    total = time.perf_counter() - started
    model.eval()
    correct = 0
    with torch.inference_mode():
        for start in range(0, len(test.texts), 64):
            batch = tokenizer(test.texts[start:start + 64], padding=True, truncation=True,
                              max_length=max_length, return_tensors="pt")
            predicted = model(**batch).logits.argmax(1).numpy()
            correct += sum(classes[p] == label for p, label in
                           zip(predicted, test.labels[start:start + 64]))
    return epoch_seconds, total, correct / len(test.texts)


def main():
    from brainlab.text import TextClassifier
    from brainlab.text.data import load_data, sample_per_class, stratified_split
    from brainlab.text.training import TrainingArguments

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="movie-sentences")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None,
                        help="at most this many training texts per class (quick runs)")
    parser.add_argument("--plain-learning-rate", type=float, default=5e-5)
    args = parser.parse_args()
    train, test = stratified_split(load_data(args.data), 0.3, seed=0)
    if args.limit:
        train = sample_per_class(train, args.limit, seed=0)
    classes = sorted(set(train.labels))
    print(f"{args.data}: {len(train)} training texts, {len(test)} test texts, "
          f"{args.epochs} epochs, batch 32, 128 tokens")
    plain_epochs, plain_total, plain_accuracy = plain_loop(train, test, classes, args.epochs,
                                                           args.plain_learning_rate)
    from brainlab.text.encoders import native_bf16

    # the default (bf16 autocast where the CPU multiplies bfloat16 natively), and fp32
    runs = [("bf16", True), ("fp32", False)] if native_bf16() else [("fp32", False)]
    print("| | s per epoch | total s to the kept model | test accuracy |")
    print("|---|---|---|---|")
    print(f"| plain PyTorch loop ({args.plain_learning_rate:g}, fp32) | "
          f"{np.mean(plain_epochs):.1f} | {plain_total:.1f} | {plain_accuracy:.4f} |")
    ratios = []
    for name, bf16 in runs:
        started = time.perf_counter()
        classifier = TextClassifier(strategy="finetune", seed=0, args=TrainingArguments(
            finetune_epochs=args.epochs, finetune_bf16=bf16)).fit(train.texts, train.labels)
        total = time.perf_counter() - started
        accuracy = classifier.evaluate(test.texts, test.labels)["accuracy"]
        epochs = classifier.info["finetune_epoch_seconds"]
        print(f"| brainlab finetune ({name}) | {np.mean(epochs):.1f} | {total:.1f} | "
              f"{accuracy:.4f} |", flush=True)
        ratios.append(f"{name}: {np.mean(epochs) / np.mean(plain_epochs):.2f}x per epoch, "
                      f"{total / plain_total:.2f}x in total, kept epoch "
                      f"{classifier.info['finetune_best_epoch']} (validation accuracy by epoch "
                      f"{[round(a, 4) for a in classifier.info['finetune_val_accuracy']]})")
    print("ratio brainlab / plain (target <= 1.1x per epoch): " + "; ".join(ratios))


if __name__ == "__main__":
    main()
