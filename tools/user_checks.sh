#!/usr/bin/env bash
# What users run, the way they run it, after `make test` has filled numba's cache (issue 14).
#
# Every command is a fresh process with a time limit: each scenario example through `wellspread run`
# (one replicate), the programme comparison, `make run` in a quick form, the two experiment examples
# as sweeps on 2 local Dask workers (then report and query on one of them), and a 1,100,000-person
# network run by the Python API in three successive processes in the order that used to crash
# (absolute_threshold, threshold, threshold: tools/cache_crash_repro.py). Any failure, and above all
# a death by a signal (exit 128+N: a segmentation fault is 139), is named with its command; the
# script exits 1 if there was any. Numba's cache is whatever the environment gives (NUMBA_CACHE_DIR
# set or not), as for a user. About 5-8 minutes on 2 cores.
#
#   tools/user_checks.sh            # or: make check-user
#   QUICK=1 tools/user_checks.sh    # skip the million-person runs
set -uo pipefail
cd "$(dirname "$0")/.."
WS=.venv/bin/wellspread
PY=.venv/bin/python
OUT=$(mktemp -d "${TMPDIR:-/tmp}/wellspread-user-checks.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
FAILED=()

check() {  # check SECONDS COMMAND...: run it in a fresh process with a time limit; record how it ended
  local limit=$1
  shift
  local start=$SECONDS rc
  echo "--- $*"
  timeout --kill-after=10 "$limit" "$@"
  rc=$?
  local took=$((SECONDS - start))
  if [ "$rc" -eq 0 ]; then
    echo "    ok (${took} s)"
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && [ "$took" -ge "$limit" ]; then
    FAILED+=("timed out after ${limit} s: $*")
  elif [ "$rc" -ge 128 ]; then
    FAILED+=("killed by SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128))) (exit $rc): $*")
  else
    FAILED+=("exit $rc: $*")
  fi
  [ "$rc" -eq 0 ] || echo "    FAILED (exit $rc after ${took} s)"
}

echo "numba cache: ${NUMBA_CACHE_DIR:-(unset: ~/.cache/wellspread/numba)}/wellspread-<digest of the sources> (networks/_jit_cache.py)"

# every scenario example through the CLI, one replicate each
for scenario in experiments/examples/*.toml; do
  if grep -q '^\[base\]' "$scenario"; then
    continue  # an experiment (a sweep): below
  fi
  check 300 "$WS" run "$scenario" --replicates 1 --out "$OUT/run-$(basename "$scenario" .toml)"
done
check 300 "$WS" compare experiments/examples/deprived_first.toml experiments/examples/everyone.toml \
  --replicates 1 --out "$OUT/programmes"

# `make run` in a quick form
check 300 make run STRATEGIES=random,degree REPLICATES=2 RUN_OUT="$OUT/town"

# the experiment examples as 2-worker sweeps, then what users do with the results
for experiment in experiments/examples/*.toml; do
  if grep -q '^\[base\]' "$experiment"; then
    check 420 "$WS" sweep "$experiment" --workers 2 --out "$OUT/sweep-$(basename "$experiment" .toml)"
  fi
done
check 120 "$WS" report "$OUT/sweep-targeting"
check 60 "$WS" query "$OUT/sweep-targeting" 'select "seeding.strategy", avg("final.activity") from runs group by all'

# a million-person network in three successive processes (the order that crashed before issue 14)
if [ -z "${QUICK:-}" ]; then
  check 900 "$PY" tools/cache_crash_repro.py --keep-cache-env --timeout 280
fi

if [ ${#FAILED[@]} -gt 0 ]; then
  echo
  echo "user checks FAILED:"
  printf '  %s\n' "${FAILED[@]}"
  exit 1
fi
echo
echo "user checks passed"
