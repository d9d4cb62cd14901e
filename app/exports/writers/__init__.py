"""Format writers: pure, file- or stream-level, fed with chunks of encoded rows.

Each writer takes the layout, receives ``write(rows)`` calls in row order and a
final ``close(codebook)``. None of them knows about databases or requests.
"""
