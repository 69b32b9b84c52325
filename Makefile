# longdep: every result is reproduced by a target here. The first target that needs Python
# creates .venv/ and installs the exact pins of constraints.txt (a no-op once done).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
RUN ?= results/quick
N_JOBS ?= -1
VERIFY_CELLS ?= 2

.PHONY: install test test-fast verify-references run smoke quick report bench bench-search lint clean reproduce reproducibility landmarks

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		--config-settings editable_mode=compat -e ".[test,lint,dask]"
	touch $(STAMP)

test: install  ## everything, the end-to-end runs included (under 5 minutes on 2 idle cores)
	$(PY) -m pytest -n auto

test-fast: install  ## the unit tests only, no end-to-end runs (under a minute)
	$(PY) -m pytest -n auto -m "not slow"

run: install  ## the default benchmark (preset quick) end to end, then its report
	$(PY) -m benchmark run --preset quick --out results/quick --n-jobs $(N_JOBS)
	$(PY) -m benchmark report results/quick

quick: run

smoke: install
	$(PY) -m benchmark run --preset smoke --out results/smoke --n-jobs $(N_JOBS)
	$(PY) -m benchmark report results/smoke

report: install
	$(PY) -m benchmark report $(RUN)

bench: install
	$(PY) -m benchmark.perf.bench --out results/bench

lint: install
	$(PY) -m ruff check benchmark core tasks models tests examples

clean:
	rm -rf results/smoke results/quick results/bench results/search_bench .pytest_cache .ruff_cache

verify-references: install  ## recompute each committed reference's cheapest cells at HEAD, bit for bit
	@status=0; for run in results/reference/*/; do \
		test -f $$run/summary.csv || continue; \
		$(PY) -m benchmark verify $$run --cells $(VERIFY_CELLS) || status=1; \
	done; exit $$status

bench-search: install  ## the horizon search against a fixed grid at its resolution (CPU-seconds)
	$(PY) -m benchmark.perf.search_bench --out results/search_bench

reproducibility: install  ## split half: the zoo on seeds 0-4 and on 5-9; do their horizons overlap? (hours)
	$(PY) -m benchmark run --preset zoo --out results/reference/zoo --n-jobs $(N_JOBS)
	$(PY) -m benchmark run --preset zoo --first-seed 5 --out results/reference/zoo_seeds_5-9 --n-jobs $(N_JOBS)
	$(PY) -m benchmark reproducibility results/reference/zoo results/reference/zoo_seeds_5-9 --out results/reference/zoo_split_half

reproduce: install  ## one committed reference from its preset: make reproduce PRESET=zoo_fixed (resumes from its cells; size it first with --dry-run)
	@test -n "$(PRESET)" || { echo "make reproduce: set PRESET to a preset name (ls benchmark/presets)"; exit 2; }
	$(PY) -m benchmark run --preset $(PRESET) --out results/reference/$(PRESET) --n-jobs $(N_JOBS)
	$(PY) -m benchmark report results/reference/$(PRESET)

landmarks: install  ## coRNN and IndRNN once at their authors' scale on adding, T 100 and 200 (about 1 CPU-hour: 0.92 measured)
	$(PY) -m benchmark run --preset landmark_cornn --out results/reference/landmark_cornn --n-jobs $(N_JOBS)
	$(PY) -m benchmark report results/reference/landmark_cornn
	$(PY) -m benchmark run --preset landmark_indrnn --out results/reference/landmark_indrnn --n-jobs $(N_JOBS)
	$(PY) -m benchmark report results/reference/landmark_indrnn
