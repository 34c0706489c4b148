"""A real pipeline per test: the project's definitions over temporary folders, a real Dagster
instance, and a private emulator the engine reaches through the SDK's own environment variables."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse import ensure_schema
from tests.pipeline.nights import Pipeline, persistent_instance, shipped_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shipped configuration over temporary folders."""
    return shipped_settings(tmp_path)


@pytest.fixture(scope="session")
def dagster_home_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Dagster home from the project's dagster.yaml whose SQLite storage is created once per
    session (per xdist worker): a copy opens in a tenth of a second, where a new home spends
    seconds creating its schema."""
    home = tmp_path_factory.mktemp("dagster-home-template") / "home"
    with persistent_instance(home):
        pass
    return home


# Where the persistent instances' SQLite files go when the machine has a RAM disk: the instance
# commits every event (a few hundred a night), and on a disk each commit waits for an fsync,
# which made these nights several seconds slower each.
RAM_DISK = Path("/dev/shm")


@pytest.fixture
def pooled_instances(
    dagster_home_template: Path, tmp_path: Path
) -> Iterator[Callable[[str], dg.DagsterInstance]]:
    """Opens persistent instances, each in a fresh copy of the template home (the name is its
    folder) in a folder of this test's own, as `make dev` runs on: the `duckdb` pool's one slot
    and run monitoring in force. All are closed, and their folder removed, when the test ends."""
    root = Path(tempfile.mkdtemp(dir=RAM_DISK)) if RAM_DISK.is_dir() else tmp_path
    with ExitStack() as stack:
        if root != tmp_path:
            stack.callback(shutil.rmtree, root, ignore_errors=True)

        def open_instance(name: str) -> dg.DagsterInstance:
            home = shutil.copytree(dagster_home_template, root / name)
            return stack.enter_context(persistent_instance(home))

        yield open_instance


@pytest.fixture
def dagster_instance(request: pytest.FixtureRequest) -> Iterator[dg.DagsterInstance]:
    """The instance a test's `pipeline` runs on: ephemeral (in memory, the quickest), or, for a
    test marked ``pooled_instance``, a persistent one (see ``pooled_instances``)."""
    if request.node.get_closest_marker("pooled_instance") is None:
        with dg.DagsterInstance.ephemeral() as instance:
            yield instance
    else:
        yield request.getfixturevalue("pooled_instances")("dagster_home")


@pytest.fixture
def pipeline(
    settings: Settings,
    fresh_emulator: EmulatorProcess,
    dagster_instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
) -> Pipeline:
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
    return Pipeline(settings, build_defs(settings), dagster_instance, fresh_emulator)


@pytest.fixture
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the settings' warehouse, every table in place."""
    connection = duckdb.connect(str(settings.warehouse_path))
    ensure_schema(connection)
    yield connection
    connection.close()
