"""Monitoring: live response figures per tier, function, address kind and panel.

Owns the fieldwork monitor, reference counts of earlier editions, the AAPOR
rates and the tallies' triggers. Reads invitations, never writes them (the
samples domain owns their status, disposition facts and eligibility). Never
shows who responded, and never counts row by row in Python: triggers keep
tallies per group and state exact, and every page is derived from those few
hundred rows.
"""
