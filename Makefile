VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: serve test bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/wfmock serve --host $(HOST) --port $(PORT) --api all

test: $(STAMP)
	$(PYTHON) -m pytest -q

clean:
	rm -rf $(VENV) build dist src/*.egg-info
