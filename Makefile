# CPNI Track. `make run` starts the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test lint migrate demo clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --url http://$(HOST):$(PORT)/

# Web server and Celery worker (with beat embedded) side by side; Ctrl-C stops both.
run: demo
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A cpnitrack worker --beat --loglevel=info --concurrency=2 & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

# Tests keep their own var/ (SQLite files, filesystem queue) apart from the app's.
test: install
	VAR_DIR=$${VAR_DIR:-$(CURDIR)/var/test} $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf var .pytest_cache
