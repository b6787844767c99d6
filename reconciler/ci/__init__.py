"""The team workflow on GitHub: pull-request plan comments, applying what was reviewed, drift issues.

Modules, each owning one thing (none of them changes the engine's decisions):

- ``actions``       the GitHub Actions environment (``GITHUB_*``): repository, pull request, run URL,
                    job summary and step outputs
- ``github``        a small GitHub REST client over ``providers.http.HttpClient`` (token redacted)
- ``comment``       the sticky pull-request plan comment: hidden marker, size limits, labels
- ``review``        what a reviewer saw (``plan.fingerprints.json``) compared with a fresh plan
- ``ack``           ``drift-ack.yaml``: accepted drift, with reasons and expiry dates
- ``triage``        drift sorted into alarms, acknowledged, expired and info (pure)
- ``drift_report``  the triaged report as text, markdown and JSON (pure)
- ``drift_issue``   one GitHub issue that opens, follows and closes with the drift
- ``webhook``       a Slack-compatible message about the drift
"""
