"""A DuckLake's tables are the file's without their keys: same tables, same columns, no constraint
DuckLake would refuse."""

from __future__ import annotations

import duckdb

from jobbatch_dagster.warehouse.schema import schema_statements


def columns_and_keys(lake: bool) -> tuple[list[tuple], list[tuple]]:
    con = duckdb.connect()
    for ddl in schema_statements(lake):
        con.execute(ddl)
    columns = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable, column_default "
        "FROM information_schema.columns ORDER BY ALL"
    ).fetchall()
    keys = con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE') ORDER BY ALL"
    ).fetchall()
    return columns, keys


def test_lake_tables_have_the_file_tables_columns_and_no_keys() -> None:
    file_columns, file_keys = columns_and_keys(lake=False)
    lake_columns, lake_keys = columns_and_keys(lake=True)
    assert lake_columns == file_columns
    assert lake_keys == []
    keyed = {table for table, _ in file_keys}
    assert {"jobs", "batch_requests", "raw_outputs", "qualified_leads", "qualifications"} <= keyed
