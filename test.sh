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

# Tools the tests run, from Debian packages: the PostgreSQL binaries (the PostgreSQL tests start
# their own server, tests/Shared/PostgresServer.cs), systemd-analyze (the deploy/systemd
# checks), Chromium (the dashboard), tzdata (schedules) and a font (report plots). A missing one is installed with apt-get as root or through password-less sudo (CI: a
# clean Debian clone, package mirrors only); otherwise a message names the package, and the tests
# that need it fail (they are never skipped).
install_package() { # install_package DEBIAN-PACKAGE
  local as=() log="$results/install-$1.log"
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      as=(sudo -n)
    else
      echo "test.sh: $1 is missing and cannot be installed (not root, no password-less sudo):" \
        "apt-get install $1; until then the tests that need it fail" >&2
      return 1
    fi
  fi
  local install=("${as[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$1")
  echo "test.sh: installing $1" >&2
  # Without a package list (a fresh machine) the install fails: update once and try again.
  if "${install[@]}" >"$log" 2>&1 || { "${as[@]}" apt-get update >>"$log" 2>&1 && "${install[@]}" >>"$log" 2>&1; }; then
    return 0
  fi
  tail -n 20 "$log" >&2
  echo "test.sh: installing $1 failed (log: $log); the tests that need it will fail" >&2
  return 1
}
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null || install_package postgresql || true
command -v systemd-analyze >/dev/null || install_package systemd || true
# The dashboard test drives Debian's headless Chromium (tests/Cora.Cluster.Tests/Dashboard/).
[[ -x /usr/bin/chromium ]] || install_package chromium || true
# IANA time zones for `cora schedule --tz` (.NET reads /usr/share/zoneinfo; ICU is not used).
[[ -e /usr/share/zoneinfo/Europe/Paris ]] || install_package tzdata || true
# A font for the text of `cora report`'s plots (SkiaSharp finds it under /usr/share/fonts; with
# none, plots render without any text and the plot tests fail).
compgen -G '/usr/share/fonts/truetype/dejavu/DejaVuSans*.ttf' >/dev/null || install_package fonts-dejavu-core || true

if ! dotnet build CoRA.sln -c Release --nologo -v q -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# Screenshots and other files tests leave for a person to look at.
export CORA_TEST_OUTPUT="$results"
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
