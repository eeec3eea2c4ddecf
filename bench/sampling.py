"""Samplers for the bench's background runs (P2's batch start, P3's monthly step): a thread that
probes every few seconds, the oldest open transaction of the app's backends (pg_stat_activity) and
the peak resident memory of groups of processes."""
from __future__ import annotations

import threading
from typing import Any

import psutil


class Sampler(threading.Thread):
    """Calls `probe` every `every` seconds until stopped."""

    def __init__(self, probe: Any, every: float) -> None:
        super().__init__(daemon=True)
        self.probe, self.every, self.halt = probe, every, threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.probe()
            self.halt.wait(self.every)


class Transactions:
    """The longest open transaction of the app's backends, sampled from pg_stat_activity."""

    def __init__(self, db_url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        self.longest: dict[str, Any] = {"seconds": 0.0}

    def probe(self) -> None:
        row = self.conn.execute(
            "SELECT extract(epoch FROM now() - xact_start), state, left(query, 160) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            " AND backend_type = 'client backend'"
            " ORDER BY xact_start LIMIT 1").fetchone()
        if row and float(row[0]) > self.longest["seconds"]:
            self.longest = {"seconds": round(float(row[0]), 3), "state": row[1], "query": row[2]}


class Memory:
    """Peak RSS per role (workers, web) over the processes' lifetimes, sampled."""

    def __init__(self, roles: dict[str, list[int]]) -> None:
        self.roles = roles
        self.peak: dict[str, dict[str, float]] = {r: {"max_process_mb": 0.0, "sum_mb": 0.0} for r in roles}

    def probe(self) -> None:
        for role, pids in self.roles.items():
            sizes = []
            for pid in pids:
                try:
                    proc = psutil.Process(pid)
                    sizes += [p.memory_info().rss for p in [proc, *proc.children(recursive=True)]]
                except psutil.NoSuchProcess:
                    continue
            peak = self.peak[role]
            peak["max_process_mb"] = max(peak["max_process_mb"], round(max(sizes, default=0) / 2**20, 1))
            peak["sum_mb"] = max(peak["sum_mb"], round(sum(sizes) / 2**20, 1))
