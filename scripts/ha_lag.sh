#!/usr/bin/env bash
# How far an ASYNC_MASTER's slave trails it at a steady load: conf/2m-2s-async broker-a and
# broker-a-s on this machine, mqbench at RATE msg/s of 1 KiB for D seconds, the master's
# haStatus sampled every 100 ms. Prints the lag's p50/p99/max in bytes, and in ms at the
# measured byte rate, and checks at the end that the slave's commit log is a byte-identical
# prefix of the master's.
#   RATE=20000 D=20 scripts/ha_lag.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-20000}
D=${D:-20}
. scripts/ha_common.sh
start_namesrv
start_broker 2m-2s-async broker-a; master=$addr
start_broker 2m-2s-async broker-a-s
sleep 3

"$bin/mqadmin" haStatus -n "$ns" -b "$master" -i 0.1 >"$work/ha.txt" 2>&1 &
sampler=$!
pids+=("$sampler")
"$bin/mqbench" producer -n "$ns" -t HaLag -s 1024 -w 64 -d "$D" --rate "$RATE" | grep '^\[Complete\]'
sleep 1
kill "$sampler"
# The sampler's lines: "#MasterCommitLogMaxOffset <end>", then the slave's row with its Diff.
awk '/^#MasterCommitLogMaxOffset/ { end = $2 } /^127\.0\.0\.1:/ && end > 0 { print end, $3 }' \
  "$work/ha.txt" >"$work/samples"
n=$(wc -l <"$work/samples")
[ "$n" -ge 10 ] || { echo "too few samples ($n)"; exit 1; }
# Bytes a millisecond, from the master's growth over the samples (100 ms apart).
rate=$(awk 'NR == 1 { f = $1 } { l = $1 } END { r = (l - f) / ((NR - 1) * 100); print (r > 0 ? r : 1) }' "$work/samples")
cut -d' ' -f2 "$work/samples" | sort -n | awk -v n="$n" -v rate="$rate" '
  { d[NR] = $1 }
  END {
    p50 = d[int(n * 0.50) + 1]; i = int(n * 0.99) + 1; if (i > n) i = n; p99 = d[i]; mx = d[n]
    printf "replication lag over %d samples: p50 %d B (%.2f ms), p99 %d B (%.2f ms), max %d B (%.2f ms) at %.1f MB/s\n",
      n, p50, p50 / rate, p99, p99 / rate, mx, mx / rate, rate / 1000
  }'

# Quiesced, the slave's log must be the master's, byte for byte.
sleep 1
python3 - "$work/2m-2s-async-broker-a/commitlog" "$work/2m-2s-async-broker-a-s/commitlog" <<'PY'
import os, sys
def log(d):
    return b"".join(open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d)))
m, s = log(sys.argv[1]), log(sys.argv[2])
used = len(m.rstrip(b"\0"))
print(f"commit logs: master {used} bytes used, slave identical prefix: {m[:used] == s[:used]}")
sys.exit(0 if m[:used] == s[:used] else 1)
PY
