"""Notices for respondents: the privacy notice of their wave and the
accessibility statement. Public pages, linked from every respondent page and
mail; they say who asks, what is stored and how long, who sees what, and how
to ask for erasure."""
