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

# Two workers, one per core here: the shipped demo (~10 min) runs in one while the other takes the rest; each test
# folder stays on one worker (tests/conftest.py). TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(VENV)/bin/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope --durations=30

bench: $(STAMP)
	$(VENV)/bin/python bench/suite.py

ui: $(STAMP)
	$(VENV)/bin/factory ui

lint: $(STAMP)
	$(VENV)/bin/python -m compileall -q factory resources assets tests bench

clean:
	rm -rf .factory
