#!/usr/bin/env bash
# Regenerate requirements/action.txt, the hash-pinned lock the GitHub Action installs from,
# after changing the dependencies in pyproject.toml (tests/github/test_lock.py fails until then).
#
#   bash requirements/lock.sh
#
# pip-tools' pip-compile resolves pyproject.toml's runtime dependencies plus the build backend
# (build-system.requires: the action builds the project offline with --no-build-isolation) with
# Python 3.11, the action's default, and records the SHA-256 of every file PyPI has for each
# pinned version, so the lock installs on Linux and macOS runners alike. The pip configuration
# of this machine is ignored on purpose: a local mirror or wheel directory would otherwise
# decide which hashes get recorded.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3.11}
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  python=python3
  "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || {
    echo "requirements/lock.sh: needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2
    exit 1
  }
fi
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"$python" -m venv "$tools"
PIP_CONFIG_FILE=/dev/null "$tools/bin/pip" install --quiet --disable-pip-version-check 'pip-tools==7.6.2'
PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="bash requirements/lock.sh" \
  "$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-index-url --no-emit-find-links --build-deps-for=wheel --upgrade \
  --output-file=requirements/action.txt pyproject.toml
echo "requirements/action.txt updated: review the diff, run the tests, commit it"
