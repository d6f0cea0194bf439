# Two commands: `make run` sets everything up and starts the hotline; `make test` sets up and runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export RASA_TELEMETRY_ENABLED := false

# The Rasa bot runs in its own Python 3.10 venv (rasa 3.6 cannot share the app's environment).
RASA_PYTHON := $(shell p="$$(pyenv prefix 3.10 2>/dev/null)"; if [ -n "$$p" ] && [ -x "$$p/bin/python" ]; then echo "$$p/bin/python"; else command -v python3.10 2>/dev/null; fi)
RASA_VENV := .venv-rasa
RASA_BIN := $(RASA_VENV)/bin
RASA_PORT ?= 5005
RASA_MODEL := bot/models/hotline.tar.gz
BOT_INPUTS := $(shell find bot/data -type f 2>/dev/null) bot/domain.yml bot/config.yml
PY310_HINT := Add Python 3.10 with any of: pyenv install 3.10 | uv python install 3.10 | apt-get install python3.10 (deadsnakes PPA on Ubuntu); then run make again.
WITHOUT_BOT = $(shell sed -n 's/^\([A-Za-z0-9_-]*\):.*/\1/p' Procfile | grep -vx -e rasa -e actions)

.PHONY: translations translations-extract help run test setup browser lock bench clean bot-setup bot-train bot-lock bench-bot nlu-train cluster bench-cluster

# The core's classifier, trained from the shipped corpus (hotline/data/nlu) when it or the training code changes.
# An operator's own model (`flask nlu train FILE.csv`) at the same path is kept.
NLU_MODEL := $(or $(HOTLINE_NLU_MODEL),instance/nlu/model.npz)
NLU_INPUTS := $(wildcard hotline/data/nlu/*.csv) $(wildcard hotline/understanding/*.py) hotline/data/taxonomy.yaml

help:
	@echo "make run    - set up and start the hotline on http://127.0.0.1:$(PORT)"
	@echo "make test   - set up and run the whole test suite"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make cluster - the same code as a small city on this machine: nginx, 2 web hosts, 2 schedulers, 2 Rasa"

$(BIN)/.installed: requirements.lock
	@echo "==> creating $(VENV) from requirements.lock"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

setup: $(BIN)/.installed

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	@echo "==> installing Debian's chromium and CJK fonts for the browser tests"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk >/dev/null

browser: $(CHROMIUM)

# Development secrets, made once per checkout (never committed).
instance/dev.env:
	@mkdir -p instance
	@$(PYTHON) -c "import secrets; print(f'SECRET_KEY={secrets.token_hex(32)}'); print(f'HOTLINE_API_TOKEN=dev-{secrets.token_hex(16)}'); print(f'RASA_TOKEN=dev-{secrets.token_hex(16)}')" > $@
	@echo "==> wrote development secrets to $@"

$(NLU_MODEL): $(BIN)/.installed $(NLU_INPUTS)
	@echo "==> training the classifier from the shipped corpus (about a minute)"
	$(BIN)/flask --app app nlu train --keep-own --model $@
	touch $@

nlu-train: $(NLU_MODEL)

# The web pages' catalogues (<package>/translations/*/LC_MESSAGES/messages.po), compiled for Flask-Babel.
PO_FILES := $(wildcard */translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
%.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null
translations: $(MO_FILES)

# Refresh a package's catalogue from its sources (PKG=console): new ids added, old ones kept as obsolete.
translations-extract: setup
	$(BIN)/pybabel extract -F babel.cfg --no-location -k _l -k lazy_gettext -k _lp:1c,2 -k lazy_pgettext:1c,2 -o /tmp/hotline-$(PKG).pot $(PKG) >/dev/null
	$(BIN)/pybabel update --no-fuzzy-matching -i /tmp/hotline-$(PKG).pot -d $(PKG)/translations -l zh

run: setup instance/dev.env nlu-train translations
	@set -a; source instance/dev.env; set +a; $(BIN)/flask --app app init-db
	@set -a; source instance/dev.env; set +a; $(BIN)/flask --app app seed-demo --if-development
	@echo "==> hotline starting: web http://127.0.0.1:$(PORT)  (API http://127.0.0.1:$(PORT)/api/v1, health http://127.0.0.1:$(PORT)/healthz)"
	@echo "    API token for /api/v1 is in instance/dev.env; Ctrl-C stops every process"
	@if [ -n "$(RASA_PYTHON)" ]; then \
	  $(MAKE) --no-print-directory bot-train && \
	  echo "==> starting the Rasa bot too (rasa on 127.0.0.1:$(RASA_PORT), actions on 127.0.0.1:5055)" && \
	  RASA_URL=http://127.0.0.1:$(RASA_PORT) HOTLINE_WEB_URL=http://127.0.0.1:$(PORT) PORT=$(PORT) \
	    $(BIN)/honcho -e instance/dev.env -f Procfile start; \
	else \
	  echo "==> Python 3.10 not found: the chat and SMS use the built-in dialogue (no Rasa bot). $(PY310_HINT)"; \
	  PORT=$(PORT) $(BIN)/honcho -e instance/dev.env -f Procfile start $(WITHOUT_BOT); \
	fi

test: setup browser bot-train nlu-train translations $(NGINX)
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest $(PYTEST_ARGS)

# The cluster fault test alone (kills hosts, restarts a PostgreSQL server of its own; ≈ 4 min); also in `make test`.
.PHONY: test-faults
test-faults: setup browser bot-train nlu-train $(NGINX)
	$(BIN)/pytest tests/cluster/test_faults.py $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.similar
	$(BIN)/python -m bench.knowledge
	$(BIN)/python -m bench.kpis $(KPIS_BENCH_ARGS)
	$(BIN)/python -m bench.scheduler $(SCHEDULER_BENCH_ARGS)
	$(BIN)/python -m bench.console $(CONSOLE_BENCH_ARGS)
	$(BIN)/python -m bench.nlu
	$(BIN)/python -m bench.slow_clients

$(RASA_BIN)/.installed: bot/requirements.lock
	@if [ -z "$(RASA_PYTHON)" ]; then echo "Python 3.10 is needed for the Rasa bot and was not found. $(PY310_HINT)"; exit 1; fi
	@echo "==> creating $(RASA_VENV) with $(RASA_PYTHON) from bot/requirements.lock (about 2.7 GB, a few minutes)"
	rm -rf $(RASA_VENV) && $(RASA_PYTHON) -m venv $(RASA_VENV)
	$(RASA_BIN)/pip install --quiet --disable-pip-version-check -r bot/requirements.lock
	touch $@

bot-setup: $(RASA_BIN)/.installed

# Rasa's own fingerprinting retrains only what the changed data or config affects (cache in bot/.rasa).
$(RASA_MODEL): $(RASA_BIN)/.installed $(BOT_INPUTS)
	@echo "==> training the bot (about 2 minutes on 2 cores; progress below)"
	cd bot && ../$(RASA_BIN)/rasa train --fixed-model-name hotline --out models
	touch $@

bot-train: $(RASA_MODEL)

# The bot's benchmarks: the classifier beside Rasa's model (bench.nlu --rasa), chat turn latency via the app vs Rasa.
bench-bot: setup bot-train
	$(BIN)/python -m bench.nlu --rasa
	$(BIN)/python -m bench.chat

# Re-pin the bot's environment (Python 3.10) after changing its top-level packages.
bot-lock:
	rm -rf /tmp/hotline-bot-lock && $(RASA_PYTHON) -m venv /tmp/hotline-bot-lock
	/tmp/hotline-bot-lock/bin/pip install --quiet setuptools==70.3.0 rasa==3.6.21 rasa-sdk==3.6.2 jieba==0.42.1
	(echo "# The Rasa service's own environment (Python 3.10): rasa 3.6.21 + rasa-sdk 3.6.2 + jieba, every transitive pin."; \
	 echo "# Regenerate with \`make bot-lock\`. setuptools 70.3.0 is pinned because rasa still imports pkg_resources."; \
	 /tmp/hotline-bot-lock/bin/pip freeze --all | grep -v '^pip==') > bot/requirements.lock

# Re-pin dependencies after editing requirements.in.
lock:
	rm -rf /tmp/hotline-lock && $(PYTHON) -m venv /tmp/hotline-lock
	/tmp/hotline-lock/bin/pip install --quiet -r requirements.in
	/tmp/hotline-lock/bin/pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache

# The terminal phone (tools/phone.py): call or text the running hotline (`make run`) like Twilio would,
# with signed webhooks. PHONE_ARGS="--script steps.txt" plays a script; SMS="查询 2611280012" sends one text.
.PHONY: phone sms dev-twilio-token bench-webhooks
phone: setup dev-twilio-token
	@set -a; source instance/dev.env; set +a; $(BIN)/python -m tools.phone call --url http://127.0.0.1:$(PORT) $(PHONE_ARGS)

sms: setup dev-twilio-token
	@set -a; source instance/dev.env; set +a; $(BIN)/python -m tools.phone sms --url http://127.0.0.1:$(PORT) $(PHONE_ARGS) $(if $(SMS),"$(SMS)")

# Twilio webhooks are always signature-checked; without a Twilio account, a development token signs them.
dev-twilio-token: instance/dev.env
	@grep -q '^TWILIO_AUTH_TOKEN=' instance/dev.env || { \
	  $(PYTHON) -c "import secrets; print(f'TWILIO_AUTH_TOKEN=dev-{secrets.token_hex(16)}')" >> instance/dev.env; \
	  echo "==> added a development TWILIO_AUTH_TOKEN to instance/dev.env (a hotline already running picks it up when restarted)"; }
run: dev-twilio-token

# Rasa is served with --auth-token; a checkout whose dev.env predates the token gets one added.
.PHONY: dev-rasa-token
dev-rasa-token: instance/dev.env
	@grep -q '^RASA_TOKEN=' instance/dev.env || { \
	  $(PYTHON) -c "import secrets; print(f'RASA_TOKEN=dev-{secrets.token_hex(16)}')" >> instance/dev.env; \
	  echo "==> added a development RASA_TOKEN to instance/dev.env"; }
run: dev-rasa-token

# Signed SMS webhooks through gunicorn, loaded by wrk from a second process, beside a constant-TwiML ceiling.
/usr/bin/wrk:
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }

bench-webhooks: setup /usr/bin/wrk
	$(BIN)/python -m bench.webhooks
bench: bench-webhooks

# `make cluster`: the same code as a small city deployment on this machine (README "make cluster"): Debian's
# nginx in front of two web hosts and two Rasa servers, two schedulers, PostgreSQL and Redis as they run here.
NGINX := /usr/sbin/nginx
$(NGINX):
	@echo "==> installing Debian's nginx (the cluster's load balancer)"
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx >/dev/null || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx >/dev/null; }

cluster: setup dev-twilio-token $(NGINX) bot-train
	@set -a; source instance/dev.env; set +a; $(BIN)/python -m deploy.cluster start

# Per-request costs through the cluster's nginx and the capacity model (README "make cluster").
bench-cluster: setup /usr/bin/wrk $(NGINX) bot-train
	$(BIN)/python -m bench.cluster $(CLUSTER_BENCH_ARGS)
bench: bench-cluster
