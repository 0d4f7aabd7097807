"""How `kg serve` runs the app: uvicorn, with bounded connections, request deadlines and a quiet log.

uvicorn (0.54) has no deadline for a request to arrive: its keep-alive timer starts only after a
response and is cancelled by any byte received, so a client that opens a connection and sends
nothing, or trickles a header a byte at a time, holds the connection (and a file descriptor) for
ever; 1,100 of them used to exhaust the descriptors, lock everyone out and fill the log with
"Too many open files". ``limit_concurrency`` does not help: it counts idle connections too and
answers real requests 503 once slow ones fill it. So:

- :class:`GuardedH11Protocol` (uvicorn's h11 protocol, subclassed) gives every request
  ``header_timeout`` seconds from its first byte (or from the connection's opening) to deliver its
  request line and headers, then ``body_timeout`` seconds for its body; past either the connection
  is closed (with a 408 when part of a request came). Idle keep-alive connections close after
  ``keep_alive_timeout`` (uvicorn's own timer). A request being answered has no deadline here
  (SPARQL has its own).
- At most ``max_connections`` are open at once. A new connection over the bound closes the
  connection that has waited longest for its headers (then the longest idle one, then the slowest
  body): a client that sends its request at once always gets in, a slow one makes room.
- :func:`raise_fd_limit` lifts the soft descriptor limit to the hard limit at start, and the bound
  stays below it with room for the store's own files.
- :class:`LogRateLimit` lets through at most a few records of the same message per window and
  says how many it held back, so no flood of one error can fill a disk.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import threading
import time
from collections.abc import Callable
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from kg.config import Settings

log = logging.getLogger("kg.serve.serving")

FD_RESERVE = 256  # descriptors kept for the store (RocksDB), threads and logs
MAX_HEADER_BYTES = 16 * 1024  # request line + headers; longer is a 400 (send long SPARQL by POST)


def raise_fd_limit() -> int:
    """Lift the soft limit on open files to the hard limit; returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as e:  # pragma: no cover - a hard limit we may not reach
            log.warning("could not raise the open-file limit from %d to %d: %s", soft, target, e)
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def connection_bound(settings: Settings, fd_limit: int) -> int:
    """``settings.max_connections``, kept below the descriptor limit."""
    return max(16, min(settings.max_connections, fd_limit - FD_RESERVE))


# ---------------------------------------------------------------- connections

_408 = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_SHED_ORDER = {"headers": 0, "idle": 1, "body": 2}  # which connection makes room first


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with request deadlines and a bound on open connections.

    ``phase`` follows the client: "headers" (a request is awaited, the clock runs), "body" (headers
    in, body awaited, the clock runs), "idle" (between requests: uvicorn's keep-alive timer runs),
    None (the request is being answered: no deadline). Configure with :func:`protocol_for`.
    """

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000
    stats: dict[str, int]  # shared by all connections of one server: closed_slow, shed

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.phase: str | None = None
        self.phase_since = 0.0
        self._deadline: asyncio.TimerHandle | None = None
        self._partial = False
        if len(self.connections) >= self.max_connections:
            self._make_room()
        super().connection_made(transport)
        self._enter("headers", self.header_timeout)

    def data_received(self, data: bytes) -> None:
        if self.phase == "idle":  # the first bytes of the next request: its header clock starts
            self._enter("headers", self.header_timeout)
        if self.phase == "headers":
            self._partial = True
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        self.phase = None
        super().connection_lost(exc)

    # -- the clock

    def _follow(self) -> None:
        """Set the phase from h11's view of the client after uvicorn handled what came."""
        state = self.conn.their_state
        if state is h11.IDLE:
            if self.phase not in ("headers", "idle"):
                if self.conn.trailing_data[0]:  # part of a pipelined request is already here
                    self._enter("headers", self.header_timeout)
                    self._partial = True
                else:
                    self._enter("idle", None)
        elif state is h11.SEND_BODY:
            if self.phase != "body":
                self._enter("body", self.body_timeout)
        else:  # the request is in (DONE), or the connection is ending
            self._enter(None, None)

    def _enter(self, phase: str | None, seconds: float | None) -> None:
        self._cancel()
        self.phase, self.phase_since = phase, time.monotonic()
        if phase != "headers":
            self._partial = False
        if seconds is not None and seconds > 0:
            self._deadline = self.loop.call_later(seconds, self._expired)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.phase not in ("headers", "body"):
            return
        self.stats["closed_slow"] = self.stats.get("closed_slow", 0) + 1
        log.warning("closed a connection from %s: its request did not arrive within %g s (%s)",
                    _addr(self.client), self.header_timeout if self.phase == "headers" else self.body_timeout,
                    self.phase)  # fmt: skip
        self._close(send_408=self._partial or self.phase == "body")

    def _close(self, *, send_408: bool) -> None:
        self._cancel()
        if send_408 and not (self.cycle is not None and self.cycle.response_started):
            try:
                self.transport.write(_408)
            except Exception:  # noqa: BLE001 - the peer may be gone already
                pass
        self.phase = None
        self.transport.close()

    def _make_room(self) -> None:
        """Close the connection that has waited longest in the most sheddable phase."""
        victims = [c for c in self.connections
                   if isinstance(c, GuardedH11Protocol) and c.phase in _SHED_ORDER and not c.transport.is_closing()]  # fmt: skip
        if not victims:
            return  # every connection is being answered: this one waits its turn like the others
        victim = min(victims, key=lambda c: (_SHED_ORDER[c.phase or "idle"], c.phase_since))
        self.stats["shed"] = self.stats.get("shed", 0) + 1
        log.warning("%d connections open (KG_MAX_CONNECTIONS): closed the one from %s, %s for %.1f s",
                    len(self.connections), _addr(victim.client), victim.phase,
                    time.monotonic() - victim.phase_since)  # fmt: skip
        victim._close(send_408=victim._partial or victim.phase == "body")
        self.connections.discard(victim)  # closed: it no longer counts against the bound


def _addr(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "?"


def protocol_for(settings: Settings, max_connections: int) -> type[GuardedH11Protocol]:
    """A :class:`GuardedH11Protocol` class carrying these limits (uvicorn instantiates it per connection)."""
    attrs = {
        "header_timeout": settings.header_timeout,
        "body_timeout": settings.body_timeout,
        "max_connections": max_connections,
        "stats": {},
    }
    return type("KgH11Protocol", (GuardedH11Protocol,), attrs)


# ---------------------------------------------------------------- the log


class LogRateLimit(logging.Filter):
    """At most ``burst`` records of one message (logger + template) per ``window`` seconds, and at
    most ``total`` records of any kind per window; the next record let through tells how many were
    held back."""

    def __init__(self, burst: int = 5, total: int = 100, window: float = 10.0) -> None:
        super().__init__()
        self.burst, self.total, self.window = burst, total, window
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._counts: dict[tuple[str, int, str], int] = {}
        self._all = 0
        self._held = 0

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        with self._lock:
            now = time.monotonic()
            if now - self._start >= self.window:
                self._start, self._counts, self._all = now, {}, 0
            n = self._counts.get(key, 0) + 1
            self._counts[key] = n
            if n > self.burst or self._all >= self.total:
                self._held += 1
                return False
            self._all += 1
            held, self._held = self._held, 0
        if held:
            record.msg = f"{record.msg} [{held} log records held back: too many alike]"
        return True


def quiet_logging(limit: LogRateLimit | None = None) -> LogRateLimit:
    """Put the rate limit on every handler of the root and uvicorn loggers (a root handler to stderr
    is added if there is none, so the project's warnings are limited too)."""
    limit = limit or LogRateLimit()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler.setLevel(logging.WARNING)
        root.addHandler(handler)
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        for handler in logging.getLogger(name).handlers:
            if limit not in handler.filters:
                handler.addFilter(limit)
    return limit


# ---------------------------------------------------------------- running


def run_server(app: Any, settings: Settings, *, host: str, port: int,
               on_shutdown: Callable[[], None] | None = None) -> None:  # fmt: skip
    """Serve ``app`` until SIGINT/SIGTERM; ``on_shutdown`` runs after the graceful shutdown."""
    fd_limit = raise_fd_limit()
    bound = connection_bound(settings, fd_limit)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=protocol_for(settings, bound),
        timeout_keep_alive=settings.keep_alive_timeout,  # type: ignore[arg-type]  # a float works
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        backlog=min(2048, bound),
        limit_concurrency=None,  # counts idle connections too: the protocol bounds them instead
        server_header=False,
    )
    quiet_logging()

    class Server(uvicorn.Server):
        async def shutdown(self, sockets=None):  # type: ignore[no-untyped-def]
            # uvicorn re-raises SIGTERM after a graceful shutdown: clean up here, not in `finally`
            await super().shutdown(sockets)
            if on_shutdown is not None:
                on_shutdown()

    Server(config).run()
