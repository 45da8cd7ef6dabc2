"""The GX worker process: verdicts come back as data, failures raise, a dead worker is replaced."""

from __future__ import annotations

import pandas as pd
import pytest

from dagster_project.quality import engine, gx_worker

FRAME = pd.DataFrame({"quantity": [3, None, 12]})
NOT_NULL = ("quantity_present", "expect_column_values_to_not_be_null", {"column": "quantity"})
SUMMARY = {"result_format": "SUMMARY"}


def test_a_failed_expectation_comes_back_with_its_counts() -> None:
    verdicts, raw = gx_worker.validate(FRAME, "suite", [NOT_NULL], SUMMARY)

    verdict = verdicts["quantity_present"]
    assert verdict.success is False
    assert (verdict.result["unexpected_count"], verdict.result["element_count"]) == (1, 3)
    assert raw["success"] is False and len(raw["results"]) == 1


def test_a_validation_that_raises_is_a_quality_engine_error_and_the_worker_keeps_serving() -> None:
    gx_worker.ready()
    process = gx_worker._current().process

    with pytest.raises(engine.QualityEngineError, match="expect_no_such_thing"):
        engine._validate(FRAME, "suite", [("odd", "expect_no_such_thing", {"column": "quantity"})])

    verdicts, _ = engine._validate(FRAME, "suite", [NOT_NULL])
    assert verdicts["quantity_present"].success is False
    assert gx_worker._current().process is process


def test_a_worker_that_dies_under_a_call_raises_and_the_next_call_gets_a_new_one() -> None:
    gx_worker.ready()
    worker = gx_worker._current()
    worker.process.kill()
    worker.process.wait()

    with pytest.raises(gx_worker.GxError, match="worker process ended"):
        worker.call((FRAME, "suite", [NOT_NULL], SUMMARY))

    verdicts, _ = engine._validate(FRAME, "suite", [NOT_NULL])
    assert verdicts["quantity_present"].success is False
    assert gx_worker._current() is not worker
