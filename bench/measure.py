"""Run a command and measure it: wall time and the memory of its whole process tree.

psutil is not a dependency, so the tree is read from /proc: every sample sums VmRSS over the
child and its descendants (dbt runs as a grandchild), and VmHWM (a process's own peak, which
catches spikes between samples) is kept per process. Timestamps are wall-clock epoch seconds
so that samples can be matched to Dagster's step start and end times.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_SECONDS = 0.2


@dataclass
class Measured:
    command: list[str]
    returncode: int | None
    seconds: float
    started_at: float  # epoch seconds
    peak_tree_rss_bytes: int
    peak_process_hwm_bytes: int
    timed_out: bool = False
    memory_capped: bool = False  # stopped because the tree's RSS passed the cap
    # 1-minute load average before and after: other work on the machine skews wall times.
    load_before: float = 0.0
    load_after: float = 0.0
    samples: list[tuple[float, int]] = field(default_factory=list, repr=False)
    stdout: str = field(default="", repr=False)
    stderr: str = field(default="", repr=False)

    def peak_rss_between(self, start: float, end: float) -> int | None:
        inside = [rss for at, rss in self.samples if start <= at <= end]
        return max(inside) if inside else None


def _status_kib(pid: int, field_name: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass  # the process ended between listing and reading
    return 0


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                # The command name may hold spaces; the parent pid follows its closing paren.
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    return children


def process_tree(root: int) -> list[int]:
    children = _children_map()
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def run_measured(
    command: list[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    time_limit: float | None = None,
    log_path: Path | None = None,
    memory_cap_bytes: int | None = None,
) -> Measured:
    """Run `command` to completion, sampling its memory; stop its process group when it runs
    past `time_limit` seconds or its tree's RSS passes `memory_cap_bytes` (so that a runaway
    benchmark cannot take a shared machine's memory)."""
    log = open(log_path, "w", encoding="utf-8") if log_path else None  # noqa: SIM115
    load_before = os.getloadavg()[0]
    started_at = time.time()
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if log else subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, so a time-out ends all of it
    )
    samples: list[tuple[float, int]] = []
    hwm: dict[int, int] = {}
    output: list[str] = []

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if log:
                log.write(line)
                log.flush()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    timed_out = memory_capped = False
    while process.poll() is None:
        tree = process_tree(process.pid)
        samples.append((time.time(), sum(_status_kib(pid, "VmRSS") for pid in tree) * 1024))
        for pid in tree:
            hwm[pid] = max(hwm.get(pid, 0), _status_kib(pid, "VmHWM") * 1024)
        timed_out = bool(time_limit and time.perf_counter() - started > time_limit)
        memory_capped = bool(memory_cap_bytes and samples[-1][1] > memory_cap_bytes)
        if timed_out or memory_capped:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(SAMPLE_SECONDS)
    process.wait()
    seconds = time.perf_counter() - started
    reader.join(timeout=10)
    stderr = process.stderr.read() if process.stderr else ""
    if log:
        log.close()
    return Measured(
        command=command,
        returncode=process.returncode,
        seconds=seconds,
        started_at=started_at,
        peak_tree_rss_bytes=max((rss for _, rss in samples), default=0),
        peak_process_hwm_bytes=max(hwm.values(), default=0),
        timed_out=timed_out,
        memory_capped=memory_capped,
        load_before=load_before,
        load_after=os.getloadavg()[0],
        samples=samples,
        stdout="".join(output),
        stderr=stderr,
    )
