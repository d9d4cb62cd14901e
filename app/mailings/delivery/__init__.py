"""Mail delivery: getting the planned mails out, crash-safely.

The outbox (claims, leases, results), the worker and its pure send policy
(``policy``: may this row go now, when to retry, when to give up, when an
address is undeliverable), the SMTP transport and the embedded catcher, rate
limits, bounces and corrected addresses, unknown fates, test mails, opt-outs.
Delivery reads plans (``app.mailings.planning``); planning never imports it.
"""
