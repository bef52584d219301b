#!/usr/bin/env bash
# Runs every tutorial example against its own embedded name server and broker; each checks
# its outcome and exits non-zero if the pattern did not behave.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p rocketmq-examples --examples
fail=0
for ex in quickstart async_producer oneway_producer batch_producer scheduled orderly transaction broadcast filter request_reply; do
  if out="$(NAMESRV_ADDR= timeout 120 "target/release/examples/$ex" 2>&1)"; then
    echo "example $ex PASS"
  else
    echo "example $ex FAIL"; echo "$out" | tail -5; fail=1
  fi
done
exit $fail
