# The portal's two commands are `make run` and `make test`; both start with `make setup`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# Production-like settings for `check --deploy` (nothing here is used to serve).
DEPLOY_ENV := DEBUG=false SECRET_KEY=deploy-check-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') ALLOWED_HOSTS=portal.example.org
PYTEST_WORKERS ?= auto

.PHONY: setup run test lint messages system-packages
.PHONY: deploy-packages prod-check backup restore

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

.env:
	@echo "Writing a local .env (DEBUG on, a generated secret key)"
	@printf 'DEBUG=on\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env

# Debian packages the portal needs: gettext's tools compile the catalogues; pango,
# harfbuzz and a font let WeasyPrint draw the PDF reports. Installed when missing.
DEBIAN_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# Chromium drives the browser tests (tests/e2e) through Playwright.
DEBIAN_PACKAGES += chromium
system-packages:
	@missing="$$(for package in $(DEBIAN_PACKAGES); do dpkg -s $$package >/dev/null 2>&1 || echo $$package; done)"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing $$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

setup: $(VENV)/.installed .env system-packages
	$(MANAGE) prepare_services
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) compilemessages --ignore=.venv --ignore='*/site-packages/*' -v 0
	$(MANAGE) collectstatic --noinput -v 0

run: setup
	$(MANAGE) seed_demo
	@bash scripts/run.sh

lint:
	$(VENV)/bin/ruff check .

messages:
	$(MANAGE) makemessages -l it --no-obsolete --ignore='static/*' --ignore='staticfiles/*' --ignore='tests/*' --ignore='bench/*' --ignore='var/*'

test: setup deploy-packages
	$(VENV)/bin/ruff check .
	$(MANAGE) makemigrations --check --dry-run
	$(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING
	$(MANAGE) check_catalogue --locale it
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(if $(CI),--create-db,--reuse-db) -m "not e2e"
	$(VENV)/bin/pytest tests/e2e -n 0 $(if $(CI),--create-db,--reuse-db)
	$(PY) deploy/prod_check.py

# Debian packages the production stack needs beyond the portal's own: nginx in front of
# gunicorn, openssl for prod-check's certificate, pg_dump/pg_restore for backups, and
# systemd-analyze, which checks the units in deploy/systemd (already there on most Debian systems).
# PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) build the streaming replica that
# tests/deploy/test_replica_streaming.py serves the dashboard from.
DEPLOY_DEBIAN_PACKAGES := nginx openssl postgresql-client postgresql systemd
deploy-packages:
	@missing="$$(for package in $(DEPLOY_DEBIAN_PACKAGES); do dpkg -s $$package >/dev/null 2>&1 || echo $$package; done)"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing $$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

# The whole production stack on loopback (nginx with TLS, gunicorn, two Celery workers,
# beat) against a database and Redis queues of its own, checked as a user would, then stopped.
prod-check: setup deploy-packages
	$(PY) deploy/prod_check.py

# A backup folder under var/backups (the database in pg_dump's format and the protected files);
# make backup KEEP=14 keeps the newest 14 there and removes the older ones.
backup: setup deploy-packages
	$(MANAGE) backup $(if $(KEEP),--keep $(KEEP),)

# make restore BACKUP=var/backups/<folder> DATABASE=<name> [FORCE=1]
restore: setup deploy-packages
	$(MANAGE) restore $(BACKUP) --database $(DATABASE) $(if $(FORCE),--force,)
