"""Demo: one command that fills an empty platform with a demo wave to look around in.

Orchestrates the other domains through their services; owns no tables.
"""
