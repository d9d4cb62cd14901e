"""Responses: the respondent's way through a questionnaire, and the answers.

Owns the answers and paradata. Never reads contact data: a response is linked to
an invitation (attributes only), not to a name or address.
"""
