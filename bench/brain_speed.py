"""The CUBA benchmark network in brainlab and in Brian2 (numpy and cython targets).

Same network in all three: brainlab builds the connectivity and the initial
voltages (seed 0), and Brian2 receives exactly those synapses and voltages, so
the mean rates should agree closely (within 15%). Prints wall time per simulated
second (the run alone; building and Brian2's code generation are timed apart,
with a warm-up run first so that compiled code is cached) and the ratios.
Target: brainlab faster than Brian2's numpy target, within 1.5x of its cython one.

    pip install brian2 cython   (or: make bench)
    python bench/brain_speed.py [--duration 1]
"""
import argparse
import statistics
import time
import warnings


warnings.filterwarnings("ignore")


def brainlab_run(duration_ms, seed=0):
    from brainlab.brain.models import cuba

    start = time.perf_counter()
    network, monitors = cuba(seed=seed, record=("spikes",))   # as Brian2: a spike monitor only
    built = time.perf_counter() - start
    start = time.perf_counter()
    network.run(duration_ms, 0.1)
    return network, monitors["spikes"].mean_rate(duration_ms), time.perf_counter() - start, built


def brian2_run(target, network, duration_ms):
    import brian2 as b2
    from brian2 import ms, mV

    b2.prefs.codegen.target = target
    b2.start_scope()
    b2.defaultclock.dt = 0.1 * ms
    group = network.groups[0]
    excitatory, inhibitory = network.synapses
    equations = """
    dv/dt  = (ge + gi - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue : volt
    dgi/dt = -gi / taui : volt
    """
    namespace = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "El": -49 * mV,
                 "Vt": -50 * mV, "Vr": -60 * mV, "we": 1.62 * mV, "wi": -9 * mV}
    start = time.perf_counter()
    cells = b2.NeuronGroup(group.n, equations, threshold="v > Vt", reset="v = Vr",
                           refractory=5 * ms, method="exact", namespace=namespace)
    cells.v = network.initial_v * mV
    synapses = []
    for connections, pathway in ((excitatory, "ge += we"), (inhibitory, "gi += wi")):
        coo = connections.weights.tocoo()
        synapse = b2.Synapses(cells, cells, on_pre=pathway, namespace=namespace)
        synapse.connect(i=coo.row, j=coo.col)
        synapses.append(synapse)
    spikes = b2.SpikeMonitor(cells)
    net = b2.Network(cells, *synapses, spikes)
    built = time.perf_counter() - start
    start = time.perf_counter()
    net.run(duration_ms * ms)
    elapsed = time.perf_counter() - start
    return spikes.num_spikes / group.n / (duration_ms / 1000), elapsed, built


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=1.0, help="simulated seconds")
    parser.add_argument("--repeats", type=int, default=3,
                        help="interleaved runs of each; the median time is reported")
    args = parser.parse_args()
    duration_ms = args.duration * 1000
    from brainlab.brain.models import cuba

    reference, _ = cuba(seed=0)
    reference.initial_v = reference.groups[0].v.copy()
    brainlab_run(10.0)   # warm-up
    for target in ("numpy", "cython"):
        brian2_run(target, reference, 100.0)   # warm-up: code generation and compilation
    runs = {"brainlab": [], "brian2 numpy": [], "brian2 cython": []}
    for _ in range(args.repeats):   # interleaved, so machine noise hits all three alike
        _, rate, seconds, built = brainlab_run(duration_ms)
        runs["brainlab"].append((rate, seconds, built))
        for target in ("numpy", "cython"):
            runs[f"brian2 {target}"].append(brian2_run(target, reference, duration_ms))
    results = {name: (values[0][0], statistics.median(v[1] for v in values), values[0][2])
               for name, values in runs.items()}
    print(f"CUBA: 4000 LIF neurons, p = 0.02, dt 0.1 ms, {args.duration:g} s simulated, "
          f"identical connectivity and initial voltages")
    for name, (rate, seconds, built) in results.items():
        print(f"{name:>14}: {seconds / args.duration:6.2f} s per simulated second "
              f"(median of {args.repeats}; build {built:.2f} s), mean rate {rate:5.2f} Hz")
    ours = results["brainlab"]
    for target in ("numpy", "cython"):
        theirs = results[f"brian2 {target}"]
        print(f"ratio brainlab / brian2 {target} time = {ours[1] / theirs[1]:.2f}; rate "
              f"difference {100 * (ours[0] - theirs[0]) / theirs[0]:+.1f}%")
    print("targets: faster than numpy (< 1.00), within 1.5x of cython (<= 1.50); "
          "rates within 15%")


if __name__ == "__main__":
    main()
