"""Analysing articles on several cores: a pool of worker processes, each with its own Analyzer.

The analysis of an article (monitor.analysis.analyzer: topics, the entity gate, sentences, speakers,
the stance engine) is pure CPU work in Python, so threads share one core (the GIL). `AnalysisPool`
sends a batch's articles, split into chunks, to `workers` processes; each process built its Analyzer
once, from the rules, when it started, and runs `Analyzer.analyze_many` on a chunk. Results come back
in the order of the articles. Everything else (reading, deduplication, the write transaction) stays
in the calling process; `Article` and `Analysis` are plain dataclasses, pickled both ways.

Start method: `forkserver`. The calling process has threads (the polling workers, the lease keeper,
perhaps torch's), and forking a process with threads copies their locks in whatever state they
are in; a forkserver is started once, single-threaded, from a clean interpreter that imports the
analysis modules (preloaded), and forks each worker from there: no inherited threads, and a worker
starts in milliseconds. (`spawn` would be as safe but import everything again per worker.)

Failures never lose an article: a chunk whose analysis raised, or whose worker process died (a
crash, the OOM killer), is tried again article by article (in a new pool if the old one broke); an
article that fails alone gets its exception as its result, and the caller counts it as failed and
leaves it for the next poll.

`workers` = 1 analyses in the calling process, as before, with the same failure isolation.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import math
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver, util

from monitor.analysis.analyzer import Analysis, Analyzer
from monitor.domain import Article

log = logging.getLogger(__name__)

Result = Analysis | BaseException
"""An article's analysis, or the exception that its analysis raised (alone, not in a chunk)."""

CHUNK = 8
"""At most this many articles per task: small enough that the batches of several polling threads
interleave over the processes, large enough that a task's round trip is noise."""

PROCESS_ENGINES = frozenset({"rules"})
"""Stance engines analysed on worker processes by default (see `default_workers`)."""


def default_workers(stance_kind: str, cpus: int | None) -> int:
    """Worker processes when the rules do not say: one per CPU for the `rules` engine (pure Python,
    cheap to build); 1 (in the polling process) for every other engine: `semantic` and `nli` run a
    model whose forward passes already use every core through torch's threads, and which each process
    would load again (~90 MB and seconds); `llm` waits on a server; an engine registered at run time
    (a plugin, a test's) may not exist in a new process."""
    if stance_kind not in PROCESS_ENGINES:
        return 1
    return max(1, cpus or 1)


_ANALYZER: Analyzer | None = None
"""The worker process's Analyzer, built by `_start_worker`."""


def _start_worker(build: Callable[[], Analyzer], engine_module: str | None, threads: int) -> None:
    """A worker's initializer: build its Analyzer (`build` is pickled: a module-level function with
    its arguments, such as `functools.partial(monitor.app.make_analyzer, rules)`). An engine that
    loaded torch runs it on `threads` threads (the CPUs over the workers). The stance engine's
    module is imported first: an engine registered outside the package (a plugin's `@register`) is
    then registered in this new process too."""
    global _ANALYZER
    if engine_module:
        importlib.import_module(engine_module)
    _ANALYZER = build()
    torch = sys.modules.get("torch")  # an engine with a model: its share of the cores, not all of them
    if torch is not None:
        torch.set_num_threads(threads)


def _analyze_chunk(articles: list[Article]) -> list[Analysis]:
    assert _ANALYZER is not None, "the worker's initializer builds the analyzer"
    return _ANALYZER.analyze_many(articles)


class AnalysisPool:
    """`analyze_many` over `workers` processes (built on first use, so a pass with nothing new starts
    none); thread-safe. `close` shuts the processes down."""

    def __init__(
        self,
        build: Callable[[], Analyzer],
        workers: int,
        *,
        local: Callable[[], Analyzer],
        engine_module: str | None = None,
    ) -> None:
        """`build`: how a worker process builds its Analyzer (picklable); `local`: the calling
        process's Analyzer, for `workers` = 1; `engine_module`: the module that registers the stance
        engine (see `_start_worker`)."""
        self.build = build
        self.workers = workers
        self._local = local
        self._engine_module = engine_module
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def analyze_many(self, articles: Sequence[Article]) -> list[Result]:
        """One result per article, in order."""
        if not articles:
            return []
        if self.workers <= 1:
            return self._in_process(list(articles))
        size = min(CHUNK, max(1, math.ceil(len(articles) / self.workers)))
        chunks = [list(articles[i : i + size]) for i in range(0, len(articles), size)]
        executor = self._pool()
        futures = [self._submit(executor, chunk) for chunk in chunks]
        results: list[Result] = []
        for chunk, future in zip(chunks, futures, strict=True):
            try:
                results.extend(future.result())
            except Exception as exc:  # the analysis raised, or the worker process died
                log.warning("analysis of %d article(s) failed (%r); one by one now", len(chunk), exc)
                results.extend(self._one_by_one(chunk))
        return results

    def _in_process(self, articles: list[Article]) -> list[Result]:
        analyzer = self._local()
        try:
            return list(analyzer.analyze_many(articles))
        except Exception:
            log.warning("analysis of %d article(s) failed; analysing them one by one", len(articles))
        out: list[Result] = []
        for article in articles:
            try:
                out.append(analyzer.analyze(article))
            except Exception as exc:
                out.append(exc)
        return out

    def _one_by_one(self, chunk: list[Article]) -> list[Result]:
        """Each article alone, one after another: an article that kills its worker takes down only its
        own task (the pool is then started again for the next)."""
        out: list[Result] = []
        for article in chunk:
            try:
                out.append(self._submit(self._pool(), [article]).result()[0])
            except Exception as exc:
                out.append(exc)
        return out

    def _submit(self, executor: ProcessPoolExecutor, chunk: list[Article]) -> Future[list[Analysis]]:
        try:
            return executor.submit(_analyze_chunk, chunk)
        except BrokenProcessPool:  # broke since `_pool` returned it: a new one
            return self._pool().submit(_analyze_chunk, chunk)

    def _pool(self) -> ProcessPoolExecutor:
        """The executor; a new one when a worker died (a broken executor takes no more work)."""
        with self._lock:
            executor = self._executor
            if executor is not None and getattr(executor, "_broken", False):
                log.warning("an analysis worker process died; starting new ones")
                executor.shutdown(wait=False, cancel_futures=True)
                executor = None
            if executor is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["monitor.analysis.pool", "monitor.app"])  # imported once
                executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=context,
                    initializer=_start_worker,
                    initargs=(self.build, self._engine_module, max(1, (os.cpu_count() or 1) // self.workers)),
                )
                self._executor = executor
                with _RUNNING_LOCK:
                    _RUNNING.add(id(self))
            return executor

    def close(self) -> None:
        """Stop the worker processes; when no other pool of this process has workers, the forkserver
        too, which waits for its children: their CPU time is then this process's children's (wait4,
        `time`), and nothing outlives the app."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None
                with _RUNNING_LOCK:
                    _RUNNING.discard(id(self))
                    if not _RUNNING:
                        _stop_forkserver()


_RUNNING: set[int] = set()
"""The pools of this process that have worker processes (the forkserver is one per process)."""
_RUNNING_LOCK = threading.Lock()
STOP_WAIT = 10.0
"""Seconds `close` waits for the forkserver to exit (it waits for every worker it forked)."""


def _stop_forkserver() -> None:
    """Ask the process's forkserver to exit and wait for it, at most STOP_WAIT seconds: a worker of
    a pool nobody closed (an app never closed) keeps it alive, and the app's close must not hang on it.
    A forkserver left running exits with this process."""
    server = getattr(forkserver, "_forkserver", None)
    lock = getattr(server, "_lock", None)
    if server is None or lock is None:
        return
    with lock:
        pid, alive = getattr(server, "_forkserver_pid", None), getattr(server, "_forkserver_alive_fd", None)
        if pid is None or alive is None:
            return
        os.close(alive)  # closing the "alive" descriptor asks the server to stop
        server._forkserver_alive_fd = None
        deadline = time.monotonic() + STOP_WAIT
        while time.monotonic() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.02)
        else:
            log.warning(
                "the analysis forkserver (pid %d) did not exit within %.0f s; left to exit", pid, STOP_WAIT
            )
            return  # its pid stays recorded: a later pool starts no second server meanwhile
        server._forkserver_pid = None
        address = getattr(server, "_forkserver_address", None)
        if address and not util.is_abstract_socket_namespace(address):
            with contextlib.suppress(OSError):
                os.unlink(address)
        server._forkserver_address = None
