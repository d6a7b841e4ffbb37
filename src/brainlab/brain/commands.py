"""`brainlab brain run|fi|compare|adex|stdp|convert|train-snn`: simulate the classic
networks, put neurons beside units, show the AdEx firing patterns, watch STDP find a hidden
pattern, convert a trained ReLU network to spiking neurons and train spiking neurons
through time. Commands parse, call the library (experiments.py, pattern.py, bridge.py,
surrogate.py) and print; the experiments themselves live there."""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np

from ..arguments import non_negative_int, percentile, positive_float, positive_int


def parse_duration(text):
    """'1s', '250ms', '0.5 s' or a bare number of seconds -> milliseconds."""
    match = re.fullmatch(r"\s*(-?[0-9]*\.?[0-9]+(?:e-?[0-9]+)?)\s*(ms|s)?\s*", str(text))
    if not match:
        raise ValueError(f"--duration: {text!r} is not a duration like 1s or 250ms")
    value = float(match.group(1)) * (1.0 if match.group(2) == "ms" else 1000.0)
    if value <= 0:
        raise ValueError(f"--duration must be positive, got {text!r}")
    return value


def register(subparsers):
    from .models import MODELS

    parser = subparsers.add_parser("brain", help="spiking neurons, synapses and plasticity")
    commands = parser.add_subparsers(dest="brain_command", required=True)
    run = commands.add_parser("run", help="simulate a benchmark network; plots + summary")
    run.add_argument("model", help=f"one of {', '.join(MODELS)}")
    run.add_argument("--duration", default="1s", help="simulated time, e.g. 1s or 250ms")
    run.add_argument("--dt", type=positive_float, default=None, help="time step in ms "
                     "(default: the model's own: 0.1 for cuba/coba, 1 for izhikevich, 0.01 "
                     "for hh)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--current", type=float, default=10.0,
                     help="hh only: injected current in uA/cm^2 (default 10)")
    run.add_argument("--out", type=Path, default=None, help="folder (default out/brain/MODEL)")
    run.set_defaults(handler=run_model)
    convert = commands.add_parser("convert", help="train a ReLU network (or load one), "
                                  "convert it to integrate-and-fire neurons and simulate it")
    convert.add_argument("--data", choices=("digits", "fashion-mnist"), default="digits")
    convert.add_argument("--out", type=Path, required=True, help="folder for summary.json, "
                         "report.md, the plot and the trained ANN")
    convert.add_argument("--model", type=Path, help="a saved brainlab.nn model (Sequential."
                         "save) to convert instead of training one")
    convert.add_argument("--steps", type=positive_int, default=256)
    convert.add_argument("--percentile", type=percentile, default=99.9,
                         help="of each layer's ReLU activations, for normalisation")
    convert.add_argument("--reset", choices=("subtract", "zero"), default="subtract")
    convert.add_argument("--coding", choices=("constant", "poisson"), default="constant")
    convert.add_argument("--epochs", type=positive_int, default=None,
                         help="ANN training epochs (default 60 for digits, 8 for fashion-mnist)")
    convert.add_argument("--seed", type=non_negative_int, default=0)
    convert.set_defaults(handler=run_convert)
    train_snn = commands.add_parser("train-snn", help="train leaky integrate-and-fire "
                                    "neurons by backpropagation through time (surrogate "
                                    "gradients)")
    train_snn.add_argument("--data", choices=("digits", "fashion-mnist"), default="digits")
    train_snn.add_argument("--out", type=Path, required=True)
    train_snn.add_argument("--hidden", type=positive_int, default=None,
                           help="hidden neurons (default 1000 for fashion-mnist, 100 for "
                           "digits)")
    train_snn.add_argument("--steps", type=positive_int, default=25)
    train_snn.add_argument("--epochs", type=positive_int, default=None,
                           help="default 1 for fashion-mnist (snnTorch's tutorial), 10 for "
                           "digits")
    train_snn.add_argument("--learning-rate", type=positive_float, default=5e-4)
    train_snn.add_argument("--surrogate", choices=("arctan", "fast_sigmoid"),
                           default="arctan")
    train_snn.add_argument("--seed", type=non_negative_int, default=0)
    train_snn.set_defaults(handler=run_train_snn)
    fi = commands.add_parser("fi", help="LIF f-I curve beside sigmoid and ReLU")
    fi.add_argument("--out", type=Path, default=Path("out/brain/fi"))
    fi.set_defaults(handler=run_fi)
    compare = commands.add_parser("compare", help="a step unit, a sigmoid unit and a LIF "
                                  "neuron on the same input")
    compare.add_argument("--out", type=Path, default=Path("out/brain/compare"))
    compare.set_defaults(handler=run_compare)
    adex = commands.add_parser("adex", help="the eight AdEx firing patterns of Naud et al. "
                               "(2008) under their step currents")
    adex.add_argument("--out", type=Path, default=Path("out/brain/adex"))
    adex.set_defaults(handler=run_adex)
    stdp = commands.add_parser("stdp", help="one neuron with STDP finds a spike pattern hidden "
                               "in noise (Masquelier et al. 2008)")
    stdp.add_argument("--duration", default="30s", help="simulated time per run (default 30s)")
    stdp.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    stdp.add_argument("--seeds", type=int, default=1, help="how many seeds to run (default 1); "
                      "the plot shows the first")
    stdp.add_argument("--a-minus-ratio", type=float, default=0.9,
                      help="depression amplitude as a fraction of potentiation's (default 0.9)")
    stdp.add_argument("--out", type=Path, default=Path("out/brain/stdp"))
    stdp.set_defaults(handler=run_stdp)


def run_model(args):
    from ..files import write_json
    from .models import MODELS
    from .plots import plot_activity

    if args.model not in MODELS:
        raise ValueError(f"unknown model {args.model!r}; expected one of {sorted(MODELS)}")
    builder, natural_dt = MODELS[args.model]
    duration = parse_duration(args.duration)
    dt = natural_dt if args.dt is None else args.dt
    network, monitors = builder(current=args.current) if args.model == "hh" else \
        builder(seed=args.seed)
    out = args.out or Path("out/brain") / args.model
    started = time.perf_counter()
    network.run(duration, dt, progress=True)
    wall = time.perf_counter() - started
    spikes = monitors["spikes"]
    summary = {"model": args.model, "duration_ms": duration, "dt_ms": dt,
               "neurons": spikes.group.n, "spikes": int(len(spikes.t)),
               "mean_rate_hz": spikes.mean_rate(duration), "isi_cv": spikes.isi_cv(),
               "wall_seconds": round(wall, 3)}
    if args.model == "izhikevich":
        summary["spectral_peak_hz"] = monitors["rate"].peak_frequency()
    plot_activity(monitors, out / "activity.png",
                  f"{args.model}: {spikes.group.n} neuron(s), {duration:g} ms, "
                  f"{summary['mean_rate_hz']:.1f} Hz mean")
    write_json(out / "summary.json", summary)
    for key, value in summary.items():
        print(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
    print(f"plots: {out / 'activity.png'}")


def run_fi(args):
    from .experiments import lif_rates
    from .plots import plot_fi

    drives = np.linspace(0, 40, 41)
    rates = lif_rates(drives)
    plot_fi(drives, rates, args.out / "fi.png")
    threshold = drives[np.argmax(rates > 0)]
    print(f"LIF (tau_m 20 ms, threshold 15 mV above rest, refractory 2 ms): silent below "
          f"{threshold:g} mV of drive, {rates[-1]:.0f} Hz at {drives[-1]:g} mV")
    print(f"plot: {args.out / 'fi.png'}")


def run_compare(args):
    from .experiments import unit_responses
    from .plots import plot_unit_comparison

    time_axis, drive, responses = unit_responses()
    plot_unit_comparison(time_axis, drive, responses, args.out / "compare.png")
    print("step: all or nothing at the threshold; sigmoid: a smooth version of it; LIF: "
          "fires only above the threshold, faster for stronger input, in time")
    print(f"plot: {args.out / 'compare.png'}")


def run_adex(args):
    from .experiments import adex_patterns
    from .plots import plot_firing_patterns

    results = adex_patterns()
    for name, (_, _, spikes) in results.items():
        intervals = np.diff(spikes)
        shown = ", ".join(f"{x:.0f}" for x in intervals[:6])
        print(f"{name}: {len(spikes)} spike(s) in 500 ms, first at {spikes[0]:.0f} ms, "
              f"intervals {shown}{' ...' if len(intervals) > 6 else ''} ms")
    plot_firing_patterns(results, args.out / "adex.png")
    print(f"plot: {args.out / 'adex.png'}")


def run_stdp(args):
    from ..files import write_json, write_text
    from .pattern import hidden_pattern, learn_hidden_pattern, learning_result
    from .plots import plot_hidden_pattern

    duration = parse_duration(args.duration)
    if duration < 10_000:
        raise ValueError(f"--duration must be at least 10s (learning takes seconds, and the "
                         f"last 10 s are scored), got {args.duration!r}")
    if args.seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {args.seeds}")
    if not np.isfinite(args.a_minus_ratio) or args.a_minus_ratio <= 0:
        raise ValueError(f"--a-minus-ratio must be a positive number, got {args.a_minus_ratio}")
    runs = []
    for seed in range(args.seed, args.seed + args.seeds):
        pattern = hidden_pattern(duration, seed=seed)
        run = learn_hidden_pattern(pattern, a_minus_ratio=args.a_minus_ratio, progress=True)
        result = learning_result(pattern, run, duration, seed)
        first, last = result["first_5s"], result["last_10s"]
        runs.append(result)
        print(f"seed {seed}: last 10 s: {last['hit_rate']:.0%} of {last['presentations']} "
              f"presentations answered, median latency {last['median_latency_ms']:.0f} ms, "
              f"{last['false_alarms_per_s']:.1f} false alarms/s "
              f"(first 5 s: {first['false_alarms_per_s']:.0f}/s); weights > 0.5: "
              f"{result['strong_weights_in_pattern']} pattern afferents, "
              f"{result['strong_weights_elsewhere']} others")
        if len(runs) == 1:
            plot_hidden_pattern(pattern, run, args.out / "stdp.png")
    learned = sum(r["learned"] for r in runs)
    summary = {"duration_ms": duration, "afferents": 2000, "pattern_afferents": 1000,
               "a_minus_ratio": args.a_minus_ratio,
               "learned": learned, "runs": runs,
               "criterion": "last 10 s: hit rate >= 90 % and < 1 false alarm per second"}
    write_json(args.out / "summary.json", summary)
    lines = ["# STDP finds a repeating spike pattern hidden in noise", "",
             "Masquelier, Guyonneau & Thorpe (2008), reproduced by `brainlab brain stdp "
             f"--duration {duration / 1000:g}s --seed {args.seed} --seeds {args.seeds} "
             f"--a-minus-ratio {args.a_minus_ratio:g}`.", "",
             f"Learned in **{learned} of {len(runs)}** runs ({summary['criterion']}).", "",
             "| seed | hit rate | median latency (ms) | false alarms/s (first 5 s -> last 10 s) "
             "| weights > 0.5 in pattern / elsewhere |", "|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['seed']} | {r['last_10s']['hit_rate']:.0%} | "
                     f"{r['last_10s']['median_latency_ms']:.0f} | "
                     f"{r['first_5s']['false_alarms_per_s']:.1f} -> "
                     f"{r['last_10s']['false_alarms_per_s']:.1f} | "
                     f"{r['strong_weights_in_pattern']} / {r['strong_weights_elsewhere']} |")
    lines += ["", f"![learning](stdp.png) (seed {args.seed})", ""]
    write_text(args.out / "report.md", "\n".join(lines))
    print(f"learned in {learned} of {len(runs)} runs; plot and report: {args.out}")


def run_convert(args):
    from ..files import write_json, write_text
    from ..nn import Sequential
    from .bridge import conversion_experiment, load_task, train_ann
    from .plots import plot_accuracy_by_steps

    (X, y), (X_test, y_test) = load_task(args.data)
    if args.model:
        model = Sequential.load(args.model)
    else:
        print(f"training the ANN on {args.data} ({len(X)} images)", file=sys.stderr)
        model = train_ann(args.data, X, y, args.epochs, args.seed, verbose=1)
        model.save(args.out / "ann")
    calibration = X[np.random.default_rng(args.seed).permutation(len(X))[:2000]]
    result = conversion_experiment(model, calibration, X_test, y_test, args.steps,
                                   args.percentile, args.reset, args.coding, args.seed)
    result["data"] = args.data
    write_json(args.out / "summary.json", result)
    title = f"{args.data}: the ANN and its spiking conversion"
    plot_accuracy_by_steps(result, args.out / "accuracy_by_steps.png", title)
    lines = [f"# {title}", "", f"`{result['network']}`, {len(X_test)} test images, "
             f"normalised at the {args.percentile:g}th percentile, {args.coding} input.", "",
             f"ANN **{result['ann_accuracy']:.4f}**; spiking **{result['snn_accuracy']:.4f}** "
             f"after {args.steps} steps; first within 1 point of the ANN after "
             f"{result['first_steps_within_1_point']} steps.", "",
             "| steps | accuracy | synaptic operations per image | vs ANN multiply-adds |",
             "|---:|---:|---:|---:|"]
    macs = result["ann_multiply_adds_per_image"]
    for steps, accuracy in result["accuracy_by_steps"].items():
        operations = result["synaptic_operations_per_image"][steps]
        lines.append(f"| {steps} | {accuracy:.4f} | {operations:,.0f} | {operations / macs:.2f}x |")
    lines += ["", f"ANN: {macs:,} multiply-adds per image. Spiking: "
              f"{result['spikes_per_image']:,.0f} spikes per image over {args.steps} steps.", "",
              "![accuracy by steps](accuracy_by_steps.png)", ""]
    write_text(args.out / "report.md", "\n".join(lines))
    print(f"ANN {result['ann_accuracy']:.4f}; spiking {result['snn_accuracy']:.4f} after "
          f"{args.steps} steps (within 1 point from {result['first_steps_within_1_point']} "
          f"steps); {result['spikes_per_image']:,.0f} spikes and "
          f"{result['synaptic_operations_per_image'][args.steps]:,.0f} synaptic operations "
          f"per image against {macs:,} ANN multiply-adds; report: {args.out / 'report.md'}")


def run_train_snn(args):
    from ..files import write_json, write_text
    from .bridge import load_task
    from .plots import plot_snn_accuracy_by_steps
    from .surrogate import SpikingClassifier

    (X, y), (X_test, y_test) = load_task(args.data)
    fashion = args.data == "fashion-mnist"
    hidden = args.hidden or (1000 if fashion else 100)
    epochs = args.epochs or (1 if fashion else 10)
    model = SpikingClassifier((X.shape[1], hidden, int(y.max()) + 1), beta=0.95,
                              steps=args.steps, surrogate=args.surrogate, seed=args.seed)
    print(f"{model} on {args.data} ({len(X)} images, {epochs} epochs)", file=sys.stderr)
    started = time.perf_counter()
    accuracy_per_epoch = []
    for epoch in range(epochs):
        model.fit(X, y, epochs=1, learning_rate=args.learning_rate, seed=args.seed + epoch,
                  verbose=1)
        accuracy_per_epoch.append(model.evaluate(X_test, y_test))
        print(f"epoch {epoch + 1}: loss {model.history['loss'][-1]:.4f}, test accuracy "
              f"{accuracy_per_epoch[-1]:.4f}", file=sys.stderr)
    seconds = time.perf_counter() - started
    by_steps, spikes = model.accuracy_by_steps(X_test, y_test)
    summary = {"data": args.data, "network": repr(model), "accuracy": accuracy_per_epoch[-1],
               "epochs": epochs, "accuracy_per_epoch": accuracy_per_epoch,
               "steps": args.steps, "surrogate": args.surrogate,
               "accuracy_by_steps": {t + 1: float(a) for t, a in enumerate(by_steps)},
               "spikes_per_image": spikes, "train_seconds": round(seconds, 1),
               "loss_per_epoch": model.history["loss"]}
    write_json(args.out / "summary.json", summary)
    title = f"{args.data}: spiking neurons trained by surrogate gradients"
    plot_snn_accuracy_by_steps(by_steps, args.out / "accuracy_by_steps.png", title)
    write_text(args.out / "report.md", "\n".join([
        f"# {title}", "", f"`{model}`, Adam {args.learning_rate:g}, batch 128, {epochs} "
        f"epoch(s) in {seconds:.0f} s.", "",
        f"Test accuracy **{accuracy_per_epoch[-1]:.4f}** ({len(X_test)} images; the class is "
        f"the output neuron that fires most in {args.steps} steps); "
        f"{spikes:,.0f} spikes per image.", "",
        "![accuracy by steps](accuracy_by_steps.png)", ""]))
    print(f"test accuracy {accuracy_per_epoch[-1]:.4f} after {epochs} epoch(s) "
          f"({seconds:.0f} s); report: {args.out / 'report.md'}")
