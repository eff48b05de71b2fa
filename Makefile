# Dovecote: `make run` for the demo, `make test` for the whole suite. Each step below is a target.
SHELL := /bin/bash
# Debian's own python3.11 when there is one: it is built with profile-guided and link-time optimisation, which a
# pyenv or source build is not by default: template rendering runs about 15-20% faster on it here.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3.11)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SANDBOX_PORT ?= 8089
export DEBUG ?= true
export X_API_BASE_URL ?= http://127.0.0.1:$(SANDBOX_PORT)
export SANDBOX_PORT
BLUESKY_SANDBOX_PORT ?= 8091
MASTODON_SANDBOX_PORT ?= 8092
export BLUESKY_API_BASE_URL ?= http://127.0.0.1:$(BLUESKY_SANDBOX_PORT)
export MASTODON_API_BASE_URL ?= http://127.0.0.1:$(MASTODON_SANDBOX_PORT)
export BLUESKY_SANDBOX_PORT MASTODON_SANDBOX_PORT
# Links in the demo's emails (invitations, reminders) point at the port it serves on.
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test venv dev-venv assets services migrate seed lint migrations-check pytest browser media clean

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
dev-venv: $(VENV)/.installed-dev

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.built: node_modules/.installed bin/build-assets
	bash bin/build-assets
	touch $@

assets: static/vendor/.built

services:
	bin/ensure-services redis

migrate: venv
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py seed_demo

run: venv assets services seed
	-bin/ensure-media
	@$(PY) manage.py demo_banner --port $(PORT)
	PORT=$(PORT) $(VENV)/bin/honcho start

lint: dev-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check: dev-venv
	$(PY) manage.py makemigrations --check --dry-run

browser:
	bin/ensure-browser

# ffprobe (Debian's ffmpeg) checks videos attached to drafts; the tests make videos with ffmpeg.
media:
	bin/ensure-media

pytest: dev-venv assets
	bin/ensure-services postgres redis
	$(VENV)/bin/pytest $(ARGS)

test: dev-venv assets browser media lint migrations-check pytest

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
