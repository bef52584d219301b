#!/usr/bin/env bash
# What counting for /metrics costs a sender: mqbench sync sends of 1 KiB from 64 workers
# against one broker (conf/2m-noslave/broker-a) with metricsExporterType=PROM and without,
# alternating off/on P times in one run, each on a fresh store. Prints each rate and on/off.
#   D=20 P=3 scripts/metrics_bench.sh      # seconds per measurement, pairs
set -euo pipefail
cd "$(dirname "$0")/.."
D=${D:-20}
. scripts/ha_common.sh
start_namesrv

bench() {
  local line
  line=$("$bin/mqbench" producer -n "$ns" -t "MetricsBench" -s 1024 -w 64 -d "$D" | grep '^\[Complete\]')
  echo "$1: $line" >&2
  sed -E 's/.*Send TPS: ([0-9.]+).*/\1/' <<<"$line"
}

# run <label> <on|off>: a fresh broker, warmed, measured, stopped.
run() {
  rm -rf "$work/2m-noslave-broker-a"
  if [ "$2" = on ]; then
    mport=$(free_port)
    MQBROKER_EXTRA="metricsExporterType=PROM
metricsPromExporterHost=127.0.0.1
metricsPromExporterPort=$mport"
  else
    MQBROKER_EXTRA=""
  fi
  start_broker 2m-noslave broker-a
  sleep 2
  "$bin/mqbench" producer -n "$ns" -t "MetricsBench" -s 1024 -w 8 -d 2 >/dev/null
  rate=$(bench "$1")
  if [ "$2" = on ]; then
    scraped=$(curl -s "http://127.0.0.1:$mport/metrics" | grep -c '^rocketmq_' || true)
    echo "$1: /metrics has $scraped rocketmq_ series" >&2
  fi
  kill "$started"; wait "$started" 2>/dev/null || true
  echo "$rate"
}

# Alternating pairs, so the box's drift during the run falls on both sides.
P=${P:-3}
on_sum=0; off_sum=0; rates=""
for i in $(seq 1 "$P"); do
  # Each pair in the other order than the last, so a trend in the box's speed cancels out.
  if [ $((i % 2)) -eq 1 ]; then
    off=$(run "metrics off ($i)" off)
    on=$(run "metrics on ($i)" on)
  else
    on=$(run "metrics on ($i)" on)
    off=$(run "metrics off ($i)" off)
  fi
  rates="$rates off $off on $on;"
  off_sum=$(awk -v a="$off_sum" -v b="$off" 'BEGIN { print a + b }')
  on_sum=$(awk -v a="$on_sum" -v b="$on" 'BEGIN { print a + b }')
done
awk -v on="$on_sum" -v off="$off_sum" -v r="$rates" 'BEGIN {
  printf "sync 1 KiB x64 (msg/s):%s on/off %.3f\n", r, on / off
}'
