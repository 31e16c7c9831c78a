#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, main build, unit and
# pipeline tests, the libFuzzer build and its smoke runs, then the end-to-end
# tests in network namespaces. Every part runs even when an earlier one failed
# (unless it depends on it), so one CI run reports everything at once.
#
#   tools/test.sh [--quick] [--allow-skip] [--skip-setup]
#     --quick       unit and pipeline tests only (no fuzz build, no e2e)
#     --allow-skip  parts that cannot run here (e2e without root) are not failures
#     --skip-setup  do not run tools/setup.sh
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

quick=0 allow_skip=0 run_setup=1
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --allow-skip) allow_skip=1 ;;
    --skip-setup) run_setup=0 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

JOBS=2  # the CI machine has two cores, shared with the tests themselves
LOGDIR=$ROOT/build-logs
mkdir -p "$LOGDIR"
rm -f "$LOGDIR"/*.log

passed=0 failed=0 skipped=0
failures=()

note_failure() { failed=$((failed + 1)); failures+=("$1"); }

step() {
  # step NAME CMD...: runs CMD with its output kept in build-logs/NAME.log and
  # shown on failure, so CI output stays short when everything passes.
  local name=$1; shift
  local log=$LOGDIR/$name.log
  printf '== %s\n' "$name"
  if "$@" >"$log" 2>&1; then
    return 0
  fi
  tail -n 60 "$log"
  printf '== %s FAILED (log: %s)\n' "$name" "${log#"$ROOT"/}"
  return 1
}

# Runs `meson test` and adds its summary to the totals. A suite with no tests
# yet (meson: "No suitable tests defined.") counts as nothing, not a failure.
run_meson_tests() {
  local name=$1 builddir=$2; shift 2
  local log=$LOGDIR/$name.log rc
  printf '== %s\n' "$name"
  meson test -C "$builddir" --logbase "$name" "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  if grep -q '^No suitable tests defined' "$log"; then
    echo "$name: no tests defined"
    return 0
  fi
  local ok xfail fail upass skip tout
  ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  xfail=$(sed -n 's/^Expected Fail: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  upass=$(sed -n 's/^Unexpected Pass: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  skip=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  tout=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
  if [[ -z $ok && -z $fail ]]; then
    # meson itself failed (e.g. a test program did not build): one failure
    note_failure "$name (meson test exited $rc without a summary)"
    return 1
  fi
  passed=$((passed + ${ok:-0} + ${xfail:-0}))
  local bad=$(( ${fail:-0} + ${upass:-0} + ${tout:-0} ))
  # A test that exits 77 is a skip to meson, and 77 is also libFuzzer's default exit code for a
  # finding (the fuzz targets now pass -error_exitcode=1): a skip where nothing may be skipped is a
  # failure.
  if (( allow_skip == 0 )); then
    bad=$(( bad + ${skip:-0} ))
  else
    skipped=$((skipped + ${skip:-0}))
  fi
  failed=$((failed + bad))
  if (( bad > 0 )); then
    failures+=("$name: $bad failed")
  elif (( rc != 0 )); then
    note_failure "$name (meson test exited $rc)"
  fi
  return 0
}

setup_builddir() {
  # setup_builddir DIR [meson options...]: configure, or reconfigure an existing
  # directory; wipe only when reconfiguring fails (e.g. a meson upgrade).
  local dir=$1; shift
  if [[ -f $dir/build.ninja ]]; then
    meson setup --reconfigure "$dir" "$@" || meson setup --wipe "$dir" "$@"
  else
    rm -rf "$dir"
    meson setup "$dir" "$@"
  fi
}

start=$SECONDS

if (( run_setup )); then
  if ! tools/setup.sh; then
    note_failure "setup"
  fi
fi

# ---- main build: unit + pipeline
main_built=0
if step meson-setup setup_builddir build &&
   step build ninja -C build -j "$JOBS"; then
  main_built=1
  run_meson_tests unit-pipeline build --suite unit --suite pipeline \
    --print-errorlogs --num-processes "$JOBS"
else
  note_failure "main build"
fi

# ---- fuzz build: libFuzzer needs clang
if (( quick )); then
  echo "fuzz: skipped (--quick)"
else
  if CC=clang CXX=clang++ step fuzz-setup setup_builddir build-fuzz -Dfuzz=true -Dbench=false &&
     step fuzz-build ninja -C build-fuzz -j "$JOBS"; then
    run_meson_tests fuzz build-fuzz --suite fuzz --print-errorlogs --num-processes "$JOBS"
  else
    note_failure "fuzz build"
  fi
fi

# ---- end to end: namespaces, veth and raw sockets need root
if (( quick )); then
  echo "e2e: skipped (--quick)"
elif (( ! main_built )); then
  echo "e2e: not run (main build failed)"
elif [[ $(id -u) -ne 0 ]]; then
  echo "e2e: skipped (needs root)"
  if (( allow_skip )); then
    skipped=$((skipped + 1))
  else
    note_failure "e2e (needs root)"
  fi
else
  # one at a time: each instance takes both cores and its own namespaces
  run_meson_tests e2e build --suite e2e --print-errorlogs --num-processes 1
fi

echo
echo "logs: ${LOGDIR#"$ROOT"/}/ (step output), build/meson-logs/ and build-fuzz/meson-logs/ (per-test logs)"
echo "time: $((SECONDS - start)) s"
for f in "${failures[@]}"; do
  echo "FAILED: $f"
done
if (( skipped > 0 )); then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
(( failed == 0 ))
