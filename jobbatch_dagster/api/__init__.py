"""`jobbatch serve`: the original dashboard's HTTP endpoints, the leads endpoints and the leads page.

A FastAPI app over the engine (``batch/``), the warehouse's lead queries, the follow-up agent
(``followup/``) and the sources' validation; it starts a day's Dagster run only through
:mod:`~jobbatch_dagster.api.launcher`. The
OpenAPI description is at ``/openapi.json`` and ``/docs``. The app is built by
:func:`jobbatch_dagster.api.app.create_app`; this package imports nothing itself, so the other
``jobbatch`` commands start without loading the web stack.
"""
