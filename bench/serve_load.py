"""`brainlab text serve` under load: bounded async clients against 127.0.0.1 at
concurrency 1, 8 and 32, with dynamic batching on and off; the served throughput as a
fraction of offline `predict_proba` on the same texts; and a soak run with malformed
requests mixed in that checks every answer against the offline label of its own text.

Each request carries one short text (a seeded random draw of movie-sentences' test part,
or of --data's). The server and the
clients share this machine's cores, so the clients' own CPU time is in every figure. Two
load generators are measured: httpx's AsyncClient, and bare keep-alive HTTP/1.1 over
asyncio streams, which leaves the server more of the cores (the client cores column says
how much each took). The soak uses httpx.
Targets (issue 11): at concurrency 32 batching gives >= 2x one-request-one-forward and
>= 70 % of offline throughput; p50 < 10 ms at concurrency 1; the soak loses nothing.

    python bench/serve_load.py [--model DIR] [--data NAME] [--requests 600] [--concurrency 1,8,32]
                               [--wait-ms 0,5] [--clients httpx,streams] [--soak 20000]
                               [--precision P]
"""
import argparse
import asyncio
import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def server(model, *options):
    import httpx

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "brainlab", "text", "serve", str(model),
                                "--port", str(port), *options])
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit("the server did not start")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=60)


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counters(url):
    import httpx

    health = httpx.get(url + "/health").json()
    return health["batches"], health["texts"]


async def load(url, bodies, concurrency, client="httpx"):
    """Send every body with at most `concurrency` in flight, by `client` ("httpx", or
    "streams": bare keep-alive HTTP/1.1 over asyncio streams); (latencies s, wall s,
    [(status, json or None)] in the order of bodies)."""
    send = {"httpx": httpx_sender, "streams": stream_sender}[client]
    answers, latencies = [None] * len(bodies), [None] * len(bodies)
    queue = iter(range(len(bodies)))
    async with send(url, concurrency) as post:
        async def worker():
            async with post() as one:
                for i in queue:
                    started = time.perf_counter()
                    status, content = await one(bodies[i])
                    latencies[i] = time.perf_counter() - started
                    try:
                        answers[i] = (status, json.loads(content))
                    except ValueError:
                        answers[i] = (status, None)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return np.array(latencies), wall, answers


@contextlib.asynccontextmanager
async def httpx_sender(url, concurrency):
    """httpx's AsyncClient, a pool of `concurrency` keep-alive connections."""
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        @contextlib.asynccontextmanager
        async def connection():
            async def post(payload):
                response = await client.post("/predict", content=payload,
                                             headers={"content-type": "application/json"})
                return response.status_code, response.content
            yield post

        yield connection


@contextlib.asynccontextmanager
async def stream_sender(url, concurrency):
    """One keep-alive connection per worker, each request written as bytes and its answer
    read by Content-Length: a client that costs the shared cores far less CPU per request
    than httpx (whose HTTP/1.1 is pure Python), so that the server's own rate shows."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)

    @contextlib.asynccontextmanager
    async def connection():
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)

        async def post(payload):
            writer.write(b"POST /predict HTTP/1.1\r\nhost: %s\r\ncontent-type: "
                         b"application/json\r\ncontent-length: %d\r\n\r\n%s"
                         % (parts.netloc.encode(), len(payload), payload))
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = next(int(line.split(":", 1)[1]) for line in lines
                          if line.lower().startswith("content-length:"))
            return int(lines[0].split()[1]), await reader.readexactly(length)

        try:
            yield post
        finally:
            writer.close()

    yield connection


def sequential(url, bodies):
    """Latencies (s) of `bodies` sent one after another over one keep-alive connection by
    the standard library's blocking client: concurrency 1 without an event loop in the
    client, whose own CPU time would otherwise share the two cores with the server."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    latencies = []
    for payload in bodies:
        started = time.perf_counter()
        connection.request("POST", "/predict", body=payload,
                           headers={"content-type": "application/json"})
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        assert response.status == 200, response.status
    connection.close()
    return np.array(latencies)


def body(text):
    return json.dumps({"texts": [text]}).encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a saved model (default: features on "
                        "the training part of --data, trained here)")
    parser.add_argument("--data", default="movie-sentences",
                        help="the texts of the requests: the test part of this data set (the "
                        "default model is trained on its training part)")
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--wait-ms", default="0,5", help="batching windows to measure")
    parser.add_argument("--clients", default="httpx,streams",
                        help="load generators: httpx's AsyncClient and/or bare asyncio streams")
    parser.add_argument("--soak", type=int, default=20000, help="soak requests (0: none)")
    parser.add_argument("--workers", type=int, default=1,
                        help="the server's --workers (model threads; default 1)")
    parser.add_argument("--precision", choices=("fp32", "bf16", "int8"),
                        help="the server's and the offline run's (default: what "
                        "'brainlab text serve' picks, bf16 where the CPU has it, else fp32)")
    args = parser.parse_args()
    from brainlab.text.encoders import fastest_precision

    clients = args.clients.split(",")
    precision = args.precision or fastest_precision()

    from brainlab.text import TextClassifier
    from brainlab.text.data import load_data, stratified_split

    train, test = stratified_split(load_data(args.data), 0.3, seed=0)
    texts = list(test.texts)
    with tempfile.TemporaryDirectory() as scratch:
        model = args.model
        if model is None:
            model = Path(scratch) / "model"
            TextClassifier(strategy="features", seed=0).fit(train.texts, train.labels).save(model)
        options = ["--precision", precision, "--workers", str(args.workers)]
        classifier = TextClassifier.load(model, precision=precision)
        # a random draw of the test part: a data set may be ordered (the Chinese reviews'
        # negative file comes first, and its first reviews are long ones)
        sample = [texts[i] for i in np.random.default_rng(0).permutation(len(texts))[
            :args.requests]]
        classifier.predict_proba(sample[:64])
        started = time.perf_counter()
        offline = classifier.predict_proba(sample)
        offline_rate = len(sample) / (time.perf_counter() - started)
        print(f"{Path(model).name} ({precision}): {len(sample)} requests of one text each "
              f"(mean {np.mean([len(t.split()) for t in sample]):.0f} words); offline "
              f"predict_proba on the same texts: {offline_rate:.0f} texts/s\n")
        print("| batching | client | concurrency | texts/s | p50 ms | p95 ms | p99 ms | "
              "of offline | texts per forward | server cores | client cores |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        bodies = [body(t) for t in sample]
        rates, per_forward_at = {}, {}
        modes = [("off", ["--no-batching"])] + [
            (f"{w} ms", ["--max-wait-ms", w]) for w in args.wait_ms.split(",")]
        for mode, flags in modes:
            with server(model, *options, *flags) as (url, pid):
                asyncio.run(load(url, bodies[:32], 4))   # warm-up
                for concurrency, client in itertools.product(
                        [int(c) for c in args.concurrency.split(",")], clients):
                    before = counters(url)
                    cpu = cpu_seconds(pid), time.process_time()
                    latencies, wall, _ = asyncio.run(load(url, bodies, concurrency, client))
                    server_cores = (cpu_seconds(pid) - cpu[0]) / wall
                    client_cores = (time.process_time() - cpu[1]) / wall
                    after = counters(url)
                    per_forward = (after[1] - before[1]) / max(1, after[0] - before[0])
                    rate = len(bodies) / wall
                    rates[mode, client, concurrency] = rate
                    per_forward_at[mode, client, concurrency] = per_forward
                    p50, p95, p99 = np.percentile(latencies * 1000, [50, 95, 99])
                    print(f"| {mode} | {client} | {concurrency} | {rate:.0f} | {p50:.1f} | {p95:.1f} | "
                          f"{p99:.1f} | {rate / offline_rate:.0%} | {per_forward:.1f} | "
                          f"{server_cores:.2f} | {client_cores:.2f} |", flush=True)
        with server(model, *options) as (url, _):
            sequential(url, bodies[:32])   # warm-up
            served = sequential(url, bodies) * 1000
        alone = []
        for text in sample:
            started = time.perf_counter()
            classifier.predict_proba([text])
            alone.append(time.perf_counter() - started)
        p50, p95 = np.percentile(served, [50, 95])
        print(f"\nconcurrency 1, one blocking keep-alive client (http.client), default "
              f"batching: p50 {p50:.1f} ms, p95 {p95:.1f} ms; the model alone in this "
              f"process (predict_proba of one text): p50 {np.median(alone) * 1000:.1f} ms")
        top = max(int(c) for c in args.concurrency.split(","))
        for client in clients:
            best = max((m for m, _ in modes[1:]), key=lambda m: rates[m, client, top])
            size = max(1, round(per_forward_at[best, client, top]))
            started = time.perf_counter()
            for start in range(0, len(sample), size):
                classifier.predict_proba(sample[start:start + size])
            ceiling = len(sample) / (time.perf_counter() - started)
            rate, off = rates[best, client, top], rates["off", client, top]
            print(f"\n{client} clients at concurrency {top}: batching ({best}) {rate:.0f} "
                  f"texts/s vs one request per forward {off:.0f}: {rate / off:.2f}x; "
                  f"{rate / offline_rate:.0%} of offline. The model alone, fed batches of "
                  f"{size} texts in arrival order (what the server forms): {ceiling:.0f} "
                  f"texts/s, {ceiling / offline_rate:.0%} of offline (which sorts all texts "
                  f"by length); served: {rate / ceiling:.0%} of that")
        if args.soak:
            soak(model, options, texts, classifier, args.soak)


def soak(model, options, texts, classifier, count, concurrency=32, parts=4):
    """`count` requests (5 % malformed) after a warm-up of 2,000, in `parts` rounds with the
    server's RSS read after each. A served answer that is not the offline answer for its
    own text (probabilities more than 0.05 apart) would be a lost or swapped answer; a
    label that flips with probabilities within 0.05 is a near tie moved by rounding (bf16
    rounds a little differently in different batch shapes)."""
    rng = np.random.default_rng(0)
    offline = classifier.predict_proba(texts)
    picks = rng.integers(0, len(texts), count)
    malformed = rng.random(count) < 0.05
    bad_bodies = [b'{"texts": ["unclosed', b'{"texts": "x"}', b'{"texts": []}', b"\xff\xfe",
                  b'{"texts": [1]}']
    bodies = [bad_bodies[i % len(bad_bodies)] if bad else body(texts[j])
              for i, (j, bad) in enumerate(zip(picks, malformed))]
    answers, memory, wall = [], [], 0.0
    with server(model, *options) as (url, pid):
        asyncio.run(load(url, [body(t) for t in texts[:2000]], concurrency))
        memory.append(rss_mb(pid))
        for part in np.array_split(np.arange(count), parts):
            _, seconds, got = asyncio.run(load(url, [bodies[i] for i in part], concurrency))
            answers += got
            wall += seconds
            memory.append(rss_mb(pid))
    statuses = np.array([status for status, _ in answers])
    refused_badly = lost = swapped = flipped = 0
    classes = [str(c) for c in classifier.classes_]
    for (status, answer), j, bad in zip(answers, picks, malformed):
        if bad:
            refused_badly += not (400 <= status < 500 and answer and "error" in answer)
        elif status != 200 or answer is None or len(answer["labels"]) != 1:
            lost += 1
        elif np.max(np.abs(np.array(answer["probabilities"][0]) - offline[j])) > 0.05:
            swapped += 1
        else:
            flipped += answer["labels"][0] != classes[int(offline[j].argmax())]
    print(f"\nsoak: {count} requests at concurrency {concurrency}, {malformed.sum()} malformed, "
          f"in {wall:.0f} s ({count / wall:.0f} requests/s): 5xx {int((statuses >= 500).sum())}"
          f", 4xx {int(((statuses >= 400) & (statuses < 500)).sum())}, malformed not refused "
          f"{refused_badly}, lost {lost}, another text's answer {swapped}, near-tie label "
          f"flips {flipped}; server RSS after the 2,000-request warm-up and after each "
          f"{count // parts}: {', '.join(f'{m:.0f}' for m in memory)} MB")


if __name__ == "__main__":
    main()
