#!/usr/bin/env bash
# make test-under-load: `make test` RUNS times in a row (default 5) while HOGS busy-loop
# processes (default: one per core) keep every core busy. The hogs are this script's own
# children, each bounded by HOG_MAX_SECONDS, and are stopped by PID when it ends; on Ctrl-C or
# SIGTERM the run in progress (its own process group) is stopped too. It stops at the first
# red run. Each run's commit, counts and duration go to LOG.
set -uo pipefail
RUNS=${RUNS:-5}
HOGS=${HOGS:-$(nproc)}
HOG_MAX_SECONDS=${HOG_MAX_SECONDS:-14400}
LOG=${LOG:-/tmp/officepass-test-under-load.log}
MAKE_ARGS=("TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}")

hogs=()
run_pid=""
stop_all() {
    if [ -n "$run_pid" ]; then
        kill -TERM -- "-$run_pid" 2>/dev/null
        echo "$(date -u +%FT%TZ) run interrupted" >>"$LOG"
    fi
    for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null; done
    hogs=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

for _ in $(seq "$HOGS"); do
    timeout "$HOG_MAX_SECONDS" python3 -c 'while True: pass' &
    hogs+=("$!")
done
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo +changes)
echo "$(date -u +%FT%TZ) $HOGS CPU hogs (pids ${hogs[*]}), $RUNS runs of make test at $commit" |
    tee -a "$LOG"

for run in $(seq "$RUNS"); do
    out=$(mktemp /tmp/officepass-under-load-run.XXXXXX)
    started=$(date +%s)
    # In a process group of its own, so an interrupted run is stopped whole.
    setsid "${MAKE:-make}" test "${MAKE_ARGS[@]}" >"$out" 2>&1 &
    run_pid=$!
    wait "$run_pid"
    code=$?
    run_pid=""
    seconds=$(($(date +%s) - started))
    counts=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed).* in ' "$out" | tr -d '=' |
        sed 's/^ *//' | paste -sd ';' -)
    echo "$(date -u +%FT%TZ) run $run/$RUNS: exit $code in ${seconds}s: $counts (output $out)" |
        tee -a "$LOG"
    if [ "$code" -ne 0 ]; then
        grep -E '^(FAILED|ERROR) tests/' "$out" | tee -a "$LOG"
        exit "$code"
    fi
done
echo "$(date -u +%FT%TZ) $RUNS runs green under load" | tee -a "$LOG"
