"""The yaml-language-server the editor tests drive: installed from npm by the test itself.

The first test that needs it runs `npm ci` on tests/editor/package.json and its lock into
.cache/editor-tests/ (or $FOTA_EDITOR_TESTS_DIR), the way tests/npm_ci.py installs every node
package a test drives: no npm, or an install that fails, FAILS the tests; only
FOTA_SKIP_EDITOR_TESTS=1 (an explicit opt-out, reported as a skip) lets them not run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.npm_ci import npm_ci

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OPT_OUT = "FOTA_SKIP_EDITOR_TESTS"


@pytest.fixture(scope="session")
def yaml_language_server() -> list[str]:
    """The command that starts yaml-language-server on stdio."""
    server = "node_modules/yaml-language-server/bin/yaml-language-server"
    installed = npm_ci(HERE, "editor-tests", OPT_OUT, server)
    return [installed.node, str(installed.target / server), "--stdio"]
