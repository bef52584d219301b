#!/usr/bin/env bash
# What replication costs a sender: mqbench sync sends of 1 KiB from 64 workers, one at a time
# and in batches of 32, against a lone ASYNC_MASTER (conf/2m-noslave/broker-a) and then a
# SYNC_MASTER with its slave (conf/2m-2s-sync/broker-a + broker-a-s), all on this machine, in
# one run. Prints each rate and the pair's share of the lone master's.
#   D=20 scripts/ha_bench.sh                  # seconds per measurement
#   MQBROKER=/tmp/old/mqbroker scripts/ha_bench.sh   # another build of the broker (A/B)
set -euo pipefail
cd "$(dirname "$0")/.."
D=${D:-20}
. scripts/ha_common.sh
start_namesrv

# bench <label> <extra mqbench flags…>: prints the sends per second of the run.
bench() {
  local label=$1; shift
  local line
  line=$("$bin/mqbench" producer -n "$ns" -t "HaBench" -s 1024 -w 64 -d "$D" "$@" | grep '^\[Complete\]')
  echo "$label: $line" >&2
  sed -E 's/.*Send TPS: ([0-9.]+).*/\1/' <<<"$line"
}

warm() { "$bin/mqbench" producer -n "$ns" -t "HaBench" -s 1024 -w 8 -d 2 >/dev/null; }

start_broker 2m-noslave broker-a
lone=$started
sleep 2; warm
lone_sync=$(bench "lone ASYNC_MASTER, sync" )
lone_batch=$(bench "lone ASYNC_MASTER, batches of 32" -b 32)
kill "$lone"; wait "$lone" 2>/dev/null || true

start_broker 2m-2s-sync broker-a
start_broker 2m-2s-sync broker-a-s
# Until the slave has connected, a SYNC_MASTER answers SLAVE_NOT_AVAILABLE: warm up past that.
sleep 4; warm
pair_sync=$(bench "SYNC_MASTER + slave, sync")
pair_batch=$(bench "SYNC_MASTER + slave, batches of 32" -b 32)

awk -v a="$pair_sync" -v b="$lone_sync" -v c="$pair_batch" -v d="$lone_batch" 'BEGIN {
  printf "sync 1 KiB x64:        SYNC_MASTER pair %.0f/s, lone ASYNC_MASTER %.0f/s, ratio %.2f\n", a, b, a / b
  printf "batched x32 1 KiB x64: SYNC_MASTER pair %.0f/s, lone ASYNC_MASTER %.0f/s, ratio %.2f\n", c, d, c / d
}'
