#!/usr/bin/env bash
# Builds everything and runs every test project. Ends with one line: "N passed, M failed".
# Exit status is non-zero when anything failed or nothing ran.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

results="$root/.cora/test-results"
rm -rf "$results"
mkdir -p "$results"

# Tools the tests run. Missing ones are installed with apt-get when this runs as root (CI: a
# clean Debian clone, package mirrors only); otherwise a message names the package, and the
# tests that need the tool fail (they never skip).
need_tool() { # need_tool COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing $2 (for $1)" >&2
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2"; } >/dev/null; then
      echo "test.sh: could not install $2; the tests that run $1 will fail" >&2
    fi
  else
    echo "test.sh: $1 is missing; install the Debian package $2 (apt-get install $2, as root)," \
      "or the tests that run it will fail" >&2
  fi
}
need_tool systemd-analyze systemd   # deploy/systemd units (tests/Cora.Cluster.Tests/Deploy)

if ! dotnet build CoRA.sln -c Release --nologo -v q -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test CoRA.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; total=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  total=$((total + $(get total)))
done
# A test that was discovered but not run (skipped, not executed) is a failure too.
not_run=$((total - passed - failed))
failed=$((failed + not_run))

echo "${passed} passed, ${failed} failed"
if [[ $status -ne 0 || $failed -ne 0 || $passed -eq 0 ]]; then exit 1; fi
