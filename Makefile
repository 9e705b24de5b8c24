# CPNI Track. `make run` starts the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install system-packages test-system-packages run prod-local test lint bandit migrate demo clean lock audit bench

# Installs only what the hashed lock file names, each file checked against its hash. No unpinned
# `pip install --upgrade pip` first: the lock pins pip itself (pip-tools needs it), so this
# install moves pip to the locked, hash-checked version too.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed system-packages

# Debian's libraries beside Python: WeasyPrint's (Pango; HarfBuzz's subsetter, without which its
# PDFs are not the same bytes twice; the DejaVu font) and, for the tests, the browser they drive.
# Installed with apt-get when missing and make runs as root; otherwise named, and make stops.
SYSTEM_PACKAGES = libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_SYSTEM_PACKAGES = chromium
define debian_packages
	@command -v dpkg >/dev/null || exit 0; \
	missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "missing Debian packages, install them with: sudo apt-get install" $$missing; exit 1; fi; \
	echo "installing Debian packages:" $$missing; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null
endef
system-packages:
	$(call debian_packages,$(SYSTEM_PACKAGES))
test-system-packages:
	$(call debian_packages,$(TEST_SYSTEM_PACKAGES))

# Lock files: requirements.txt (runtime, the Docker image) from requirements.in, and
# requirements-dev.txt (tests, CI) from requirements-dev.in, which is constrained by
# requirements.txt. Pins already in a lock file are kept; to move one package on, edit its pin
# in the .in file, or run e.g. make lock PIP_COMPILE_ARGS='--upgrade-package celery'.
# Extras are kept (fonttools[woff]==...): a dependency asked for with extras by another package and
# locked without them lets pip, in --require-hashes mode, resolve it anew as soon as a newer
# release is published, and refuse the install.
PIP_COMPILE_ARGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --resolver=backtracking \
	--generate-hashes --allow-unsafe --no-strip-extras --no-emit-index-url --no-emit-find-links $(PIP_COMPILE_ARGS)
lock: install
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

# Known vulnerabilities in the locked versions. Needs network access to the vulnerability
# database (PyPI's by default; add PIP_AUDIT_ARGS='-s osv' for OSV); CI does not run it.
PIP_AUDIT_ARGS ?=
audit: install
	$(BIN)/pip-audit --strict --require-hashes --disable-pip --progress-spinner off $(PIP_AUDIT_ARGS) \
	  -r requirements.txt -r requirements-dev.txt

# Static security checks of the application code (migrations are generated); any finding fails.
bandit: install
	$(BIN)/bandit -q -r cpnitrack records compliance -x records/migrations,compliance/migrations

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --url http://$(HOST):$(PORT)/

# Web server and Celery worker (with beat embedded) side by side; one Ctrl-C stops both within
# seconds. The worker is stopped cold (SIGQUIT): a task cut short is delivered again on the next
# start (acks late), and the jobs resume from their last committed chunk. The trap is removed
# before it signals, so it runs once (a trap that signals its own group runs itself again).
run: demo
	@$(BIN)/celery -A cpnitrack worker --beat --loglevel=info --concurrency=2 & worker=$$!; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload & web=$$!; \
	stop() { trap - INT TERM EXIT; kill -TERM $$web 2>/dev/null; kill -QUIT $$worker 2>/dev/null; wait; }; \
	trap stop INT TERM EXIT; wait $$web

# Tests keep their own var/ (SQLite files, filesystem queue) apart from the app's.
# The production processes (gunicorn, Celery worker, Celery beat; DEBUG off) on this machine's
# PostgreSQL and Redis, with demo data: a rehearsal of docker-compose.yml without Docker.
PROD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cpnitrack
PROD_BROKER_URL ?= redis://127.0.0.1:6379/0
PROD_RATELIMIT_CACHE_URL ?= redis://127.0.0.1:6379/1
prod-local: install
	@export VAR_DIR=$${VAR_DIR:-$(CURDIR)/var/prod-local} DEBUG=false SECURE_TRANSPORT=$${SECURE_TRANSPORT:-false} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-$(HOST),localhost} \
	  DATABASE_URL=$${DATABASE_URL:-$(PROD_DATABASE_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(PROD_BROKER_URL)} \
	  RATELIMIT_CACHE_URL=$${RATELIMIT_CACHE_URL:-$(PROD_RATELIMIT_CACHE_URL)} \
	  SECRET_KEY=$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')}; \
	export AUDIT_SIGNING_KEY_FILE=$${AUDIT_SIGNING_KEY_FILE:-$$VAR_DIR/audit-signing-key.pem}; \
	{ test -n "$$AUDIT_SIGNING_KEY" || test -f "$$AUDIT_SIGNING_KEY_FILE" || $(BIN)/python manage.py audit_key --create "$$AUDIT_SIGNING_KEY_FILE"; } && \
	$(BIN)/python manage.py create_database && \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py collectstatic --noinput -v0 && \
	$(BIN)/python manage.py seed_demo --url http://$(HOST):$(PORT)/ && \
	{ $(BIN)/celery -A cpnitrack worker --loglevel=info & worker=$$!; \
	$(BIN)/celery -A cpnitrack beat --loglevel=info --scheduler django_celery_beat.schedulers:DatabaseScheduler & beat=$$!; \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) & web=$$!; \
	stop() { trap - INT TERM EXIT; kill -TERM $$web $$beat 2>/dev/null; kill -QUIT $$worker 2>/dev/null; wait; }; \
	trap stop INT TERM EXIT; wait $$web; }

test: install test-system-packages
	VAR_DIR=$${VAR_DIR:-$(CURDIR)/var/test} $(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks at a carrier's scale on this machine's PostgreSQL (not part of make test or CI): makes
# its own databases (BENCH_DATABASE_URL, and _tenth/_hundredth/_sql beside it), loads SCALE records,
# measures each figure against its baseline, prints the table and writes bench/results.json.
SCALE ?= 1000000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cpnitrack_bench
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m bench.run --scale $(SCALE) --database $(BENCH_DATABASE_URL) $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf var .pytest_cache
