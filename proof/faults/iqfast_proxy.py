"""The simulated IQFast on MariaDB (127.0.0.1:3306) in a database of its own, behind a TCP proxy the scenarios stop,
start and stall to make IQFast unreachable or silent."""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Iterator

from proof.pgcluster import free_port

MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


class TcpProxy:
    """127.0.0.1:<port> → target, on an asyncio loop in a thread of its own. ``stop()`` closes the listening
    socket (new connections are refused) and cuts every open connection, as a network outage would;
    ``start()`` listens on the same port again."""

    def __init__(self, target_host: str, target_port: int, port: int | None = None):
        self.target = (target_host, target_port)
        self.port = port or free_port(23306)  # below the ephemeral range: it must be ours again after stop()
        self.loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self.connections = 0
        self.stalled = False  # connections stay open but nothing gets through: a network dropping packets
        threading.Thread(target=self.loop.run_forever, daemon=True, name="tcp-proxy").start()

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def start(self) -> None:
        async def listen():
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        for attempt in range(20):
            try:
                return self._call(listen())
            except OSError:  # someone holds the port for a moment: it must be this one again (clients know it)
                if attempt == 19:
                    raise
                time.sleep(0.5)

    def stop(self) -> None:
        async def close():
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
                self._server = None
            for writer in list(self._open):
                writer.transport.abort()
            self._open.clear()
        self._call(close())

    def close(self) -> None:
        self.stop()

        async def cancel_rest():
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
        self._call(cancel_rest())
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _handle(self, client_reader, client_writer):
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._open |= {client_writer, upstream_writer}

        async def pipe(reader, writer):
            try:
                while data := await reader.read(65536):
                    while self.stalled:
                        await asyncio.sleep(0.05)
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                writer.transport.abort() if writer.transport else None
                self._open.discard(writer)

        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))


@contextmanager
def simulated_iqfast(prefix: str) -> Iterator[tuple[str, str, TcpProxy]]:
    """A MariaDB database of its own for a simulated IQFast and a TcpProxy in front of it (not listening yet):
    yields (the direct URL, the URL through the proxy, the proxy); closes the proxy and drops the database after."""
    import pymysql

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = pymysql.connect(**MARIADB, autocommit=True)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        proxy = TcpProxy(MARIADB["host"], MARIADB["port"])
        try:
            yield (f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4",
                   f"mysql+pymysql://root@127.0.0.1:{proxy.port}/{name}?charset=utf8mb4", proxy)
        finally:
            proxy.close()
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.close()
