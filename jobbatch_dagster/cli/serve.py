"""`jobbatch serve`: the HTTP API and the leads page (see :mod:`jobbatch_dagster.api`)."""

from __future__ import annotations

import os

import click

from jobbatch_dagster.api.guard import DEFAULT_MAX_BODY_BYTES, TOKEN_ENV, is_loopback


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(1, None),
    default=DEFAULT_MAX_BODY_BYTES,
    show_default=True,
    help="Larger request bodies are refused with 413.",
)
def serve(host: str, port: int, max_body_bytes: int) -> None:
    """Serve the batch endpoints, the leads endpoints and the leads page.

    Calls need `Authorization: Bearer $JOBBATCH_API_TOKEN`; without that variable the service binds
    loopback only and serves local callers. process-scraped runs each day's night on the Dagster
    instance in DAGSTER_HOME (default data/dagster_home).
    """
    import uvicorn

    from jobbatch_dagster.api.app import ApiConfig, create_app
    from jobbatch_dagster.api.launcher import NightLauncher
    from jobbatch_dagster.home import prepare_dagster_home
    from jobbatch_dagster.settings import load_settings

    token = os.environ.get(TOKEN_ENV) or None
    if token is None and not is_loopback(host):
        raise click.ClickException(
            f"refusing to serve {host} without a token: set {TOKEN_ENV} (every caller must then "
            "send it as a bearer token), or bind 127.0.0.1"
        )
    settings = load_settings()
    home = prepare_dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    launcher = NightLauncher(log_dir=home / "api-nights")
    app = create_app(ApiConfig(settings, launcher, token, max_body_bytes))
    click.echo(f"Leads page: http://{host}:{port}/   API docs: http://{host}:{port}/docs", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
