"""Mailings: the fieldwork calendar, mailing plans, templates, outbox and worker.

Invariant: every (invitation, mailing) pair is sent at most once; a mail whose
fate is unknown after a crash is reported, never silently resent or dropped.
"""
