# Klantgericht Werkt: every command a coach or developer needs. `make help` lists them.
# On a fresh machine `make serve` and `make test` do all set-up themselves.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
LIST_PORT ?= 8001
DATE ?=
N ?= 1000
N_LARGE ?= 10000

.DEFAULT_GOAL := help
.PHONY: help install html check post serve publish deploy test browser-deps newsletter bench clean listserver

help: ## Show this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The project is installed editable as a plain path in a .pth file (editable_mode=compat): the default
# editable finder costs ~10 ms at every Python start (each build, each test subprocess).
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e . --config-settings editable_mode=compat
	@touch $@

install: $(STAMP) ## Create .venv and install the pinned dependencies

html: $(STAMP) ## Check content, build the site and swap it into output/ (a failed build changes nothing)
	$(BIN)/python scripts/build.py

check: $(STAMP) ## Check every post and page; problems as path:line: message
	$(BIN)/python scripts/build.py --check-only

post: $(STAMP) ## Start a draft: make post TITLE="Mijn tip" CATEGORY="Klantbeleving"
	$(BIN)/python scripts/new_post.py --title "$(TITLE)" --category "$(CATEGORY)"

serve: $(STAMP) ## Build, serve on http://localhost:$(PORT) and rebuild + reload on every change
	NEWSLETTER_SERVICE_URL=$${NEWSLETTER_SERVICE_URL:-http://127.0.0.1:$(LIST_PORT)} $(BIN)/python scripts/serve.py --port $(PORT)

publish: $(STAMP) ## Production build into publish/ (PUBLISH_DIR; SITEURL from the settings or the environment)
	$(BIN)/python scripts/publish.py build

deploy: publish ## Upload publish/ with rsync to DEPLOY_RSYNC_TARGET (user@host:/path/ or a folder)
	$(BIN)/python scripts/publish.py upload

browser-deps: ## Install Debian's chromium + chromium-driver (browser tests, previews) and rsync (deploy) when missing
	@missing=""; \
	if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then missing="chromium chromium-driver"; fi; \
	if ! command -v rsync >/dev/null 2>&1; then missing="$$missing rsync"; fi; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "Installing Debian's $$missing with apt-get"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(STAMP) browser-deps ## Run the whole test suite (what CI runs)
	$(BIN)/python -m pytest

clean: ## Remove build output and caches (keeps .venv)
	rm -rf output .output-* publish cache .pytest_cache bench/out

newsletter: $(STAMP) ## Build the newsletter issue for DATE=YYYY-MM-DD (default: the next last Wednesday)
	$(BIN)/python scripts/newsletter.py build $(if $(DATE),--date $(DATE),)

bench: $(STAMP) browser-deps ## Benchmarks vs baselines (N=1000 articles; N_LARGE=10000 for search); writes bench/RESULTS.md
	$(BIN)/python bench/run.py --n $(N) --n-large $(N_LARGE)

# Development only: without NEWSLETTER_UNSUBSCRIBE_SECRET a throw-away secret is used; the VPS gets a real one (deploy/).
listserver: $(STAMP) ## Run the subscriber service on http://127.0.0.1:$(LIST_PORT) (sign-up, confirm, unsubscribe)
	NEWSLETTER_SERVICE_URL=$${NEWSLETTER_SERVICE_URL:-http://127.0.0.1:$(LIST_PORT)} \
	NEWSLETTER_UNSUBSCRIBE_SECRET=$${NEWSLETTER_UNSUBSCRIBE_SECRET:-alleen-voor-ontwikkeling-niet-op-de-server} \
	$(BIN)/python -m coachsite.subscriptions.server --port $(LIST_PORT)
