#!/usr/bin/env bash
# Runs every tutorial example against its own embedded name server and broker; each checks
# its outcome and exits non-zero if the pattern did not behave. Then the Spring Boot chapter
# as two applications: the consumer module hosts embedded servers, the producer module sends
# to them, and the consumer stops gracefully on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p rocketmq-examples --examples
fail=0
for ex in quickstart springboot async_producer oneway_producer batch_producer scheduled orderly transaction broadcast filter request_reply; do
  if out="$(NAMESRV_ADDR= timeout 120 "target/release/examples/$ex" 2>&1)"; then
    echo "example $ex PASS"
  else
    # The error, not the backtrace that follows it when RUST_BACKTRACE is set.
    echo "example $ex FAIL"; echo "$out" | sed '/^[Ss]tack backtrace:/,$d' | tail -8; fail=1
  fi
done

port=$((20000 + RANDOM % 20000))
log="$(mktemp)"
ROCKETMQ_EMBEDDED_NAMESRVPORT=$port NO_COLOR=1 RUST_LOG=warn,rocketmq_starter=info \
  target/release/examples/boot_consumer >"$log" 2>&1 &
consumer=$!
count() { grep -c -- "$1" "$log" || true; }
for _ in $(seq 1 100); do [ "$(count 'listener started')" -ge 3 ] && break; sleep 0.1; done
pair=PASS
if ! ROCKETMQ_NAMESERVER=127.0.0.1:$port timeout 60 target/release/examples/boot_producer >/dev/null 2>&1; then
  pair=FAIL; echo "boot_producer failed"
fi
for _ in $(seq 1 300); do
  [ "$(count '\[clustering\] received')" -ge 7 ] && [ "$(count '\[broadcasting\] received')" -ge 7 ] \
    && [ "$(count '\[orders\] received')" -ge 1 ] && break
  sleep 0.1
done
for what in '\[clustering\] received' '\[broadcasting\] received'; do
  [ "$(count "$what")" -eq 7 ] || { pair=FAIL; echo "expected 7 of $what, got $(count "$what")"; }
done
kill -TERM $consumer
if ! wait $consumer; then pair=FAIL; echo "boot_consumer did not exit cleanly on SIGTERM"; fi
[ "$(count 'consumer stopped')" -eq 3 ] || { pair=FAIL; echo "consumers did not stop gracefully"; }
echo "example boot_consumer + boot_producer $pair"
[ "$pair" = PASS ] || { tail -20 "$log"; fail=1; }
rm -f "$log"
exit $fail
