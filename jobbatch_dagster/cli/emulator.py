"""`jobbatch emulator` commands: serve the offline Batch API, and steer a running one.

``serve``'s command line is fixed (tests, ``make demo`` and ``make dev`` rely on it); ``fault``,
``reset`` and ``release`` talk to a running server's admin route (see docs/emulator.md).
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import click
import httpx

from jobbatch_dagster.contract import MAX_BATCHES_PER_HOUR
from jobbatch_dagster.emulator.config import API_KEY_ENV, DEFAULT_LATENCY_SECONDS, EmulatorConfig
from jobbatch_dagster.emulator.models import DEFAULT_MODELS_FILE, ModelList

DEFAULT_ADMIN_URL = "http://127.0.0.1:8765/_emulator"


@click.group()
def emulator() -> None:
    """The offline OpenAI Files, Batches and Chat Completions API emulator."""


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=int)
@click.option(
    "--data-dir",
    default=Path("data/emulator"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where files and batches are kept; they survive restarts.",
)
@click.option(
    "--latency",
    default=DEFAULT_LATENCY_SECONDS,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds a batch takes end to end; 0 = as fast as possible.",
)
@click.option(
    "--api-key",
    default=None,
    envvar=API_KEY_ENV,
    help="Accept only this key on /v1 and the admin routes (default: any non-empty key on /v1).",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host other than loopback; needs --api-key.",
)
@click.option(
    "--models",
    "models_file",
    default=DEFAULT_MODELS_FILE,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A JSON list of the models served (default: the built-in dated list).",
)
@click.option(
    "--batches-per-hour",
    default=MAX_BATCHES_PER_HOUR,
    show_default=True,
    type=click.IntRange(min=1),
    help="Batch creations allowed per hour (emulator time); more get a 429.",
)
@click.option(
    "--token-limit",
    default=None,
    type=click.IntRange(min=1),
    help="Enqueued prompt-token limit per model; batches over it fail with token_limit_exceeded.",
)
@click.option(
    "--max-batch-requests",
    default=None,
    type=click.IntRange(min=1),
    help="Lower the 50,000-request limit.",
)
@click.option(
    "--max-batch-bytes", default=None, type=click.IntRange(min=1), help="Lower the 200 MB limit."
)
@click.option(
    "--time-scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Emulator seconds per real second (e.g. 3600: the 24 h window passes in 24 s).",
)
@click.option("--log-level", default="warning", show_default=True)
def serve(
    host: str,
    port: int,
    data_dir: Path,
    latency: float,
    api_key: str | None,
    allow_remote: bool,
    models_file: Path,
    batches_per_hour: int,
    token_limit: int | None,
    max_batch_requests: int | None,
    max_batch_bytes: int | None,
    time_scale: float,
    log_level: str,
) -> None:
    """Serve the Files, Batches and Chat Completions API under /v1, the admin route under /_emulator."""
    from jobbatch_dagster.emulator.server import serve as run_server

    if not is_loopback(host):
        if not allow_remote:
            raise click.UsageError(
                f"--host {host} would serve the emulator beyond this machine. Use --host "
                "127.0.0.1, or add --allow-remote and --api-key if other machines must reach it."
            )
        if not api_key:
            raise click.UsageError(
                "--allow-remote needs --api-key (or JOBBATCH_EMULATOR_API_KEY): off loopback "
                "every route requires the key."
            )
        click.echo(
            f"WARNING: the emulator listens on {host}, beyond loopback. Anyone who can reach it "
            "and knows the key can read its files and steer its faults; it is a test double, "
            "not a service.",
            err=True,
        )
    try:
        ModelList.load(models_file)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--models") from None
    limits: dict[str, Any] = {}
    if max_batch_requests is not None:
        limits["max_requests"] = max_batch_requests
    if max_batch_bytes is not None:
        limits["max_bytes"] = max_batch_bytes
    config = EmulatorConfig(
        data_dir=data_dir,
        latency=latency,
        api_key=api_key,
        allow_remote=allow_remote,
        models_file=models_file,
        batches_per_hour=batches_per_hour,
        token_limit=token_limit,
        time_scale=time_scale,
        **limits,
    )
    click.echo(f"jobbatch emulator on http://{host}:{port}/v1 (data in {data_dir})", err=True)
    run_server(config, host, port, log_level)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def _admin(admin_url: str, api_key: str | None, route: str, body: dict[str, Any]) -> None:
    headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
    response = httpx.post(
        f"{admin_url.rstrip('/')}/{route}", json=body, headers=headers, timeout=10
    )
    click.echo(json.dumps(response.json(), indent=2))
    if response.status_code != 200:
        raise click.exceptions.Exit(1)


admin_url_option = click.option(
    "--admin-url",
    default=DEFAULT_ADMIN_URL,
    show_default=True,
    envvar="JOBBATCH_EMULATOR_ADMIN_URL",
)
admin_key_option = click.option(
    "--api-key",
    default=None,
    envvar=API_KEY_ENV,
    help="The server's --api-key, if it has one.",
)


@emulator.command()
@admin_url_option
@admin_key_option
@click.option("--expire-after", type=int, help="The next batch expires after N requests.")
@click.option(
    "--token-limit-exceeded", is_flag=True, help="The next batch fails with token_limit_exceeded."
)
@click.option(
    "--stall-finalizing", help="The next batch stays finalizing N seconds, or 'until_released'."
)
@click.option("--cancel-delay", type=float, help="The next batch stays cancelling N seconds.")
@click.option(
    "--fail-line",
    multiple=True,
    metavar="CUSTOM_ID[:STATUS]",
    help="Fail this request (default 500).",
)
@click.option(
    "--malformed-json", multiple=True, metavar="CUSTOM_ID", help="Answer with truncated JSON."
)
@click.option(
    "--schema-invalid", multiple=True, metavar="CUSTOM_ID", help="Answer with schema-invalid JSON."
)
@click.option(
    "--http-errors", metavar="STATUS:COUNT", help="Answer the next COUNT API calls with STATUS."
)
@click.option(
    "--accept-missing-input-file",
    is_flag=True,
    help="Until reset: a create naming an unknown file succeeds, then the batch fails.",
)
@click.option("--json", "raw_json", help="A whole fault plan as JSON (see docs/emulator.md).")
def fault(
    admin_url: str,
    api_key: str | None,
    expire_after: int | None,
    token_limit_exceeded: bool,
    stall_finalizing: str | None,
    cancel_delay: float | None,
    fail_line: tuple[str, ...],
    malformed_json: tuple[str, ...],
    schema_invalid: tuple[str, ...],
    http_errors: str | None,
    accept_missing_input_file: bool,
    raw_json: str | None,
) -> None:
    """Schedule faults on a running emulator."""
    plan: dict[str, Any] = json.loads(raw_json) if raw_json else {}
    if expire_after is not None:
        plan["expire_after_requests"] = expire_after
    if token_limit_exceeded:
        plan["token_limit_exceeded"] = True
    if stall_finalizing is not None:
        plan["stall_finalizing"] = (
            stall_finalizing if stall_finalizing == "until_released" else float(stall_finalizing)
        )
    if cancel_delay is not None:
        plan["cancel_delay_seconds"] = cancel_delay
    if fail_line:
        plan["fail_lines"] = {}
        for spec in fail_line:
            custom_id, _, status = spec.rpartition(":") if ":" in spec else (spec, "", "")
            plan["fail_lines"][custom_id] = {"status_code": int(status)} if status else {}
    if malformed_json:
        plan["malformed_json"] = list(malformed_json)
    if schema_invalid:
        plan["schema_invalid"] = list(schema_invalid)
    if http_errors:
        status, _, count = http_errors.partition(":")
        plan["http_errors"] = {"status": int(status), "count": int(count or 1)}
    if accept_missing_input_file:
        plan["accept_missing_input_file"] = True
    _admin(admin_url, api_key, "faults", plan)


@emulator.command()
@admin_url_option
@admin_key_option
def reset(admin_url: str, api_key: str | None) -> None:
    """Clear every scheduled fault on a running emulator."""
    _admin(admin_url, api_key, "reset", {})


@emulator.command()
@admin_url_option
@admin_key_option
@click.option("--batch-id", default=None, help="Only this batch (default: every stalled batch).")
def release(admin_url: str, api_key: str | None, batch_id: str | None) -> None:
    """Let batches held by --stall-finalizing complete."""
    _admin(admin_url, api_key, "release", {"batch_id": batch_id} if batch_id else {})
