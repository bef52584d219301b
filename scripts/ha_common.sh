# Shared by the replication scripts (ha_bench.sh, ha_lag.sh): a name server and brokers from
# the shipped conf files, on free ports, with their stores in a temp dir removed at exit.
# Source it after `cd` to the checkout; it builds the release binaries.
cargo build --release -q -p rocketmq-broker-server --bins
bin=target/release
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "nothing listens on $1" >&2; exit 1; }

# start_namesrv: sets $ns.
start_namesrv() {
  local port
  port=$(free_port)
  "$bin/mqnamesrv" --listenPort "$port" >"$work/namesrv.log" 2>&1 &
  pids+=($!)
  wait_port "$port"
  ns=127.0.0.1:$port
}

# start_broker <layout> <name>: the shipped file with free ports and a store in $work (the
# broker binary may be swapped with MQBROKER=); sets $started (pid) and $addr.
start_broker() {
  local port ha conf
  port=$(free_port); ha=$(free_port); conf="$work/$1-$2.properties"
  sed -e "s|^listenPort=.*|listenPort=$port|" -e "s|^storePathRootDir=.*|storePathRootDir=$work/$1-$2|" \
    "broker-server/conf/$1/$2.properties" >"$conf"
  printf 'brokerIP1=127.0.0.1\nhaListenPort=%s\n' "$ha" >>"$conf"
  # Extra properties for this start (e.g. metrics_bench.sh's exporter keys).
  if [ -n "${MQBROKER_EXTRA:-}" ]; then printf '%s\n' "$MQBROKER_EXTRA" >>"$conf"; fi
  "${MQBROKER:-$bin/mqbroker}" -n "$ns" -c "$conf" >"$work/$1-$2.log" 2>&1 &
  started=$!
  pids+=("$started")
  wait_port "$port"
  addr=127.0.0.1:$port
}
