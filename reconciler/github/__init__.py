"""GitHub Action support: the pieces the composite action in ``action.yml`` calls.

Kept apart from the reconciler's core so the core never learns about pull requests:
``workflow`` writes the runner's files and commands (outputs, step summary, annotations,
masks), ``event`` reads the triggering event, ``api`` talks to the GitHub REST API (PR
comments, the PR of a merge commit), ``comment`` builds the single marked PR comment and the
plan digest it carries. Orchestration lives in ``reconciler.cli.github``.

Nothing is re-exported here on purpose: ``fota validate -o github`` imports
``reconciler.github.workflow`` and must not pay for importing the HTTP client with it.
"""
