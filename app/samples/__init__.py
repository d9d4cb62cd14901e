"""Samples: waves, address files (frames), sampling designs, invitations and tokens.

Owns contact data (names, e-mail addresses), which lives apart from answers and
can be purged after fieldwork, and the invitation's state: only this domain
writes ``invitations`` (others call its service). Invariant: one invitation per
sampled person per questionnaire; a token is never stored in a form that opens
a survey.
"""
