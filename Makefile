# 企业服务智能导办助手 — `make help` lists every target.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

-include .env
export

# No telemetry, no error reports: nothing leaves this machine.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
export RASA_PORT ?= 5005
export ACTIONS_PORT ?= 5055
export BACKEND_PORT ?= 8000
export BACKEND_URL ?= http://127.0.0.1:$(BACKEND_PORT)
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:$(ACTIONS_PORT)/webhook
export RASA_ENDPOINTS ?= endpoints.yml

BOT_PY := .venv/bin/python
BACKEND_PY := backend/.venv/bin/python
RASA := .venv/bin/rasa
MODEL := models/current.tar.gz

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# ---------------------------------------------------------------- environments
.venv/.installed: requirements.txt
	@test -x .venv/bin/python || "$$(scripts/find_python.sh bot)" -m venv .venv
	.venv/bin/python -m pip install --quiet --upgrade "pip<25"
	.venv/bin/python -m pip install --quiet -r requirements.txt
	@touch $@

backend/.venv/.installed: backend/requirements.txt
	@test -x backend/.venv/bin/python || "$$(scripts/find_python.sh backend)" -m venv backend/.venv
	backend/.venv/bin/python -m pip install --quiet --upgrade pip
	backend/.venv/bin/python -m pip install --quiet -r backend/requirements.txt
	@touch $@

.PHONY: setup
setup: .venv/.installed backend/.venv/.installed ## Create both Python environments (bot: 3.10 + Rasa 3.6; backend: ≥3.11)

.PHONY: env-file
env-file: ## Create .env from .env.example with fresh random secrets (kept if it exists)
	@python3 scripts/make_env.py

# ---------------------------------------------------------------- data and model
.PHONY: generate
generate: .venv/.installed ## Regenerate the jieba dictionary and NLU lookups from knowledge/
	$(BOT_PY) -m bot.generate

.PHONY: knowledge
knowledge: backend/.venv/.installed ## Migrate the database and load knowledge/ (idempotent)
	cd backend && .venv/bin/python -m app.cli setup

.PHONY: knowledge-report
knowledge-report: backend/.venv/.installed ## What knowledge/ needs reviewed (stale, superseded, ending, unverified); fails only on errors
	cd backend && .venv/bin/python -m app.knowledge.report

.PHONY: train
train: .venv/.installed ## Train the model if training data or config changed since the last training
	$(BOT_PY) -m bot.train_if_stale

# ---------------------------------------------------------------- run
.PHONY: run
run: setup env-file knowledge train ## Set up everything needed and run Rasa, the action server, the backend and the outbox
	@mkdir -p .data
	@echo "启动服务（Ctrl-C 全部停止）……"
	.venv/bin/honcho start -f Procfile

# ---------------------------------------------------------------- quality
.PHONY: lint
lint: setup ## ruff lint and format check
	backend/.venv/bin/ruff check .
	backend/.venv/bin/ruff format --check .

.PHONY: format
format: setup ## Apply ruff formatting
	backend/.venv/bin/ruff check --fix .
	backend/.venv/bin/ruff format .

.PHONY: typecheck
typecheck: setup ## mypy on the backend and on the bot code
	cd backend && .venv/bin/mypy
	.venv/bin/mypy

.PHONY: test-backend
test-backend: backend/.venv/.installed ## Backend tests and alembic check (SQLite and the PostgreSQL at TEST_POSTGRES_URL)
	cd backend && DATABASE_URL="sqlite:///$$(mktemp -d)/check.db" .venv/bin/python -m app.cli check-migrations
	cd backend && .venv/bin/python -m pytest

.PHONY: test-bot
test-bot: setup ## Bot-side tests: generated assets, normaliser, actions against a real backend
	$(BOT_PY) -m bot.generate --check
	$(BOT_PY) -m pytest tests --ignore=tests/e2e --ignore=tests/browser

.PHONY: validate
validate: .venv/.installed ## rasa data validate --fail-on-warnings
	$(RASA) data validate --domain domain --fail-on-warnings

.PHONY: test-stories
test-stories: train ## rasa test conversation stories with --fail-on-prediction-errors
	$(RASA) test core --model $(MODEL) --stories tests/conversations --fail-on-prediction-errors --out results/core

.PHONY: test-e2e
test-e2e: setup train ## The three services started for real, spoken to over the REST channel
	$(BOT_PY) -m pytest tests/e2e

.PHONY: test-browser
test-browser: setup ## Pages in a real browser: Playwright driving Debian's Chromium (installed when missing)
	scripts/ensure_browser.sh
	$(BOT_PY) -m pytest tests/browser

.PHONY: test
test: lint typecheck knowledge-report test-backend test-bot validate test-stories test-e2e test-browser ## Everything CI runs

.PHONY: eval
eval: eval-guide eval-appeals ## Understanding and ranking accuracy on the repository's evaluation sets (eval/)

.PHONY: eval-guide
eval-guide: backend/.venv/.installed ## Routing of 办事/事项/政策 questions (eval/guide.yml): top-1 accuracy and the misses
	cd backend && .venv/bin/python -m app.evaluation.guide

.PHONY: eval-appeals
eval-appeals: backend/.venv/.installed ## Appeal classifier on eval/appeals.yml: top-1/top-3 accuracy and the misses
	cd backend && .venv/bin/python -m app.evaluation.appeals

.PHONY: bench bench-backend bench-e2e bench-profile
bench: bench-backend bench-e2e bench-wechat bench-widget ## Print every benchmark's figures (asserts nothing; JSON in results/bench/)

bench-backend: setup knowledge ## Latency of the knowledge API, in process
	cd backend && .venv/bin/python -m app.bench

bench-e2e: setup train ## Three flows over REST at 1 and 8 concurrent users, side by side with a stock rasa init bot
	$(BOT_PY) -m bench

bench-profile: setup train ## py-spy profiles of Rasa, actions and backend under 8 concurrent guide conversations (PROFILE_ARGS=--long: one long conversation)
	$(BOT_PY) -m bench.profile $(PROFILE_ARGS)

.PHONY: bench-wechat
bench-wechat: setup env-file knowledge train ## WeChat figures: 30 users through the signed endpoint (results/bench/wechat.json)
	$(BOT_PY) -m channels.wechat_bench

# ---------------------------------------------------------------- WeChat 公众号
.PHONY: wechat-sim
wechat-sim: setup env-file knowledge train ## Try the 公众号 in a terminal: a simulated WeChat server and API, no account needed
	$(BOT_PY) -m channels.wechat_sim

.PHONY: wechat-menu
wechat-menu: setup ## Validate knowledge/wechat_menu.yml and publish it to the 公众号 (WECHAT_APP_ID/SECRET)
	$(BOT_PY) -m channels.wechat_menu publish

.PHONY: bench-widget
bench-widget: setup ## Widget: transferred size (gzip, target ≤ 30 KB) and first-answer round trip over WebSocket
	$(BOT_PY) scripts/bench_widget.py

.PHONY: clean
clean: ## Remove environments, models, databases and results
	rm -rf .venv backend/.venv models .data results .rasa .pytest_cache .mypy_cache .ruff_cache
