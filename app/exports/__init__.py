"""Exports: labelled response data for analysts (SPSS, Stata, CSV, XLSX, Parquet).

Owns the export layout (one column per asked item, versions kept apart by the
version diff), the missing-value scheme, the weights and the codebook. Reads
responses and invitations read-only (``queries.py``) and never reads contacts:
no names, e-mail addresses, tokens or organisation names, and no test responses.
The same data always gives the same bytes.
"""
