#!/usr/bin/env bash
# Mutation testing (mutmut 3) of the modules where a mistake passes silently: normalization, the OCR
# gate, bundle loading and the review log. Each target runs in its own copy of the tree under
# ${MUTATION_DIR:-/tmp/banglahate-mutation}, so the working tree is never touched. Not part of CI (minutes
# per target); the README quotes the last report. Needs `pip install mutmut` (3.x).
#
#   nice -n 10 bash scripts/mutation.sh normalize          # one target
#   nice -n 10 bash scripts/mutation.sh all                # every target, one line each
#
# Prints "target: K of N mutants killed (P%)"; K counts killed and timed-out mutants.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=${MUTATION_DIR:-/tmp/banglahate-mutation}
CHILDREN=${MUTATION_CHILDREN:-1}
export OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen
# the copies live outside the checkout: point the real-data fixtures at the shared folder explicitly
export BANGLAHATE_SHARED=${BANGLAHATE_SHARED:-$(cd "$ROOT/.." && pwd)/shared}

declare -A SOURCES=(
  [normalize]="banglahate_gui/text/normalize.py"
  [gate]="banglahate_gui/ocr/reader.py"
  [bundle]="banglahate_gui/model/bundle.py"
  [review]="banglahate_gui/review/log.py"
)
# bundle: the fast manifest/folder tests only; tests/test_model.py and tests/test_bundle_v2.py load real
# (tiny) models end to end, which costs a model build per mutant (hours for a run on two cores).
declare -A TESTS=(
  [normalize]="tests/test_normalize.py"
  [gate]="tests/test_ocr_gate_stubs.py"
  [bundle]="tests/test_bundle_manifest.py"
  [review]="tests/test_review_log.py tests/test_review_session.py"
)

run_target() {
  local name=$1 dir="$WORK/$1" tests="" t
  for t in ${TESTS[$name]}; do [ -f "$t" ] && tests+="${tests:+, }\"$t\""; done
  if [ ! -f "${SOURCES[$name]}" ] || [ -z "$tests" ]; then echo "$name: skipped (${SOURCES[$name]} or its tests missing)"; return; fi
  rm -rf "$dir" && mkdir -p "$dir"
  cp -r banglahate_gui tests pyproject.toml "$dir/"
  find "$dir" -name __pycache__ -prune -exec rm -rf {} +
  cat > "$dir/pyproject.toml.mutmut" <<CFG
[tool.mutmut]
source_paths = ["${SOURCES[$name]}"]
also_copy = ["banglahate_gui/"]
pytest_add_cli_args_test_selection = [$tests]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]
CFG
  python - "$dir" <<'PY'
import sys, pathlib, re
d = pathlib.Path(sys.argv[1])
text = (d / "pyproject.toml").read_text()
text = re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", text)
(d / "pyproject.toml").write_text(text + "\n" + (d / "pyproject.toml.mutmut").read_text())
PY
  (cd "$dir" && mutmut run --max-children "$CHILDREN" > mutmut.log 2>&1 || true
   mutmut export-cicd-stats > /dev/null 2>&1
   python - "$name" <<'PY'
import json, sys
s = json.load(open("mutants/mutmut-cicd-stats.json"))
killed = s["killed"] + s["timeout"]
total = s["total"] - s["skipped"]
print(f"{sys.argv[1]}: {killed} of {total} mutants killed ({100 * killed / max(total, 1):.1f}%); "
      f"survived {s['survived']}, no tests {s['no_tests']}, suspicious {s['suspicious']}")
PY
   mutmut results 2>/dev/null | grep -v "^ *$" | sed "s/^/  /" | head -40 || true)
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(normalize)
[ "${targets[0]}" = all ] && targets=(normalize gate bundle review)
for target in "${targets[@]}"; do
  [ -n "${SOURCES[$target]:-}" ] || { echo "unknown target $target (normalize, gate, bundle, review, all)"; exit 2; }
  run_target "$target"
done
echo "work folders: $WORK (cd there and run 'mutmut show NAME' for a survivor's diff)"
