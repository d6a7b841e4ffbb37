"""The dynamic batcher: requests gathered into batches, none lost, the loop kept free."""
import asyncio
import contextlib
import time

import numpy as np
import pytest

from brainlab.text.serve.batcher import DynamicBatcher


class Recorder:
    """A stand-in model: row i of a batch is [value of text i]; records batch sizes."""

    def __init__(self, delay=0.0, fail_on=None):
        self.batches, self.delay, self.fail_on = [], delay, fail_on

    def __call__(self, texts):
        self.batches.append(len(texts))
        time.sleep(self.delay)
        if self.fail_on in texts:
            raise RuntimeError("bad batch")
        return np.array([[float(t)] for t in texts])


def run(coroutine):
    return asyncio.run(coroutine)


@contextlib.asynccontextmanager
async def running(batcher):
    await batcher.start()
    try:
        yield batcher
    finally:
        await batcher.stop()


async def serve(batcher, requests):
    await batcher.start()
    try:
        return await asyncio.gather(*(batcher.submit(r) for r in requests),
                                    return_exceptions=True)
    finally:
        await batcher.stop()


def test_concurrent_requests_share_batches_and_each_gets_its_own_rows():
    model = Recorder(delay=0.02)
    requests = [[str(i), str(i + 0.5)] for i in range(40)]
    answers = run(serve(DynamicBatcher(model, max_wait_ms=20), requests))
    for request, rows in zip(requests, answers):
        assert rows[:, 0].tolist() == [float(t) for t in request]
    assert sum(model.batches) == 80
    assert len(model.batches) < 10          # gathered, not one forward per request


def test_a_lone_client_never_waits_for_the_window():
    """One request at a time: each is answered at once, not after the 300 ms window; the
    window comes back when requests arrive together."""
    model = Recorder()

    async def lone_then_together(batcher):
        await batcher.start()
        try:
            waits = []
            for i in range(3):
                started = time.perf_counter()
                await batcher.submit([str(i)])
                waits.append(time.perf_counter() - started)
            first = asyncio.gather(*(batcher.submit([str(i)]) for i in range(4)))
            await first
            started = time.perf_counter()
            await asyncio.gather(batcher.submit(["7"]))
            return waits, time.perf_counter() - started
        finally:
            await batcher.stop()

    waits, after_load = run(lone_then_together(DynamicBatcher(model, max_wait_ms=300)))
    assert max(waits) < 0.15
    assert model.batches[:4] == [1, 1, 1, 4]
    assert after_load >= 0.25   # the batch of 4 put it under load: the window applied


def test_without_batching_every_request_is_its_own_forward():
    model = Recorder()
    answers = run(serve(DynamicBatcher(model, enabled=False), [["1"], ["2"], ["3"]]))
    assert model.batches == [1, 1, 1]
    assert [a[0, 0] for a in answers] == [1.0, 2.0, 3.0]


def test_the_token_budget_closes_a_batch_and_loses_nothing():
    model = Recorder()
    batcher = DynamicBatcher(model, count_tokens=len, max_wait_ms=50, max_batch_tokens=4)
    requests = [[str(i)] * 3 for i in range(6)]   # 3 "tokens" each: one request per batch
    answers = run(serve(batcher, requests))
    assert model.batches == [3] * 6
    assert [a[0, 0] for a in answers] == list(range(6))


def test_a_failing_batch_fails_its_requests_and_the_batcher_keeps_serving():
    model = Recorder(fail_on="13")

    async def scenario():
        batcher = DynamicBatcher(model, max_wait_ms=0)
        await batcher.start()
        try:
            with pytest.raises(RuntimeError):
                await batcher.submit(["13"])
            return await batcher.submit(["7"])
        finally:
            await batcher.stop()

    assert run(scenario())[0, 0] == 7.0


def test_a_client_that_left_is_skipped_and_the_others_are_answered():
    model = Recorder(delay=0.05)

    async def scenario():
        batcher = DynamicBatcher(model, max_wait_ms=0)
        await batcher.start()
        try:
            first = asyncio.ensure_future(batcher.submit(["1"]))   # occupies the model
            await asyncio.sleep(0.01)
            gone = asyncio.ensure_future(batcher.submit(["2"]))
            kept = asyncio.ensure_future(batcher.submit(["3"]))
            await asyncio.sleep(0)
            gone.cancel()
            return await first, await kept
        finally:
            await batcher.stop()

    first, kept = run(scenario())
    assert first[0, 0] == 1.0 and kept[0, 0] == 3.0
    assert sum(model.batches) == 2          # the cancelled text never reached the model


def test_the_event_loop_answers_while_a_batch_runs():
    model = Recorder(delay=0.5)

    async def scenario():
        async with running(DynamicBatcher(model)) as batcher:
            slow = asyncio.ensure_future(batcher.submit(["1"]))
            await asyncio.sleep(0.05)                  # the batch is now running
            await asyncio.sleep(0.01)                  # what /health needs: a free loop
            answered_during_batch = not slow.done()
            await slow
            return answered_during_batch

    assert run(scenario())


def test_the_model_takes_its_next_batch_while_the_event_loop_is_busy():
    started = []

    def model(texts):
        started.append(time.perf_counter())
        time.sleep(0.05)
        return np.array([[float(t)] for t in texts])

    async def scenario():
        async with running(DynamicBatcher(model)) as batcher:
            first = asyncio.ensure_future(batcher.submit(["1"]))
            await asyncio.sleep(0.01)                  # the first batch is running
            second = asyncio.ensure_future(batcher.submit(["2"]))
            await asyncio.sleep(0)                     # queued behind it
            time.sleep(0.3)                            # the loop busy with something else
            freed = time.perf_counter()
            return freed, await asyncio.gather(first, second)

    freed, answers = run(scenario())
    assert [a[0, 0] for a in answers] == [1.0, 2.0]
    assert len(started) == 2 and started[1] < freed - 0.1   # not held up by the loop


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="max_wait_ms"):
        DynamicBatcher(Recorder(), max_wait_ms=-1)
    with pytest.raises(ValueError, match="max_batch_tokens"):
        DynamicBatcher(Recorder(), max_batch_tokens=0)


def test_two_workers_compute_two_batches_at_once_and_lose_nothing():
    """Each worker takes its own batch (they take turns to gather): two forwards overlap,
    and every request still gets its own rows, once."""
    import threading

    inside, overlapped = [0], []
    lock = threading.Lock()

    def model(texts):
        with lock:
            inside[0] += 1
            overlapped.append(inside[0])
        time.sleep(0.03)
        with lock:
            inside[0] -= 1
        return np.array([[float(t)] for t in texts])

    requests = [[str(i)] for i in range(60)]
    batcher = DynamicBatcher(model, max_wait_ms=1, max_batch_tokens=9, workers=2)   # 3 texts
    answers = run(serve(batcher, requests))
    assert [rows[0, 0] for rows in answers] == [float(r[0]) for r in requests]
    assert max(overlapped) == 2 and batcher.texts == 60
    assert "workers=2" in repr(batcher)
    with pytest.raises(ValueError, match="workers must be >= 1"):
        DynamicBatcher(model, workers=0)


def test_with_two_workers_each_model_thread_runs_on_its_share_of_the_threads():
    import torch

    from brainlab.text.serve.batcher import model_thread

    before = torch.get_num_threads()
    try:
        with model_thread(2, threads=1) as pool:
            seen = set(pool.map(lambda _: (torch.get_num_threads(), time.sleep(0.05))[0],
                                range(4)))
        assert seen == {1}
        assert torch.get_num_threads() == before   # this thread's own setting is untouched
    finally:
        torch.set_num_threads(before)   # the default of threads made later, for other tests
