# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench data clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Fashion-MNIST comes from Debian's package (root and apt needed, as on CI).
data:
	@dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null) || \
	  echo "warning: could not install dataset-fashion-mnist; its tests will be skipped" >&2

demo: $(STAMP)
	$(VENV)/bin/brainlab demo

test: $(STAMP) data
	$(PY) -m pytest -q -ra

bench: $(STAMP)
	$(PY) -m pip install -q -c constraints.txt -e '.[bench]'
	for script in bench/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info
