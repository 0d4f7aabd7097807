"""SPARQL queries in worker processes that are killed at their deadline.

Oxigraph has no cancel: an aggregate, ORDER BY or DISTINCT works inside one call until it is done.
A thread cannot be stopped, a process can. So for an on-disk store each query runs in one of
``slots`` warm worker processes:

- Workers read a *snapshot*: a RocksDB checkpoint of the store (``Store.backup``, hard links, about
  0.1 s) in ``<store>/kg-snapshots/``, opened with ``Store.read_only``. The server process keeps the
  writable store; opening that same folder read-only while it is written is undefined behaviour in
  RocksDB, a checkpoint is not. Before each query the pool compares the store folder's files (names,
  sizes, times; every write changes the write-ahead log) with those at the last snapshot, and makes
  a new one after a write. So a query sees every write that finished before it started.
- A query's answer comes back as serialised bytes (the format already negotiated) through a pipe.
- At the deadline, or when the client goes away, the worker is killed (SIGKILL): its CPU and memory
  are free at once, and a fresh worker is forked from a clean fork server (a few ms plus opening the
  snapshot). A worker that has grown past ``RECYCLE_MB`` after a large answer is replaced the same way.
- Workers die with the server (PR_SET_PDEATHSIG on Linux; and a closed pipe ends them anyway).
- Long queries have a lane of their own: a query still running after ``long_after`` seconds is
  *long*, and at most ``long_slots`` long queries run at once. One that turns long while the lane is
  full is stopped there (:class:`Overloaded`, a 503 with Retry-After), so runaway queries, however
  many arrive, hold at most ``long_slots`` workers for their whole time limit and the other workers
  stay free for the quick queries that make up normal use. Workers run at nice 5, below the server
  process, and a query running past 0.1 s gives way further (its worker is reniced to 10, 19 once
  long, and replaced when it is done), so the server's REST requests and quick queries are served
  first while slow ones run.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing as mp
import os
import shutil
import signal
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

log = logging.getLogger("kg.serve.sparql")
SNAPSHOT_DIR = "kg-snapshots"
RECYCLE_MB = 1024  # a worker whose resident memory passed this after a query is replaced
YIELD_AFTER = 0.1  # seconds after which a query's worker gives the CPU to quicker work
WORKER_NICE = 5  # workers start below the server process: its REST answers and I/O come first
_SKIP = ("LOG", "LOCK", "kg-serve")


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def worker_main(conn: Connection, snapshot: str) -> None:
    """A worker's loop: receive (snapshot, Job), answer ("ok", Reply, rss) or ("err", status, detail, rss)."""
    _die_with_parent()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, max(WORKER_NICE, os.getpriority(os.PRIO_PROCESS, 0)))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which then ends us
    import pyoxigraph as ox

    from kg.serve.sparql_exec import execute, failure

    store: Any = None
    opened = None
    with contextlib.suppress(OSError):
        store, opened = ox.Store.read_only(snapshot), snapshot
    while True:
        try:
            snap, job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if snap != opened:
                store = None
                store, opened = ox.Store.read_only(snap), snap
            reply: tuple[Any, ...] = ("ok", execute(store, job))
        except BaseException as e:  # noqa: BLE001 - every failure goes back to the server
            from kg.errors import StoreError

            if isinstance(e, OSError):
                e = StoreError(f"query failed: {e}")
            reply = ("err", *failure(e))
        try:
            conn.send((*reply, _rss_mb()))
        except (BrokenPipeError, OSError):
            return


class Snapshots:
    """Checkpoints of one on-disk store for the workers, made again after each write."""

    def __init__(self, store: Any, location: str) -> None:
        self.store = store  # the kg store, not its pyoxigraph handle: store.close() must close the database
        self.location = Path(location)
        self.root = self.location / SNAPSHOT_DIR
        self.root.mkdir(exist_ok=True)
        self._lock = threading.Lock()
        self._n = 0
        self._sig: Any = None
        self.current: str | None = None
        self.in_use: dict[int, str] = {}  # worker id -> snapshot it was last given
        self.made = 0
        for old in self.root.iterdir():  # left by a server that was killed
            pid = old.name.split("-")[0]
            if not (pid.isdigit() and _alive(int(pid))):
                shutil.rmtree(old, ignore_errors=True)

    def _signature(self) -> tuple[tuple[str, int, int], ...]:
        out = []
        for e in os.scandir(self.location):
            if not e.name.startswith(_SKIP):
                try:
                    if e.is_file():
                        st = e.stat()
                        out.append((e.name, st.st_size, st.st_mtime_ns))
                except FileNotFoundError:  # RocksDB removed an obsolete file meanwhile: a change too
                    out.append((e.name, -1, -1))
        return tuple(sorted(out))

    def latest(self, worker: int | None = None) -> str:
        """The snapshot to query now: the last one, or a new one if the store changed since (and
        recorded as in use by ``worker``, under the same lock, so it is not collected meanwhile)."""
        with self._lock:
            if not (self.current is not None and self._signature() == self._sig):
                self._new()
            assert self.current is not None
            if worker is not None:
                self.in_use[worker] = self.current
            return self.current

    def _new(self) -> None:
        raw = self.store.raw
        raw.flush()
        sig = self._signature()  # a write during the backup changes the files: the next call redoes it
        self._n += 1
        target = self.root / f"{os.getpid()}-{self._n}"
        try:
            raw.backup(str(target))
        except OSError:
            shutil.rmtree(target, ignore_errors=True)
            raise
        self._sig, self.current = sig, str(target)
        self.made += 1
        self._collect()

    def use(self, worker: int, snapshot: str | None) -> None:
        """Record which snapshot a worker has open (None: the worker is gone)."""
        with self._lock:
            if snapshot is None:
                self.in_use.pop(worker, None)
            else:
                self.in_use[worker] = snapshot

    def _collect(self) -> None:
        keep = {self.current, *self.in_use.values()}
        for d in self.root.iterdir():
            if d.name.startswith(f"{os.getpid()}-") and str(d) not in keep:
                shutil.rmtree(d, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            for d in self.root.glob(f"{os.getpid()}-*"):
                shutil.rmtree(d, ignore_errors=True)
            with contextlib.suppress(OSError):
                self.root.rmdir()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Worker:
    _ids = itertools.count(1)

    def __init__(self, ctx: Any, snapshot: str, wid: int) -> None:
        self.id = wid
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_main, args=(child, snapshot), daemon=True, name="kg-sparql-worker")
        self.proc.start()
        child.close()
        self.conn: Connection = parent
        self.reniced = False

    def call(self, snapshot: str, job: Any) -> tuple[Any, ...]:
        self.conn.send((snapshot, job))
        return self.conn.recv()  # type: ignore[no-any-return]

    def renice(self, nice: int) -> None:
        """Lower this worker's CPU priority (it cannot be raised again: the worker is replaced after)."""
        with contextlib.suppress(OSError, TypeError):
            os.setpriority(os.PRIO_PROCESS, self.proc.pid, nice)
            self.reniced = True

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.conn.close()

    def reap(self) -> None:
        self.proc.join(5)


class Timeout(Exception):
    """The query ran past its deadline; its worker was killed."""


class Busy(Exception):
    """No worker came free within the wait."""


class Overloaded(Exception):
    """The query turned long while ``long_slots`` long queries were already running; its worker was killed."""


class ProcessPool:
    """``slots`` worker processes over snapshots of one on-disk store; of them, at most
    ``long_slots`` running a query past ``long_after`` seconds (None: no such limit). The defaults
    are the settings' (``KG_LONG_QUERIES``, ``KG_LONG_QUERY_AFTER``)."""

    def __init__(self, store: Any, location: str, slots: int, *, long_slots: int,
                 long_after: float | None) -> None:  # fmt: skip
        self.slots = slots
        self.long_slots = max(1, min(long_slots, slots))
        self.long_after = long_after
        self.long_running = 0
        self.snapshots = Snapshots(store, location)
        self._ctx = mp.get_context("forkserver")
        with contextlib.suppress(ValueError):
            self._ctx.set_forkserver_preload(["kg.serve.sparql_pool", "kg.serve.sparql_exec"])
        self._io = ThreadPoolExecutor(max_workers=2 * slots + 2, thread_name_prefix="kg-sparql-io")
        self._lock = threading.Lock()
        self._free: list[_Worker] = []
        self._all: dict[int, _Worker] = {}
        self.killed = 0
        self.closed = False
        self.broken: str | None = None  # why workers could not be started (then queries use threads)
        self._io.submit(self._start_all)
        weakref.finalize(self, ProcessPool._shutdown, self._all, self.snapshots, self._io)

    # -- workers

    def _start_all(self) -> None:
        try:
            for _ in range(self.slots):
                self._spawn()
        except Exception as e:  # noqa: BLE001 - reported, and the router falls back to threads
            log.error("SPARQL worker processes could not start, queries run in threads: %s", e)
            self.broken = str(e)

    def _spawn(self) -> None:
        if self.closed:
            return
        wid = next(_Worker._ids)
        w = _Worker(self._ctx, self.snapshots.latest(wid), wid)
        with self._lock:
            self._all[w.id] = w
            self._free.append(w)

    def _replace(self, w: _Worker) -> None:
        """Kill ``w`` now (its CPU and memory are freed at once) and start another in the background."""
        w.kill()
        with self._lock:
            self._all.pop(w.id, None)
            self.killed += 1
        self.snapshots.use(w.id, None)

        def later() -> None:
            w.reap()
            try:
                self._spawn()
            except Exception as e:  # noqa: BLE001
                log.error("a SPARQL worker process could not be restarted: %s", e)
                with self._lock:
                    if not self._all:
                        self.broken = str(e)

        if not self.closed:
            self._io.submit(later)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.proc.pid for w in self._all.values() if w.proc.pid]

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._all) - len(self._free)

    # -- running a job

    async def _acquire(self, wait: float) -> _Worker:
        until = time.monotonic() + wait
        while True:
            with self._lock:
                if self._free:
                    return self._free.pop()
            if time.monotonic() >= until:
                raise Busy
            await asyncio.sleep(0.005)

    async def run(self, job: Any, timeout: float | None, wait: float) -> tuple[Any, ...]:
        """("ok", Reply) or ("err", status, detail) for ``job``; Timeout past ``timeout`` s."""
        w = await self._acquire(wait)
        loop = asyncio.get_running_loop()
        healthy = False
        try:
            try:
                snap = await loop.run_in_executor(self._io, self.snapshots.latest, w.id)
            except OSError as e:  # one retry: a snapshot can lose a race with the store's own work
                log.warning("snapshot of %s failed, retrying: %s", self.snapshots.location, e)
                try:
                    snap = await loop.run_in_executor(self._io, self.snapshots.latest, w.id)
                except OSError as e2:
                    log.error("snapshot of %s failed: %s", self.snapshots.location, e2)
                    healthy = True
                    return ("err", 503, f"the store could not be read for this query ({e2}); try again")
            try:
                out = await self._answer(loop.run_in_executor(self._io, w.call, snap, job), timeout, w)
            except (EOFError, OSError) as e:  # the worker died (out of memory, a crash)
                return ("err", 503, f"the query worker stopped ({e.__class__.__name__}); try again")
            healthy = out[-1] < RECYCLE_MB and not w.reniced
            return out[:-1]  # type: ignore[no-any-return]
        finally:
            if healthy:
                with self._lock:
                    self._free.append(w)
            else:  # past the deadline, client gone, died, or grown large
                self._replace(w)

    async def _answer(self, call: asyncio.Future[Any], timeout: float | None, w: _Worker) -> tuple[Any, ...]:
        """The worker's reply; Overloaded if the query turns long while the long lane is full,
        Timeout past ``timeout`` (the caller then kills the worker).

        A query still running after ``YIELD_AFTER`` s gives way: its worker is reniced (10, then 19
        once it is long), so the server's own requests and quick queries get the CPU first; such a
        worker is replaced afterwards, since a process may not take its priority back."""
        start = time.monotonic()
        stages: list[tuple[float, str]] = []
        if timeout is None or YIELD_AFTER < timeout:
            stages.append((YIELD_AFTER, "yield"))
        if self.long_after is not None and (timeout is None or self.long_after < timeout):
            stages.append((max(self.long_after, YIELD_AFTER), "long"))
        if timeout is not None:
            stages.append((timeout, "limit"))
        long = False
        try:
            for at, stage in stages:
                done, _ = await asyncio.wait({call}, timeout=max(0.0, at - (time.monotonic() - start)))
                if done:
                    break
                if stage == "yield":
                    w.renice(10)
                elif stage == "long":
                    with self._lock:
                        long = self.long_running < self.long_slots
                        if long:
                            self.long_running += 1
                    if not long:
                        log.warning("SPARQL query stopped after %s s: %d long queries already running; worker %d "
                                    "killed", at, self.long_slots, w.proc.pid)  # fmt: skip
                        call.cancel()
                        raise Overloaded
                    w.renice(19)
                else:
                    log.warning("SPARQL query stopped at its %s s limit: worker %d killed", timeout, w.proc.pid)
                    call.cancel()
                    raise Timeout
            return await call  # type: ignore[no-any-return]
        except asyncio.CancelledError:  # the client went away: the caller kills the worker
            call.cancel()
            raise
        finally:
            if long:
                with self._lock:
                    self.long_running -= 1

    def close(self) -> None:
        self.closed = True
        ProcessPool._shutdown(self._all, self.snapshots, self._io)

    @staticmethod
    def _shutdown(workers: dict[int, _Worker], snapshots: Snapshots, io: ThreadPoolExecutor) -> None:
        for w in list(workers.values()):
            w.kill()
        workers.clear()
        io.shutdown(wait=False, cancel_futures=True)
        snapshots.close()


__all__ = ["Busy", "Overloaded", "ProcessPool", "Snapshots", "Timeout", "worker_main"]
