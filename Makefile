# Every target works from a fresh clone: it creates .venv and installs the project when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install demo cluster-demo test dev bench lint format clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cluster]'
	touch $@

install: $(INSTALLED)

# make demo FAULTS=data/faults/storm.json: a chaos rehearsal; DEMO_ARGS passes any other option.
demo: $(INSTALLED)
	$(BIN)/python -m jobbatch_dagster.demo $(if $(FAULTS),--faults $(FAULTS)) $(DEMO_ARGS)

# PostgreSQL, S3 (moto), the emulator, the daemon and the UI on loopback; the sample nights through
# the daemon. CLUSTER_ARGS=--keep-running leaves them up.
cluster-demo: $(INSTALLED)
	$(BIN)/python -m jobbatch_dagster.cluster.demo $(CLUSTER_ARGS)

# Tests run in parallel, one worker per core (TEST_WORKERS=0 runs them in this one process);
# worksteal lets an idle worker take queued tests from a busy one, so the long tests do not pile up.
TEST_WORKERS ?= auto
test: $(INSTALLED)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

dev: $(INSTALLED)
	$(BIN)/python -m jobbatch_dagster.dev

bench: $(INSTALLED)
	$(BIN)/python -m benchmarks

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf data/warehouse.duckdb data/warehouse.duckdb.wal data/dagster_home data/emulator data/batches data/incoming
	rm -rf data/cluster
