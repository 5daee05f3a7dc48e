"""The GitHub Action: each step of ``action.yml``, and what GitHub-specific those steps need.

Its one job is the pull-request workflow around plan and apply, kept apart from the reconciler
so the core never learns about pull requests. It calls the plans and applier APIs directly and
reports from the typed ``Plan``; it never re-reads text rendered for people (the one thing read
back is the plan comment's hidden SHA-256 line, the record of what was reviewed). The steps:
``prepare`` (mask secrets, decide what the job does), ``validation``, ``planning`` (the plan
and drift steps), ``posting`` (the comment step), ``applying`` (apply only the reviewed plan).
What they share: ``inputs`` (the action's inputs), ``event`` (the triggering event),
``baseline`` (which commit's specs are the baseline), ``plan_summary`` (counts, refusals and
the plan's SHA-256), ``comment`` (the marked PR comments), ``masking`` (the secrets, hidden
with ``reconciler.redaction``), ``workflow`` (outputs, summary, annotations) and ``api`` (the
GitHub REST calls). ``reconciler.cli.github`` only reads the environment and connects.

Nothing is re-exported here on purpose: ``fota validate -o github`` imports
``reconciler.github.workflow`` and must not pay for importing the HTTP client with it.
"""
