"""What happens to one stage on one scrape day, as plain functions: no Dagster here.

``ingest_day`` reads a scrape day from incoming/ into the warehouse. Each stage step takes the
Settings, the engine's client (when it talks to the provider) and a warehouse connection, and returns a small result object: ``build_stage_input`` (which postings to send, reuse
or wait for), ``submit_stage`` (budget, one batch per shard, ledger), ``harvest_stage`` (download,
request states, cost), ``load_results`` and ``build_leads``. ``defs/`` turns those results into
Dagster metadata; the CLI and tests call the same functions without Dagster.
"""
