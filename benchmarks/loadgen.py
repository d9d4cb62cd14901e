"""A small HTTP/1.1 keep-alive client on raw asyncio streams, for loopback load runs.

Why not httpx or locust: httpx's async client costs more CPU per request than the
server under test on a 2-core machine, and locust would be a heavy dependency for
one benchmark. This client does only what the benchmarks need (GET, form POST,
cookies, Content-Length bodies) and records latencies.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Connection:
    """One keep-alive connection to ``base_url``; reconnects when the server closes."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies: dict[str, str] = {}

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()
            self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        body = urlencode(form).encode() if form is not None else b""
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Accept: text/html",
        ]
        if self.cookies:
            head.append(
                "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            )
        head.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        if form is not None:
            head.append("Content-Type: application/x-www-form-urlencoded")
        head.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        for attempt in (1, 2):
            if self.writer is None:
                await self._connect()
            try:
                assert self.writer is not None
                self.writer.write(raw)
                await self.writer.drain()
                return await self._read()
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _read(self) -> Reply:
        assert self.reader is not None
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key] = val
            headers[name] = value
        if headers.get("transfer-encoding") == "chunked":
            body = await self._read_chunked()
        else:
            body = await self.reader.readexactly(
                int(headers.get("content-length", "0"))
            )
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, headers, body)

    async def _read_chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


@dataclass
class Timings:
    samples: list[float] = field(default_factory=list)
    errors: int = 0
    started: float = field(default_factory=time.perf_counter)
    finished: float = 0.0
    active: float = 0.0
    """Seconds of load, when a run is measured in slices (interleaved with
    other runs); otherwise the time from ``started`` to ``finished``."""

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)

    @property
    def elapsed(self) -> float:
        if self.active:
            return self.active
        return (self.finished or time.perf_counter()) - self.started

    def summary(self) -> dict[str, float]:
        data = sorted(self.samples)
        if not data:
            return {
                "count": 0,
                "per_second": 0.0,
                "p50_ms": 0.0,
                "p95_ms": 0.0,
                "errors": self.errors,
            }
        return {
            "count": len(data),
            "per_second": len(data) / self.elapsed,
            "p50_ms": statistics.median(data) * 1000,
            "p95_ms": data[min(len(data) - 1, int(len(data) * 0.95))] * 1000,
            "errors": self.errors,
        }


async def timed(timings: Timings, call: asyncio.Future[Reply] | object) -> Reply:
    start = time.perf_counter()
    reply = await call  # type: ignore[misc]
    timings.add(time.perf_counter() - start)
    if reply.status >= 500:
        timings.errors += 1
    return reply


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command, parent pid, CPU seconds) of a live process, from /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    command = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return command, int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def cpu_by_group(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server under test (the process and its
    workers), by PostgreSQL (every ``postgres`` process) and by this client.

    Everything shares the machine's cores in a loopback run, so a rate alone
    does not say where the time goes; the difference of two readings does.
    """
    processes = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            processes[int(entry.name)] = stat
    server, family = 0.0, {server_pid}
    changed = True
    while changed:  # the server's descendants (uvicorn's worker processes)
        changed = False
        for pid, (_, parent, _) in processes.items():
            if parent in family and pid not in family:
                family.add(pid)
                changed = True
    server = sum(processes[pid][2] for pid in family if pid in processes)
    postgres = sum(
        cpu for command, _, cpu in processes.values() if command == "postgres"
    )
    own = os.times()
    return {"server": server, "postgres": postgres, "client": own.user + own.system}
