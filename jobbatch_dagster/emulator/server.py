"""Run one emulator server: the backend, its worker thread and uvicorn, in this process."""

from __future__ import annotations

import logging

import uvicorn

from jobbatch_dagster.emulator.app import create_app
from jobbatch_dagster.emulator.backend import EmulatorBackend
from jobbatch_dagster.emulator.config import EmulatorConfig
from jobbatch_dagster.emulator.worker import BatchWorker


def serve(config: EmulatorConfig, host: str, port: int, log_level: str = "warning") -> None:
    """Serve until SIGINT/SIGTERM; the worker stops with the server (state is already on disk)."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    backend = EmulatorBackend(config)
    worker = BatchWorker(backend)
    worker.start()
    try:
        uvicorn.run(
            create_app(backend),
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,  # 50,000-line batches make few calls, but pollers make many
            lifespan="off",
        )
    finally:
        worker.stop()
        backend.store.close()
