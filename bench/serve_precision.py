"""Which reduced precision keeps the answers? fp32, bf16 and int8 schemes for the
MiniLM encoder of a `features` model, on short texts the head was never tuned on.

int8 schemes: brainlab's (text/int8.py: activations per token, smoothed by the ranges
recorded on 128 training texts, as `brainlab text train` records them), the same
without smoothing, and PyTorch's dynamic quantisation (one activation scale per batch),
with every Linear and with the FFN output projections left in fp32.

For each data set a features head is trained on the fp32 vectors of the training part
(as `brainlab text train` does), then the test texts are encoded at each precision and
run through that same head. Printed: test accuracy, label agreement with fp32, cosine of
the vectors to fp32 (mean and minimum), encoding throughput (texts/s, all test texts),
single-text latency (p50 of 100 texts one at a time), and throughput against
sentence-transformers' `encode` on the same texts in the same run.
Target (issue 11): within 0.3 points of fp32, >= 98 % agreement, >= 2x sentence-transformers.

With --onnx, MiniLM exported to ONNX and run by ONNX Runtime, in fp32 and quantised by
ONNX Runtime's own dynamic int8 quantiser (`pip install -e '.[onnx-bench]'`).

    python bench/serve_precision.py [--data movie-sentences,tweets-sentiment] [--test 1000]
                                    [--onnx]
"""
import argparse
import copy
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")


def torch_dynamic_int8(runner, keep_ffn_output=False):
    """PyTorch's dynamic int8 (per-channel weights, one activation scale per batch) for
    every Linear, or every Linear but the FFN's output (down) projections."""
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    names = {name for name, module in runner.named_modules()
             if isinstance(module, torch.nn.Linear)
             and not (keep_ffn_output and name.split(".")[-1] == "output")}
    return quantize_dynamic(copy.deepcopy(runner), {n: per_channel_dynamic_qconfig
                                                    for n in names}, dtype=torch.qint8)


class OnnxRunner:
    """An ONNX Runtime session behind the encoder's runner call:
    (input_ids, mask) -> token states."""

    def __init__(self, path):
        import onnxruntime
        import torch

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        self.session = onnxruntime.InferenceSession(str(path), options,
                                                    providers=["CPUExecutionProvider"])

    def __call__(self, input_ids, mask):
        import torch

        states = self.session.run(None, {"input_ids": input_ids.numpy(),
                                         "attention_mask": mask.numpy()})[0]
        return torch.from_numpy(states)


def onnx_runners(model, folder):
    """MiniLM exported to ONNX (fp32), and that file quantised by ONNX Runtime's dynamic
    int8 quantiser (per-channel weights, activations scaled per tensor at run time)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from brainlab.text.fastbert import HuggingFaceForward

    fp32, int8 = folder / "minilm.onnx", folder / "minilm-int8.onnx"
    example = (torch.ones(2, 16, dtype=torch.long), torch.ones(2, 16, dtype=torch.long))
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(HuggingFaceForward(model).eval(), example, str(fp32), dynamo=False,
                      input_names=["input_ids", "attention_mask"], output_names=["states"],
                      dynamic_axes={"input_ids": axes, "attention_mask": axes, "states": axes},
                      opset_version=17)
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    return {"ONNX Runtime fp32": OnnxRunner(fp32), "ONNX Runtime int8": OnnxRunner(int8)}


def sentence_transformers_rate(texts):
    from sentence_transformers import SentenceTransformer

    from brainlab.text.encoders import default_model_path

    model = SentenceTransformer(str(default_model_path()), device="cpu")
    model.encode(texts[:64], batch_size=32)
    started = time.perf_counter()
    model.encode(texts, batch_size=32)
    return len(texts) / (time.perf_counter() - started)


def main():
    from brainlab.text import TextClassifier
    from brainlab.text.data import load_data, sample_per_class, stratified_split
    from brainlab.text.encoders import native_bf16
    from brainlab.text.fastbert import BFloat16Forward
    from brainlab.text.int8 import quantize_int8

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="movie-sentences,tweets-sentiment")
    parser.add_argument("--test", type=int, default=1000, help="test texts per class")
    parser.add_argument("--onnx", action="store_true", help="also ONNX Runtime, fp32 and its "
                        "dynamic int8 (needs the onnx-bench extra)")
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    print(f"native bf16 on this CPU: {native_bf16()}")
    for name in args.data.split(","):
        train, test = stratified_split(load_data(name), 0.3, seed=0)
        test = sample_per_class(test, args.test, seed=0)
        texts, truth = list(test.texts), np.array([str(label) for label in test.labels])
        classifier = TextClassifier(strategy="features", seed=0).fit(train.texts, train.labels)
        strategy = classifier.strategy_
        encoder = strategy.encoder.load()
        strategy.calibrate()   # what `brainlab text train` records and saves
        fp32 = encoder._runner
        schemes = {"fp32": fp32, "bf16": BFloat16Forward(fp32),
                   "int8 (brainlab: per token, smoothed)":
                       quantize_int8(fp32, encoder.activation_max),
                   "int8 per token, not smoothed": quantize_int8(fp32),
                   "PyTorch dynamic int8": torch_dynamic_int8(fp32),
                   "PyTorch dynamic int8, FFN output fp32": torch_dynamic_int8(fp32, True)}
        if args.onnx:
            schemes.update(onnx_runners(encoder.model, Path(scratch.name)))
        st_rate = sentence_transformers_rate(texts)
        print(f"\n{name}: {len(texts)} test texts, head fitted on the fp32 vectors of "
              f"{len(train)}; sentence-transformers encodes {st_rate:.0f} texts/s\n")
        print("| precision | accuracy | agreement with fp32 | cosine mean | cosine min | "
              "texts/s | vs sentence-transformers | one text p50 ms |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        reference = None
        for scheme, runner in schemes.items():
            encoder._runner = runner
            encoder.encode(texts[:64])
            started = time.perf_counter()
            vectors = encoder.encode(texts)
            rate = len(texts) / (time.perf_counter() - started)
            latencies = []
            for text in texts[:100]:
                started = time.perf_counter()
                encoder.encode([text])
                latencies.append(time.perf_counter() - started)
            probabilities = strategy.head.predict(strategy.standardise(vectors))
            predicted = probabilities.argmax(axis=1)
            if reference is None:
                reference = (vectors, predicted)
            cosine = np.sum(vectors * reference[0], axis=1) / (
                np.linalg.norm(vectors, axis=1) * np.linalg.norm(reference[0], axis=1))
            accuracy = np.mean(np.array([str(c) for c in classifier.classes_])[predicted] == truth)
            print(f"| {scheme} | {accuracy:.4f} | {np.mean(predicted == reference[1]):.2%} | "
                  f"{cosine.mean():.4f} | {cosine.min():.4f} | {rate:.0f} | "
                  f"{rate / st_rate:.2f}x | {np.median(latencies) * 1000:.1f} |", flush=True)


if __name__ == "__main__":
    main()
