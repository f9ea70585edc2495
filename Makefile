# The two Quick start commands (`make run`, `make test`) and their helpers; `make bench`
# measures the public pages under load (README, Benchmarks).
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PORT ?= 8000
# A local run is a development run: DEBUG on, SQLite unless DATABASE_URL says otherwise.
LOCAL_ENV := DEBUG=$${DEBUG:-1}

.PHONY: install run test lint format worker messages compile-messages bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(LOCAL_ENV) $(PY) manage.py migrate --no-input
	$(LOCAL_ENV) $(PY) manage.py load_gfmd_data --if-empty
	@echo "Admin login: $(LOCAL_ENV) $(PY) manage.py createsuperuser, then http://127.0.0.1:$(PORT)/admin/"
	$(LOCAL_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(LOCAL_ENV) $(PY) manage.py run_worker

# README, Languages. makemessages needs GNU gettext (xgettext); compiling is pure Python.
messages: install
	$(LOCAL_ENV) $(PY) manage.py makemessages -l fr -l es -e html,txt,py --no-location --no-obsolete \
		--ignore=$(VENV) --ignore=tests --ignore=benchmarks

compile-messages: install
	$(PY) -c 'import pathlib, polib; [polib.pofile(str(po)).save_as_mofile(str(po.with_suffix(".mo"))) for po in pathlib.Path("locale").glob("*/LC_MESSAGES/django.po")]'

bench: install
	$(PY) benchmarks/bench.py $(BENCH_ARGS)
