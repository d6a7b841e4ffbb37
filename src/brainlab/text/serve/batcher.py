"""Dynamic batching: the requests that queue while the model computes a batch form the
next one (optionally waiting a few milliseconds for more), up to a token budget, and are
classified in one forward pass.

Under load, queueing rather than compute dominates a model server's latency, and one
batched forward of n texts costs far less than n forwards of one (text-embeddings-inference,
Ray Serve and BentoML batch the same way). The model runs in worker threads, each of which
takes its next batch from the queue itself as soon as it is free: the event loop only
queues requests and hands the answers back, and keeps answering (``/health`` included)
while a batch is computed. With two workers one gathers the next batch while the other
computes, and each runs the model on half the cores (see model_thread()).
"""
from __future__ import annotations

import asyncio
import collections
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field


def model_thread(workers=1, threads=None):
    """An executor of `workers` threads for the model. PyTorch's OpenMP pool belongs to the
    thread that calls it: when two threads each run the model on every core, their idle
    OpenMP workers spin against each other, and one text took 9 ms instead of 6 (bf16
    MiniLM, 2 cores). So load, warm up and predict in these threads only, and with more
    than one, give each `threads` PyTorch threads (default: its share of the process's)."""
    if threads is None and workers > 1:
        import torch

        threads = max(1, torch.get_num_threads() // workers)
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="brainlab-model",
                              initializer=None if threads is None else _use_threads,
                              initargs=() if threads is None else (threads,))


def _use_threads(threads):
    """PyTorch's intra-op threads for the calling thread (its OpenMP setting is per thread;
    PyTorch also makes it the default of threads that have not run an operator yet)."""
    import torch

    torch.get_num_threads()   # PyTorch's first-use set-up of this thread, before the change
    torch.set_num_threads(threads)


@dataclass
class _Request:
    texts: list
    tokens: int
    future: asyncio.Future
    queued_at: float = field(default_factory=time.perf_counter)


class DynamicBatcher:
    """Gathers ``submit(texts)`` calls into batches for ``predict(texts) -> rows``.

    A batch closes `max_wait_ms` after its first request arrived, or as soon as the next
    request would take it past `max_batch_tokens` (as counted by `count_tokens`), whichever
    comes first. The window is kept only under load, when the batch before gathered more
    than one request: a lone client (one request at a time) never waits for company that
    cannot come. ``enabled=False`` runs one request per forward: the baseline that batching
    is measured against. `workers` threads run `predict`, one batch each at a time; they
    take turns to gather, so a batch is never split between two of them.
    """

    def __init__(self, predict, count_tokens=None, max_wait_ms=0.0, max_batch_tokens=4096,
                 enabled=True, executor=None, workers=1):
        if max_wait_ms < 0:
            raise ValueError(f"max_wait_ms must be >= 0, got {max_wait_ms}")
        if max_batch_tokens < 1:
            raise ValueError(f"max_batch_tokens must be >= 1, got {max_batch_tokens}")
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.predict = predict
        self.count_tokens = count_tokens or (lambda texts: sum(len(t.split()) + 2 for t in texts))
        self.max_wait = max_wait_ms / 1000.0
        self.max_batch_tokens = int(max_batch_tokens)
        self.enabled, self.workers = enabled, int(workers)
        self.batches = self.texts = 0     # counters, for /health and the tests
        self._counting = threading.Lock()   # guards the counters
        self._gathering = threading.Lock()  # one worker gathers at a time
        self._under_load = False            # the last batch gathered more than one request
        self._queue = collections.deque()   # requests in arrival order
        self._ready = threading.Condition()  # guards the queue; notified on each arrival
        self._stopping = False
        self._loop, self._pulling = None, []
        # the threads that run the model (see model_thread()); when given, the caller's
        self._executor, self._owns_executor = executor, executor is None

    def __repr__(self):
        mode = (f"max_wait_ms={self.max_wait * 1000:g}, max_batch_tokens={self.max_batch_tokens}"
                if self.enabled else "off: one request per forward")
        return f"DynamicBatcher({mode}, workers={self.workers})"

    async def start(self):
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        if self._executor is None:
            self._executor = model_thread(self.workers)
        self._pulling = [self._executor.submit(self._pull) for _ in range(self.workers)]

    async def stop(self):
        with self._ready:
            self._stopping = True
            self._ready.notify_all()
        for pulling in self._pulling:
            await asyncio.wrap_future(pulling)
        if self._executor is not None and self._owns_executor:
            self._executor.shutdown(wait=True)
            self._executor = None
        self._pulling = []

    async def submit(self, texts):
        """The rows `predict` gives for `texts`, computed in a batch with other requests."""
        if not self._pulling:
            raise RuntimeError("the batcher is not started; await start() first")
        future = self._loop.create_future()
        with self._ready:
            self._queue.append(_Request(list(texts), self.count_tokens(texts), future))
            self._ready.notify()
        return await future

    def _gather(self):
        """One batch (None once stopping): the oldest waiting request, then the next ones in
        arrival order until the window or the budget closes it (a request that would
        overflow the budget opens the next batch instead). Runs in a model thread, one at a
        time."""
        with self._gathering, self._ready:
            while not self._queue and not self._stopping:
                self._ready.wait()
            if self._stopping:
                return None
            first = self._queue.popleft()
            batch, tokens = [first], first.tokens
            if not self.enabled:
                return batch
            deadline = first.queued_at + (self.max_wait if self._under_load else 0.0)
            while True:
                remaining = deadline - time.perf_counter()
                if not self._queue and remaining > 0 and not self._stopping:
                    self._ready.wait(remaining)
                    continue
                if not self._queue or tokens + self._queue[0].tokens > self.max_batch_tokens:
                    self._under_load = len(batch) > 1
                    return batch
                request = self._queue.popleft()
                batch.append(request)
                tokens += request.tokens

    def _pull(self):
        """A model thread's loop: gather a batch, classify it, hand the rows back to the
        event loop, and gather the next without waiting for the loop to get round to it."""
        while True:
            batch = self._gather()
            if batch is None:
                return
            batch = [r for r in batch if not r.future.cancelled()]   # clients that left
            if not batch:
                continue
            texts = [text for request in batch for text in request.texts]
            try:
                rows, error = self.predict(texts), None
            except Exception as problem:   # noqa: BLE001  a bad batch fails its requests only
                rows, error = None, problem
            else:
                with self._counting:
                    self.batches += 1
                    self.texts += len(texts)
            self._loop.call_soon_threadsafe(self._answer, batch, rows, error)

    @staticmethod
    def _answer(batch, rows, error):
        start = 0
        for request in batch:
            if not request.future.done():
                if error is not None:
                    request.future.set_exception(error)
                else:
                    request.future.set_result(rows[start:start + len(request.texts)])
            start += len(request.texts)
