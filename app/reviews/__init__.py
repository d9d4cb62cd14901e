"""Reviews: reviewer links for a draft or version, and the comments reviewers leave.

A government questionnaire goes through review rounds with the client before
fielding. A researcher hands a reviewer (no account) an expiring, revocable
link; the reviewer walks the questionnaire as a test respondent on the route of
the sample attributes they choose, and leaves a comment per question. The
researcher sees the comments per question and file line, marks them resolved,
and open comments stay visible on the next draft wherever the question id
stays. This domain owns the review tables; a walk is a test run (samples and
responses), so starting one and commenting from it are a flow
(``app/flows/review_walks.py``).
"""
