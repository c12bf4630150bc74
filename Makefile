# The two commands: `make run` serves the portal on the embedded default, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: run test install assets lint format migrations-check worker beat bench bench-claims drill-two-instances loadtest clean code

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

install: $(STAMP) $(NPM_STAMP)

assets: install

run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

worker: install
	$(BIN)/celery -A portal worker --loglevel=info

beat: install
	$(BIN)/celery -A portal beat --loglevel=info

code: install
	@DEBUG=1 $(BIN)/python manage.py demo_code

# The hot pages under load on PostgreSQL at a large plan's sizes (bench/README.md); BENCH_ARGS="--help" lists options.
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The Claims pages' query counts and times at 1,000 and 1,000,000 claims in a TIN (bench/README.md).
bench-claims: install
	$(BIN)/python bench/claims_queries.py $(BENCH_ARGS)

# Two gunicorn instances behind nginx on one PostgreSQL and one Redis: sessions, throttles, lockout,
# decisions and uploads cross instances (bench/two_instances.py); DRILL_ARGS="--help" lists options.
drill-two-instances: install
	$(BIN)/python bench/two_instances.py $(DRILL_ARGS)

# The load drill: 200 people for 60 s on the everyday flows, with locust, against gunicorn with the
# production settings on the large-plan database (bench/README.md). A server error (5xx), a client
# timeout or any unexpected answer fails it. LOADTEST_ARGS="--users 20 --duration 15" for a quick run;
# the whole run is bounded (locust's --run-time, then a hard timeout).
LOADTEST_ARGS ?=
loadtest: install
	timeout 1800 $(BIN)/python bench/loadtest.py $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles var
