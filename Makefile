# `make serve` and `make test` set everything up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= $(or $(ASSISTANT_HOST),127.0.0.1)
PORT   ?= $(or $(ASSISTANT_PORT),8000)

.PHONY: install index serve test screenshots bench fuzz load eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch must be the local CPU build, installed before sentence-transformers: any other
# version pulls gigabytes of CUDA packages.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[st,dev]'
	touch $(STAMP)

install: $(STAMP)

index: $(STAMP)
	$(BIN)/assistant index build --if-needed

serve: index
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	@# The browser test drives Debian's chromium through its matching chromedriver; without them it skips.
	@[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { S=$$([ "$$(id -u)" -eq 0 ] || echo "sudo -n"); \
	  $$S apt-get update -qq && $$S env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } \
	  || echo "chromium/chromium-driver not installed: tests/test_web.py will be skipped"
	$(BIN)/python -m pytest -q

# The browser tests again, this time leaving their screenshots in eval/reports/ (chat, phone, reader, API docs).
screenshots: $(STAMP)
	@[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { S=$$([ "$$(id -u)" -eq 0 ] || echo "sudo -n"); \
	  $$S apt-get update -qq && $$S env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }
	WEB_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_web.py

eval: index
	$(BIN)/assistant eval --questions eval/dev_questions_000.jsonl eval/dev_questions_002.jsonl eval/questions_added.jsonl

bench: index
	$(BIN)/python bench/bench.py

fuzz: index
	FUZZ_EXAMPLES=3000 $(BIN)/python -m pytest -q tests/test_fuzz.py

load: index
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) data .pytest_cache
