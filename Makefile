# The two commands a newcomer needs: `make run` and `make test`.
# Each sets up what is missing first (.venv with pinned Python packages, the pinned Mockoon CLI).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYSTAMP := $(VENV)/.installed
NODESTAMP := mockoon/node_modules/.installed

.PHONY: setup sandbox-setup run test lint bench docs clean-venv package package-test install-desktop

setup: $(PYSTAMP) $(NODESTAMP) sandbox-setup

# The backtest sandboxes' Debian packages and image (sandbox/setup.sh); quick when present.
sandbox-setup:
	sandbox/setup.sh deps image

$(PYSTAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

$(NODESTAMP): mockoon/package.json mockoon/package-lock.json
	cd mockoon && npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	$(VENV)/bin/harness  # the window; without a display, the headless feed (harness up --agent)

test: setup
	$(VENV)/bin/python -m pytest -q

lint: setup
	$(VENV)/bin/ruff check engine app tests bench mockoon/scripts

bench: setup
	$(PY) bench/startup.py

# docs/benchmarks.md from the benches' saved figures (each bench: --save); make test checks it.
docs: $(PYSTAMP)
	$(PY) bench/render_docs.py

# The double-click bundle (packaging/README.md): dist/harness/, one folder. CPU-heavy: niced.
# `make package ONEFILE=1` builds the one-file variant dist/onefile/harness instead.
package: setup
	nice -n 10 $(VENV)/bin/pyinstaller --noconfirm --log-level WARN \
		--distpath $(if $(ONEFILE),dist/onefile,dist) --workpath build/pyinstaller$(if $(ONEFILE),-onefile) \
		packaging/harness.spec $(if $(ONEFILE),-- --onefile)

package-test: package
	$(PY) packaging/smoke_test.py

install-desktop: package
	packaging/linux/install-desktop.sh
