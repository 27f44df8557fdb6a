#!/usr/bin/env bash
# The ordering that crashed before issue 14's fix, N times: the engine tests (the thread-count ones,
# which forced the parallel kernels), then the examples, each a fresh process on the same numba
# cache. Counts the processes that died of a signal (exit >= 128); exits 1 if any did.
#
#   tools/crash_loop.sh [N=20]            # one empty NUMBA_CACHE_DIR, filled by the first round
#   FRESH=1 tools/crash_loop.sh [N]       # an empty cache every round (each round compiles anew)
#   TESTS='-k thread_count' ...           # pytest selection of tests/test_engines.py (default: all)
#   LIGHT=1 ...                           # engine tests in the first round only, no town comparison
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}
PY=.venv/bin/python
WS=.venv/bin/wellspread
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/wellspread-crash-loop.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
export NUMBA_CACHE_DIR="$ROOT/cache"
deaths=0
ran=0

step() {  # step COMMAND...: run it; count a death by a signal
  "$@" >"$ROOT/last.log" 2>&1
  local rc=$?
  ran=$((ran + 1))
  if [ "$rc" -ge 128 ]; then
    deaths=$((deaths + 1))
    echo "round $round: killed by SIG$(kill -l $((rc - 128)) 2>/dev/null) (exit $rc): $*"
    grep -E '^\s+File ' "$ROOT/last.log" | head -5
  elif [ "$rc" -ne 0 ]; then
    echo "round $round: exit $rc: $*"
    tail -5 "$ROOT/last.log"
  fi
}

for round in $(seq "$N"); do
  if [ -n "${FRESH:-}" ]; then
    rm -rf "$NUMBA_CACHE_DIR"
  fi
  if [ -z "${LIGHT:-}" ] || [ "$round" -eq 1 ]; then
    # shellcheck disable=SC2086  # TESTS is a list of pytest arguments
    step "$PY" -m pytest tests/test_engines.py -q -x -p no:cacheprovider ${TESTS:-}
  fi
  step "$WS" run experiments/examples/activity.toml --replicates 1 --out "$ROOT/activity"
  if [ -z "${LIGHT:-}" ]; then
    step "$WS" compare experiments/examples/town.toml --strategies random,degree --replicates 2 --out "$ROOT/town"
  fi
  for rule in absolute_threshold threshold threshold absolute_threshold; do
    step "$PY" -c "
from model import Scenario, simulate
params = {'absolute_threshold': {'k': 2}, 'threshold': {'threshold': 0.1}}['$rule']
simulate(Scenario.model_validate({'seed': 1, 'steps': 60, 'network': {'kind': 'barabasi_albert', 'n': 1000, 'm': 3},
    'behaviours': [{'name': 'x', 'rule': '$rule', **params}], 'seeding': {'strategy': 'degree', 'count': 20}}))"
  done
  echo "round $round done: $ran processes, $deaths deaths by a signal"
done
echo "crash loop: $N rounds, $ran processes, $deaths died of a signal"
[ "$deaths" -eq 0 ]
