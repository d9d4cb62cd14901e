"""Questionnaires: definition files, their versions, routing and text piping.

Owns the file format (``definition.py``), loading with located errors
(``loader.py``), the routing grammar (``expressions.py``), the pure routing engine
(``routing.py``), static checks, version diffs and published versions, and the
question types (``types/``: one file per type, read by responses and exports).
Invariant: a published version is immutable; respondents stay on the version
they started. Routing conditions are a grammar, never Python ``eval``.
"""
