"""EmulatorProcess when its port is taken: a clear error for a chosen port, a new port otherwise."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobbatch_dagster.emulator.process import EmulatorProcess, PortTakenError


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_chosen_port_that_is_taken_is_reported(tmp_path: Path, taken_port: int) -> None:
    with pytest.raises(PortTakenError, match="during startup"):
        EmulatorProcess(tmp_path, port=taken_port).start()


def test_an_automatic_port_lost_to_a_race_is_replaced(tmp_path: Path, taken_port: int) -> None:
    server = EmulatorProcess(tmp_path)
    server.port = taken_port  # as if another process bound the probed port before the server did
    with server:
        assert server.port != taken_port
        assert server.client().batches.list(limit=1).data == []
