"""Cross-domain use cases: the one visible place where several domains meet.

A domain package (questionnaires, samples, mailings, responses, monitoring,
exports, reports, reviews, notices, staff) knows its own tables and calls no
other domain's internals. A use case that needs several of them — publishing
a questionnaire into a wave, purging a wave's traces, a test run, the
background worker's duties — lives here as a flow that calls each domain's
service API, so the dependency runs one way: flows → domains, never back
(checked by import-linter, see ``[tool.importlinter]`` in pyproject.toml).
"""
