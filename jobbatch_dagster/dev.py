"""`make dev`: the Dagster UI and daemon, and the leads page with its HTTP API, on one instance.

Runs ``dagster dev -w workspace.yaml`` with DAGSTER_HOME=data/dagster_home, the same instance that
`make demo` fills, so the UI shows the demo's runs, sensor ticks and materializations; beside it,
``jobbatch serve`` on loopback (the leads page at ``/``, OpenAPI docs at ``/docs``). Without
OPENAI_API_KEY (or with --emulator) it first starts the offline Batch API emulator on loopback, with
its state in data/emulator, and points the engine at it through OPENAI_BASE_URL; every batch it
makes is recorded with backend ``emulator``. The sensor and the schedule are RUNNING by default.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from jobbatch_dagster.emulator.process import EmulatorProcess, PortTakenError
from jobbatch_dagster.home import prepare_dagster_home

EMULATOR_DATA_DIR = Path("data/emulator")
DEFAULT_EMULATOR_PORT = 8765
DEFAULT_EMULATOR_LATENCY = 3.0
DEFAULT_API_PORT = 8000
API_STOP_SECONDS = 10.0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make dev", description=__doc__.splitlines()[0])
    parser.add_argument("--emulator", action="store_true", help="use the emulator even with a key")
    parser.add_argument("--port", type=int, default=3000, help="the UI's port (default 3000)")
    parser.add_argument(
        "--api-port",
        type=int,
        default=DEFAULT_API_PORT,
        help=f"the leads page's and HTTP API's loopback port (default {DEFAULT_API_PORT})",
    )
    parser.add_argument(
        "--emulator-port",
        type=int,
        default=int(os.environ.get("JOBBATCH_EMULATOR_PORT", DEFAULT_EMULATOR_PORT)),
        help=f"the emulator's loopback port (default {DEFAULT_EMULATOR_PORT})",
    )
    return parser.parse_args(argv)


def _serve_beside(command: list[str], env: dict[str, str], args: argparse.Namespace) -> int:
    """Dagster (``command``) in the foreground, `jobbatch serve` beside it, both stopped together."""
    serve = [sys.executable, "-m", "jobbatch_dagster.cli", "serve", "--port", str(args.api_port)]
    api = subprocess.Popen(serve, env=env)
    print(
        f"Dagster UI:              http://127.0.0.1:{args.port}\n"
        f"Leads page and HTTP API: http://127.0.0.1:{args.api_port}/  "
        f"(OpenAPI docs: http://127.0.0.1:{args.api_port}/docs)",
        flush=True,
    )
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130
    finally:
        api.terminate()
        api.wait(timeout=API_STOP_SECONDS)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    env = dict(os.environ)
    env["DAGSTER_HOME"] = str(prepare_dagster_home())
    command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-p", str(args.port)]
    use_emulator = args.emulator or not env.get("OPENAI_API_KEY")
    if not use_emulator:
        print("OPENAI_API_KEY is set: batches go to OpenAI and cost money.", flush=True)
        return _serve_beside(command, env, args)
    emulator = EmulatorProcess(
        data_dir=EMULATOR_DATA_DIR, latency=DEFAULT_EMULATOR_LATENCY, port=args.emulator_port
    )
    try:
        emulator.start()
    except PortTakenError:
        print(
            f"Port {args.emulator_port} is taken, so the emulator cannot start: stop what holds it, "
            "or choose another port with JOBBATCH_EMULATOR_PORT=N make dev.",
            file=sys.stderr,
        )
        return 1
    with emulator:
        env["OPENAI_BASE_URL"] = emulator.base_url
        env["OPENAI_API_KEY"] = emulator.api_key
        print(
            f"No OPENAI_API_KEY: using the offline Batch API emulator at {emulator.base_url} "
            f"(state in {EMULATOR_DATA_DIR}). Its answers are rule-based, not a model's.",
            flush=True,
        )
        return _serve_beside(command, env, args)


if __name__ == "__main__":
    raise SystemExit(main())
