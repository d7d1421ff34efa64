# Daylight: `make run` serves the portal, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
APP_PORT ?= 8501
IDP_PORT ?= 9400
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run test bench sample chromium haproxy libseccomp clean

$(VENV)/.runtime: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.test: requirements-test.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

data/manifest.json: | $(VENV)/.runtime
	$(PY) -m sample_data --out data

sample: data/manifest.json

# The console's sandbox loads libseccomp through ctypes; Debian ships it with apt, but a slim image may not.
libseccomp:
	@ldconfig -p | grep -q 'libseccomp\.so\.2' || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends libseccomp2 >/dev/null; }

run: $(VENV)/.runtime libseccomp data/manifest.json
	PYTHONPATH=. $(PY) -m devtools.run --data data --app-port $(APP_PORT) --idp-port $(IDP_PORT)

chromium:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; }

# The load case's smoke runs two portal processes behind HAProxy, as a deployment past one process would.
haproxy:
	@test -x /usr/sbin/haproxy || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends haproxy >/dev/null; }

# axe-core, the accessibility checker the browser tests inject into each page (pinned, hash-checked, from npm's registry).
.artifacts/axe.min.js: devtools/axe.py | $(VENV)/.runtime
	$(PY) -m devtools.axe $@

test: $(VENV)/.test chromium haproxy libseccomp .artifacts/axe.min.js
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder

# The load case drives Debian's Chromium with Playwright, as the browser tests do.
bench: $(VENV)/.test chromium haproxy libseccomp
	PYTHONPATH=. $(PY) -m bench

clean:
	rm -rf $(VENV) data state .run .pytest_cache .artifacts
