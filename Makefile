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

# Fashion-MNIST comes from Debian's package, and the served page is tested in Debian's
# chromium through chromium-driver (root and apt needed, as on CI), and plots draw Chinese
# class names in WenQuanYi Micro Hei (fonts-wqy-microhei). The movie
# sentences (movie-sentences) are in vaderSentiment's source archive, which pip fetches
# from the package registry into $(DATA_DIR); brainlab reads them from there, offline.
# So are the fortunes (fortunes: 26 classes), a Debian package apt downloads unpacked.
DATA_DIR ?= $(or $(BRAINLAB_DATA),$(HOME)/.cache/brainlab/data)
VADER := $(DATA_DIR)/vaderSentiment-3.3.2.tar.gz
FORTUNES := $(DATA_DIR)/fortunes_1.99.1-7.3_all.deb
data: $(STAMP) $(VADER) $(FORTUNES)
	@dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null) || \
	  echo "warning: could not install dataset-fashion-mnist; its tests will be skipped" >&2
	@(dpkg -s chromium >/dev/null 2>&1 && dpkg -s chromium-driver >/dev/null 2>&1) || \
	  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) || \
	  echo "warning: could not install chromium; the web page test will be skipped" >&2
	@dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null) || \
	  echo "warning: could not install a Chinese font; plots would show Chinese class names as boxes" >&2

$(VADER): | $(STAMP)
	mkdir -p $(DATA_DIR)
	$(PY) -m pip download -q --no-deps --no-binary :all: vaderSentiment==3.3.2 -d $(DATA_DIR)

$(FORTUNES):
	mkdir -p $(DATA_DIR)
	@(cd $(DATA_DIR) && (apt-get download -qq fortunes=1:1.99.1-7.3 2>/dev/null || \
	  (apt-get update -qq && apt-get download -qq fortunes=1:1.99.1-7.3)) && \
	  mv 'fortunes_1%3a1.99.1-7.3_all.deb' $(notdir $@)) || \
	  echo "warning: could not download Debian's fortunes; its tests will be skipped" >&2

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

# SetFit, the few-shot peer of the contrastive strategy, in a virtual environment of its own.
SETFIT_VENV := .venv-setfit
$(SETFIT_VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(SETFIT_VENV)
	$(SETFIT_VENV)/bin/python -m pip install -q -c constraints.txt -e '.[fewshot-bench]'
	touch $@

# ONNX Runtime, the int8 peer of serving's precision bench, beside the runtime in .venv.
ONNX_STAMP := $(VENV)/.onnx-installed
$(ONNX_STAMP): $(STAMP)
	$(PY) -m pip install -q -c constraints.txt -e '.[onnx-bench]'
	touch $@

bench: $(STAMP) $(BENCH_VENV)/.installed $(SETFIT_VENV)/.installed $(ONNX_STAMP) data
	$(PY) bench/head_vs_logreg.py
	$(SETFIT_VENV)/bin/python bench/fewshot.py
	$(PY) bench/finetune_speed.py
	$(PY) bench/nn_speed.py
	$(PY) bench/encode_speed.py
	$(PY) bench/encode_accuracy.py
	$(PY) bench/predict_memory.py --lines 20000,100000
	$(PY) bench/predict_memory.py --strategy scratch --lines 1000000
	$(PY) bench/serve_precision.py --onnx
	$(PY) bench/serve_load.py
	$(PY) bench/ddp.py
	$(PY) bench/e5_rebuild.py
	$(PY) bench/label_names.py
	$(BENCH_VENV)/bin/python bench/brain_speed.py
	$(BENCH_VENV)/bin/python bench/snn_speed.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(SETFIT_VENV) .pytest_cache build src/*.egg-info
