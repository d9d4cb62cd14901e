"""Mailings: planning (``planning``: the fieldwork calendar, mailing plans,
audiences, scheduling) and delivery (``delivery``: outbox, worker, send policy,
transport, bounces). Shared at the root: the models, templates (``composer``),
signed links, errors, dependencies, the route modules and the CLI.

Invariant: every (invitation, mailing) pair is sent at most once; a mail whose
fate is unknown after a crash is reported, never silently resent or dropped.
"""
