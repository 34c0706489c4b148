"""The DuckDB warehouse: schema, idempotent loads and the morning views, as plain functions.

No Dagster here: every function takes a DuckDB connection, so the CLI, tests and notebooks can use
the same loads and queries the pipeline does. Values always travel as SQL parameters.
"""

from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES
from jobbatch_dagster.warehouse.schema import REQUEST_STATES, TABLE_DDL, ensure_schema
from jobbatch_dagster.warehouse.views import VIEW_DDL

__all__ = ["REQUEST_STATES", "RESULT_TABLES", "TABLE_DDL", "VIEW_DDL", "ensure_schema"]
