# RigMaster Commerce. `make run` and `make test` do all their own set-up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PG := deploy/local/pg.sh
PG_PORT ?= 55432
export RIGMASTER_PG_PORT := $(PG_PORT)
export RIGMASTER_TEST_ADMIN_URL ?= postgres://postgres@127.0.0.1:$(PG_PORT)/postgres
# nextest when installed (one process per test, clear summary), cargo test otherwise.
NEXTEST := $(shell cargo nextest --version >/dev/null 2>&1 && echo yes)

.PHONY: help run run-release test db db-stop db-status build fmt lint clean-data bench bench-inventory docs-ui docs-screenshot \
	api-tools openapi-check fuzz-api pdf-tools invoice-sample

help:
	@echo "make run          set up everything (PostgreSQL, migrations, demo data, simulator) and serve on :8080"
	@echo "make run-release  the same with an optimised build"
	@echo "make test         set up the test database cluster and run every test"
	@echo "make db / db-stop / db-status   the private PostgreSQL cluster under .data/"
	@echo "make lint         rustfmt check and clippy with warnings as errors"
	@echo "make openapi-check  validate the OpenAPI document (3.1; every 4xx/5xx names the ErrorEnvelope)"
	@echo "make fuzz-api     schemathesis against a scratch server, anonymous/customer/admin (FUZZ_SECONDS=600)"
	@echo "make bench        the store under load beside pgbench (release build); writes bench/results/latest.md"
	@echo "make bench-inventory  reservations per second vs pgbench running the same SQL"
	@echo "make docs-ui      fetch the Swagger UI assets that /docs embeds (npm registry, checked by sha512)"
	@echo "make docs-screenshot  render /docs in headless Chromium, offline; check it and write .data/docs.png"
	@echo "make invoice-sample  render a sample tax invoice to .data/invoices/sample.pdf and its first page to sample.png"

db:
	@$(PG) ensure

db-stop:
	@$(PG) stop

db-status:
	@$(PG) status

# Swagger UI for the reference page at /docs: bins/api/build.rs embeds what this fetches, so
# every target below that builds rigmaster fetches it first (once; .data/vendor/ keeps it).
docs-ui:
	@deploy/local/swagger_ui.sh

# /docs rendered by headless Chromium with every host but 127.0.0.1 unresolvable: checks that
# Swagger UI drew the operations of /api/v1/openapi.json, and writes .data/docs.png.
docs-screenshot: docs-ui
	@deploy/local/docs_screenshot.sh

build: docs-ui
	cargo build --bin rigmaster --bin razorpay-sim

run: db build
	@deploy/local/run.sh debug

run-release: db docs-ui
	cargo build --release --bin rigmaster --bin razorpay-sim
	@deploy/local/run.sh release

test: db docs-ui pdf-tools
	@$(PG) sweep-tests
ifeq ($(NEXTEST),yes)
	cargo nextest run --workspace --no-fail-fast
	@# nextest runs no doctests: the client's and the types' examples are compiled and run here.
	cargo test --doc -p rigmaster-client -p rigmaster-api-types
else
	cargo test --workspace --no-fail-fast
endif
	@# run.sh itself: a killed rigmaster comes back beside the same simulator; Ctrl-C stops both.
	cargo build --bin rigmaster --bin razorpay-sim
	deploy/local/run_test.sh

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p rigmaster-api-types -p rigmaster-client

# The Python tools of the two targets below (schemathesis, openapi-spec-validator) in
# .data/venv, at the versions of deploy/local/api-tools-requirements.txt.
api-tools:
	@deploy/local/api_tools.sh

# The OpenAPI document as `rigmaster openapi` prints it (.data/openapi.json): valid
# OpenAPI 3.1, and every 4xx/5xx response of every operation is the error envelope.
openapi-check: api-tools docs-ui
	cargo build --bin rigmaster
	@mkdir -p .data
	target/debug/rigmaster openapi > .data/openapi.json
	.data/venv/bin/openapi-spec-validator --schema 3.1 --validation-errors all .data/openapi.json
	.data/venv/bin/python deploy/local/openapi_errors.py .data/openapi.json

# Schemathesis against a scratch rigmaster, driven by the document it serves: without a
# token, as a customer, as an admin; FUZZ_SECONDS (default 600) split between the three.
# Summary and reports in .data/fuzz/; fails on any failure found.
fuzz-api: db api-tools docs-ui
	@deploy/local/fuzz_api.sh

# Catalog, checkout and purchase rates of a release rigmaster next to pgbench running the
# bare SQL, peak memory, and the no-oversell check, in one run (deploy/bench/run.sh).
bench: db docs-ui
	@deploy/bench/run.sh

# Reservations per second (one hot product; 1,000 products) at 1, 8, 32 and 64 tasks,
# next to pgbench running the bare SQL of the reserve transaction, in one run.
bench-inventory: db docs-ui
	@deploy/bench/inventory.sh

# poppler-utils (pdftotext, pdfinfo, pdftoppm), installed from Debian's packages when missing:
# the invoicing tests read the PDFs they render with them.
pdf-tools:
	@deploy/local/pdf_tools.sh

# A sample tax invoice (crates/invoicing/examples/sample_invoice.rs) as PDF, and its first
# page as PNG, in .data/invoices/.
invoice-sample: pdf-tools
	@mkdir -p .data/invoices
	cargo run -q -p rigmaster-invoicing --example sample_invoice -- .data/invoices/sample.pdf
	pdftoppm -png -r 80 -singlefile -f 1 -l 1 .data/invoices/sample.pdf .data/invoices/sample
	@echo "wrote .data/invoices/sample.pdf and .data/invoices/sample.png"

# Removes the local cluster and its data (stops it first).
clean-data:
	-@$(PG) stop
	rm -rf .data
