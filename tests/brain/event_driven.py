"""An event-driven reference for the hidden-pattern experiment: the same SRM neuron and
nearest-spike STDP, but every input spike at its own moment in continuous time (as in
Masquelier et al. 2008), processed one by one. Slow and plain on purpose; it exists to
check what the clock-driven `brainlab.brain.pattern` changes."""
import math

import numpy as np


def continuous_times(pattern, seed=0):
    """(times, afferents) of every spike, each moved to a uniform moment inside its step;
    the pattern's spikes keep the same moments at every presentation."""
    rng = np.random.default_rng(seed)
    offset = rng.random(pattern.raster.shape, dtype=np.float32)
    length = int(round(pattern.length / pattern.dt))
    first = int(round(pattern.onsets[0] / pattern.dt))
    for onset in pattern.onsets[1:]:
        start = int(round(onset / pattern.dt))
        offset[start:start + length, pattern.afferents] = \
            offset[first:first + length, pattern.afferents]
    steps, afferents = np.nonzero(pattern.raster)
    times = (steps + offset[steps, afferents]) * pattern.dt
    order = np.argsort(times, kind="stable")
    return times[order], afferents[order]


def learn_event_driven(times, afferents, n, a_minus_ratio, threshold=500.0, tau_m=10.0,
                       tau_s=2.5, a_plus=2 ** -5, tau_plus=16.8, tau_minus=33.7, w_init=0.475):
    """Output spike times and final weights; the threshold is checked at each input spike."""
    peak = tau_m * tau_s / (tau_m - tau_s) * math.log(tau_m / tau_s)
    k0 = 1.0 / (math.exp(-peak / tau_m) - math.exp(-peak / tau_s))
    a_minus = a_minus_ratio * a_plus
    weights = np.full(n, w_init)
    last_pre = np.full(n, -np.inf)
    unpaired_pre = np.zeros(n, dtype=bool)     # pre spike not yet paired with a post spike
    unpaired_post = np.zeros(n, dtype=bool)    # no pre spike since the latest post spike
    epsp_m = epsp_s = after_m = after_s = 0.0
    now, last_post, below, posts = 0.0, -np.inf, True, []
    for t, i in zip(times.tolist(), afferents.tolist()):
        if t > now:
            decay_m, decay_s = math.exp(-(t - now) / tau_m), math.exp(-(t - now) / tau_s)
            epsp_m, after_m = epsp_m * decay_m, after_m * decay_m
            epsp_s, after_s = epsp_s * decay_s, after_s * decay_s
            now = t
        if unpaired_post[i]:                   # depression: post before this pre
            unpaired_post[i] = False
            weights[i] = max(0.0, weights[i] - a_minus * math.exp(-(t - last_post) / tau_minus))
        last_pre[i], unpaired_pre[i] = t, True
        epsp_m += weights[i]
        epsp_s += weights[i]
        u = k0 * (epsp_m - epsp_s) + after_m + after_s
        if u > threshold and below:            # potentiation: these pre spikes came first
            posts.append(t)
            last_post = t
            weights[unpaired_pre] += a_plus * np.exp(-(t - last_pre[unpaired_pre]) / tau_plus)
            np.clip(weights, 0.0, 1.0, out=weights)
            unpaired_pre[:] = False
            unpaired_post[:] = True
            epsp_m = epsp_s = 0.0
            after_m, after_s = threshold * (2 - 4), threshold * 4
        below = u <= threshold
    return np.array(posts), weights


def main(argv=None):
    """Print how the event-driven reference does per seed and a-/a+ ratio (30 s each):
    python -m tests.brain.event_driven --seeds 6 --ratios 0.8,0.85,0.875"""
    import argparse

    from brainlab.brain.pattern import hidden_pattern, score

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--ratios", default="0.8,0.85,0.875")
    args = parser.parse_args(argv)
    ratios = [float(r) for r in args.ratios.split(",")]
    learned = dict.fromkeys(ratios, 0)
    for seed in range(args.seeds):
        pattern = hidden_pattern(30_000.0, seed=seed)
        times, afferents = continuous_times(pattern)
        for ratio in ratios:
            spikes, _ = learn_event_driven(times, afferents, pattern.raster.shape[1], ratio)
            last = score(pattern, np.ceil(spikes / pattern.dt) * pattern.dt, 20_000)
            ok = last["hit_rate"] >= 0.9 and last["false_alarms_per_s"] < 1.0
            learned[ratio] += ok
            print(f"seed {seed}, a-/a+ {ratio}: last 10 s hit rate {last['hit_rate']:.2f}, "
                  f"{last['false_alarms_per_s']:.1f} false alarms/s, median latency "
                  f"{last['median_latency_ms']:.0f} ms{' (learned)' if ok else ''}", flush=True)
    for ratio in ratios:
        print(f"a-/a+ {ratio}: learned in {learned[ratio]} of {args.seeds} seeds")


if __name__ == "__main__":
    main()
