"""`jornadas sql`: answers queries read-only, prints aligned tables, refuses writes, exports."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from dagster_project import sql_console
from tests.test_reports_fixture import SEED_2021_14, published_fixture  # noqa: F401


def run(capsys, db: Path, query: str | None, out: Path | None = None, max_rows: int = 1000):
    parser = argparse.ArgumentParser()
    sql_console.add_sql_arguments(parser)
    argv = ["--db", str(db), "--max-rows", str(max_rows)]
    if out is not None:
        argv += ["--out", str(out)]
    if query is not None:
        argv.append(query)
    code = sql_console.main(parser.parse_args(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_answers_a_query_with_aligned_columns(capsys, published_fixture):  # noqa: F811
    code, out, err = run(
        capsys,
        published_fixture,
        "select activity, quantity from marts.jornada_activity "
        "where jornada_id = '2021-14' and activity in ('surgery', 'transplant_liver') "
        "order by activity",
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split("│")[0].strip() == "activity"
    body = lines[2:4]
    assert [line.split("│")[0].strip() for line in body] == ["surgery", "transplant_liver"]
    assert [int(line.split("│")[1]) for line in body] == [
        SEED_2021_14["surgery"],
        SEED_2021_14["transplant_liver"],
    ]
    # Aligned: the separator sits at the same column on every line; numbers are right-aligned.
    separator_columns = {line.index("│") for line in [lines[0], *body]}
    assert len(separator_columns) == 1
    assert body[0].endswith(str(SEED_2021_14["surgery"]))
    assert len(body[0]) == len(body[1])
    assert lines[-1] == "(2 rows)"


@pytest.mark.parametrize(
    "statement",
    [
        "create table marts.x (a integer)",
        "insert into marts.jornada_activity values ('2021-14', 'surgery', 1)",
        "delete from marts.jornada_activity",
        "copy (select 1) to '{tmp}/leak.csv'",
        "attach '{tmp}/other.duckdb' as other",
        "select 1; drop table marts.jornada_activity",
    ],
)
def test_refuses_writes_and_leaves_the_warehouse_unchanged(
    capsys,
    tmp_path,
    published_fixture,  # noqa: F811
    statement,
):
    before = _row_count(published_fixture)
    code, out, err = run(capsys, published_fixture, statement.format(tmp=tmp_path))
    assert code == sql_console.EXIT_REFUSED
    assert "refused" in err and "read-only" in err
    assert out == ""
    assert not (tmp_path / "leak.csv").exists()
    assert not (tmp_path / "other.duckdb").exists()
    assert _row_count(published_fixture) == before


def test_read_only_connection_is_the_backstop(published_fixture):  # noqa: F811
    """Even a statement that slipped past the check cannot write: the file is opened read-only."""
    with sql_console.open_published(published_fixture) as connection, pytest.raises(duckdb.Error):
        connection.execute("create table marts.y as select 1")


def _row_count(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute("select count(*) from marts.jornada_activity").fetchone()[0]


def test_not_published_gives_a_hint(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path / "missing.duckdb", "select 1")
    assert code == sql_console.EXIT_NOT_PUBLISHED
    assert "jornadas refresh" in err


def test_sql_error_is_reported_not_raised(capsys, published_fixture):  # noqa: F811
    code, _, err = run(capsys, published_fixture, "select * from marts.no_such_table")
    assert code == sql_console.EXIT_SQL_ERROR
    assert "no_such_table" in err


def test_truncates_printing_but_says_so(capsys, published_fixture):  # noqa: F811
    code, out, _ = run(capsys, published_fixture, "select * from range(50)", max_rows=5)
    assert code == 0
    assert len(out.splitlines()) == 2 + 5 + 1
    assert "first 5 rows" in out


QUERY = (
    "select unit_id, unit_name, level_of_care from core.dim_units "
    "where unit_id in ('NLIMS000006', 'CSIMS000001') order by unit_id"
)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_out_round_trip(capsys, tmp_path, published_fixture, suffix):  # noqa: F811
    target = tmp_path / f"units{suffix}"
    code, out, err = run(capsys, published_fixture, QUERY, out=target)
    assert code == 0, err
    assert str(target) in out
    with duckdb.connect(str(published_fixture), read_only=True) as connection:
        expected = connection.execute(QUERY).fetchall()
    if suffix == ".csv":
        with target.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["unit_id", "unit_name", "level_of_care"]
        got = [(r[0], r[1], int(r[2])) for r in rows[1:]]
    elif suffix == ".xlsx":
        sheet = load_workbook(target, read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == ("unit_id", "unit_name", "level_of_care")
        got = [tuple(r) for r in rows[1:]]
    else:
        with duckdb.connect() as connection:
            got = connection.execute(
                f"select * from read_parquet('{target}') order by unit_id"
            ).fetchall()
    if suffix == ".parquet":
        # Parquet is typed and not interpreted by spreadsheets: values stay exactly as stored.
        assert got == expected
    else:
        # The unit named "=HGZ No. 6 Monterrey" must not reach a spreadsheet as a formula.
        neutralized = [(u, "'" + n if n.startswith("=") else n, lvl) for u, n, lvl in expected]
        assert got == neutralized
        assert any(name.startswith("'=") for _, name, _ in got)


def test_unknown_out_format_is_refused(capsys, tmp_path, published_fixture):  # noqa: F811
    code, _, err = run(capsys, published_fixture, QUERY, out=tmp_path / "units.txt")
    assert code == sql_console.EXIT_SQL_ERROR
    assert ".csv" in err
    assert not (tmp_path / "units.txt").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("Chiapas", "Chiapas"),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralize(value, expected):
    from dagster_project.reports.exports import neutralize

    assert neutralize(value) == expected


def test_interactive_prompt_runs_queries_and_keeps_history(
    monkeypatch,
    capsys,
    tmp_path,
    published_fixture,  # noqa: F811
):
    monkeypatch.setenv("JORNADAS_HOME", str(tmp_path))
    lines = iter(
        [
            "select count(*) as n",
            "from core.dim_ooad;",
            "create table x (a int);",
            ".quit",
        ]
    )

    def fake_input(prompt: str) -> str:
        return next(lines)

    monkeypatch.setattr("builtins.input", fake_input)
    code, out, err = run(capsys, published_fixture, None)
    with duckdb.connect(str(published_fixture), read_only=True) as connection:
        ooads = connection.execute("select count(*) from core.dim_ooad").fetchone()[0]
    assert f"\n{ooads}\n" in out.replace(" ", "")
    assert "refused" in err
    assert code == sql_console.EXIT_REFUSED  # the last statement was refused
    assert (tmp_path / sql_console.HISTORY_FILE_NAME).exists()
