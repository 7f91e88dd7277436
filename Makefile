# The two commands of the README. Both create .venv when it is missing or out of date.
VENV ?= .venv
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

.PHONY: install demo test bench ui lint clean

$(STAMP): pyproject.toml constraints/cpu.txt scripts/install.sh
	VENV=$(VENV) bash scripts/install.sh
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/factory demo

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

bench: $(STAMP)
	$(VENV)/bin/python bench/suite.py

ui: $(STAMP)
	$(VENV)/bin/factory ui

lint: $(STAMP)
	$(VENV)/bin/python -m compileall -q factory resources assets tests bench

clean:
	rm -rf .factory
