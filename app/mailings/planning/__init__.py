"""Mail planning: *what* goes to *whom* *when*.

The fieldwork calendar (sending days, hours, holidays, recesses), mailing plans
(a rule and an audience each), audiences and their sizes, and scheduling,
which enqueues one outbox row per audience member in the same transaction.
Planning never sends and imports nothing from ``app.mailings.delivery``.
"""
