VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: serve test bench clean fuzz

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/wfmock serve --host $(HOST) --port $(PORT) --api all

# Test files run on 3 workers (pytest-xdist), each file whole on one worker so its servers start once.
TEST_WORKERS ?= 3
test: $(STAMP)
	$(PYTHON) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# The fuzz tests of `make test`, scaled up (FUZZ_EXAMPLES cases in all); prints the counts at the end.
FUZZ_EXAMPLES ?= 100000
fuzz: $(STAMP)
	WFMOCK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PYTHON) -m pytest tests/e2e/test_fuzz.py -q -s

# wfmock vs bare Starlette, WireMock and Prism, in one run (installs wrk, WireMock, Prism when missing);
# prints a table and writes benchmarks/results.json. BENCH_ARGS=--quick for a 2-minute smoke run.
BENCH_ARGS ?=
bench: $(STAMP)
	$(PYTHON) benchmarks/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist src/*.egg-info
