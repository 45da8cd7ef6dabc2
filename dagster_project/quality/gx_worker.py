"""Great Expectations in a worker process of its own.

Importing GX takes ~5 s of Python. In the run's own process that import competed with ingest
for the interpreter lock, and a check that needed GX before it finished waited for the rest.
One worker (`python -m dagster_project.quality.gx_worker`) imports GX on the other core as
soon as a run starts, keeps one ephemeral context, and validates the bounded frames the
engine sends it (profiles, rule samples, projected batches); verdicts come back as plain data
(GX's own JSON form of its results). Requests and answers are pickles, length-prefixed, over
the worker's stdin and stdout; its stderr is the run's.

A worker that cannot start GX, that dies, or whose validation raises makes the call raise
`GxError` with the worker's own traceback: never a pass. The worker exits when the run's
process closes its stdin, or dies.
"""

from __future__ import annotations

import atexit
import os
import pickle
import struct
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from dagster_project.settings import helper_process_environment

if TYPE_CHECKING:
    import pandas as pd

# (check name, GX expectation type, kwargs)
Config = tuple[str, str, dict]
_LENGTH = struct.Struct("!Q")


class GxError(RuntimeError):
    """GX could not start in the worker, the worker died, or a validation raised."""


@dataclass(frozen=True)
class GxVerdict:
    """One expectation's result, as GX reports it in JSON form."""

    success: bool
    result: dict[str, Any]
    exception_info: dict[str, Any]


def _send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next message, or EOFError when the other side has gone."""
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        raise EOFError
    size = _LENGTH.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


# --- the worker ------------------------------------------------------------------------------


def _batch_definition() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("jornadas_build").add_dataframe_asset("batch")
    return asset.add_batch_definition_whole_dataframe("whole")


def _validated(
    batch_definition: Any,
    frame: pd.DataFrame,
    suite_name: str,
    configs: list[Config],
    result_format: dict,
) -> dict[str, Any]:
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    gx_suite = gx.ExpectationSuite(name=suite_name)
    for check_name, expectation_type, kwargs in configs:
        gx_suite.add_expectation_configuration(
            ExpectationConfiguration(
                type=expectation_type, kwargs=kwargs, meta={"check_name": check_name}
            )
        )
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(gx_suite, result_format=result_format).to_json_dict()


def serve() -> None:
    """The worker's loop: say whether GX started, then answer validations until stdin ends."""
    requests = sys.stdin.buffer
    # The protocol owns the original stdout; anything GX prints goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        batch_definition = _batch_definition()
    except BaseException:  # noqa: BLE001 - reported to the run's process, which raises it
        _send(answers, ("error", f"Great Expectations could not start:\n{traceback.format_exc()}"))
        return
    _send(answers, ("ok", None))
    while True:
        try:
            frame, suite_name, configs, result_format = _receive(requests)
        except EOFError:
            return
        try:
            answer = ("ok", _validated(batch_definition, frame, suite_name, configs, result_format))
        except Exception:  # noqa: BLE001 - reported to the run's process, which raises it
            answer = ("error", f"GX could not validate {suite_name}:\n{traceback.format_exc()}")
        _send(answers, answer)


# --- in the run's process --------------------------------------------------------------------


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=helper_process_environment(),
        )
        self.lock = threading.Lock()
        self.started = False

    def _ended(self) -> GxError:
        code = self.process.wait()
        return GxError(f"the Great Expectations worker process ended (exit code {code})")

    def _answer(self) -> Any:
        try:
            status, value = _receive(self.process.stdout)
        except EOFError:
            raise self._ended() from None
        if status == "error":
            raise GxError(value)
        return value

    def ready(self) -> None:
        with self.lock:
            if not self.started:
                self._answer()
                self.started = True

    def call(self, request: tuple) -> Any:
        self.ready()
        with self.lock:
            try:
                _send(self.process.stdin, request)
            except BrokenPipeError:
                raise self._ended() from None
            return self._answer()

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_LOCK = threading.Lock()
_worker: _Worker | None = None


def _current() -> _Worker:
    global _worker
    with _LOCK:
        if _worker is None or _worker.process.poll() is not None:
            _worker = _Worker()
        return _worker


def _on_error(worker: _Worker, error: GxError) -> GxError:
    """A worker that could not start GX, or has ended, is replaced at the next call; one
    whose validation raised keeps serving."""
    global _worker
    if worker.started and worker.process.poll() is None:
        return error
    with _LOCK:
        if _worker is worker:
            _worker = None
    worker.stop()
    return error


def start() -> None:
    """Start the worker (it imports GX at once); a no-op while it runs."""
    _current()


def ready() -> None:
    """Wait until the worker has GX loaded; raises GxError when it cannot."""
    worker = _current()
    try:
        worker.ready()
    except GxError as error:
        raise _on_error(worker, error) from None


def validate(
    frame: pd.DataFrame, suite_name: str, configs: list[Config], result_format: dict
) -> tuple[dict[str, GxVerdict], dict[str, Any]]:
    """Validate `frame` against `configs` in the worker: (verdicts by check name, GX's JSON)."""
    worker = _current()
    try:
        raw = worker.call((frame, suite_name, configs, result_format))
    except GxError as error:
        raise _on_error(worker, error) from None
    verdicts = {
        item["expectation_config"]["meta"]["check_name"]: GxVerdict(
            success=bool(item["success"]),
            result=item.get("result") or {},
            exception_info=item.get("exception_info") or {},
        )
        for item in raw["results"]
    }
    return verdicts, raw


@atexit.register
def _stop_at_exit() -> None:
    if _worker is not None:
        _worker.stop()


if __name__ == "__main__":
    from dagster_project.fast_exit import exit_without_teardown

    serve()
    # The run's process waits for the worker to exit: GX's teardown took 0.8 s of every run.
    exit_without_teardown(0)
