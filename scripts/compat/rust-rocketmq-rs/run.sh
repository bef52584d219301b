#!/usr/bin/env bash
# usage: ./run.sh MODE [N] [RUNID]   (the harness interface of ../shared/compat)
D="$(cd "$(dirname "$0")" && pwd)"
exec "$D/rocketmq-rs" "$@"
