#!/usr/bin/env bash
# make bench-inventory: a fresh database, the migrations, then the reservation benchmark
# (crates/inventory/examples/reserve_bench.rs), which also runs pgbench itself.
set -euo pipefail
cd "$(dirname "$0")/../.."

PG=deploy/local/pg.sh
DB=rmbench_inventory
ADMIN_URL="$($PG url postgres)"
BINDIR="$($PG bindir)"
"$BINDIR/psql" -X -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
export DATABASE_URL="$($PG url $DB)"

cargo build --release --bin rigmaster --example reserve_bench -p rigmaster-api -p rigmaster-inventory
target/release/rigmaster migrate
PGBENCH="$BINDIR/pgbench" BENCH_SECONDS="${BENCH_SECONDS:-5}" target/release/examples/reserve_bench
