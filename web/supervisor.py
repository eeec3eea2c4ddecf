"""A small supervisor for `make run` (web.run): start the app's processes, restart one that dies
(with a growing pause when it dies soon after starting), and stop them all within a deadline.
Children stay in the supervisor's process group, so a Ctrl-C or a SIGTERM to the group reaches
them too; on Linux each also gets SIGTERM when the supervisor itself dies (PR_SET_PDEATHSIG),
so a `kill -9` of the supervisor leaves no orphan holding the port."""
from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

QUICK_DEATH_SECONDS = 10.0  # a program that dies sooner than this after starting backs off
MAX_BACKOFF_SECONDS = 30.0


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Program:
    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None
    starts: int = 0

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Supervisor:
    def __init__(self, programs: list[Program], cwd: Path, env: dict[str, str]) -> None:
        self.programs = programs
        self.cwd, self.env = cwd, env

    def _start(self, program: Program) -> None:
        program.proc = subprocess.Popen(program.argv, cwd=self.cwd, env=self.env, preexec_fn=_die_with_parent)
        program.started_at, program.restart_at = time.monotonic(), None
        program.starts += 1

    def start_all(self) -> None:
        for program in self.programs:
            self._start(program)

    def run_until(self, stop: threading.Event, poll: float = 0.5) -> None:
        while not stop.wait(poll):
            now = time.monotonic()
            for program in self.programs:
                if program.alive():
                    continue
                if program.restart_at is None:  # just found dead
                    lived = now - program.started_at
                    program.quick_deaths = program.quick_deaths + 1 if lived < QUICK_DEATH_SECONDS else 0
                    pause = min(MAX_BACKOFF_SECONDS, 2.0 ** program.quick_deaths)
                    program.restart_at = now + pause
                    print(f"[run] {program.name} 已退出（{program.proc.returncode}），{pause:.0f} 秒后重启",
                          file=sys.stderr, flush=True)
                elif now >= program.restart_at:
                    self._start(program)

    def stop_all(self, grace: float) -> None:
        """SIGTERM to every program, then SIGKILL to whatever of their process trees is left after
        `grace` seconds."""
        trees: list[psutil.Process] = []
        for program in self.programs:
            if program.alive():
                try:
                    parent = psutil.Process(program.proc.pid)
                    trees += [parent, *parent.children(recursive=True)]
                except psutil.NoSuchProcess:
                    continue
                program.proc.send_signal(signal.SIGTERM)
        _, alive = psutil.wait_procs(trees, timeout=grace)
        for proc in alive:
            try:
                print(f"[run] {proc.pid} 未在 {grace:.0f} 秒内退出，强制结束", file=sys.stderr, flush=True)
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=2)
        for program in self.programs:
            if program.proc:
                program.proc.poll()  # reap
