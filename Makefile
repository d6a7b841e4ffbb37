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

# Brian2 2.9.0 (the last for Python 3.11) needs NumPy < 2: the Brian2 comparison runs in .venv-bench.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q -c constraints.txt -e '.[bench]'
	touch $@

bench: $(STAMP) $(BENCH_VENV)/.installed data
	$(PY) bench/nn_speed.py
	$(PY) bench/encode_speed.py
	$(PY) bench/encode_accuracy.py
	$(PY) bench/predict_memory.py --lines 20000,100000
	$(PY) bench/predict_memory.py --strategy scratch --lines 1000000
	$(BENCH_VENV)/bin/python bench/brain_speed.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache build src/*.egg-info
