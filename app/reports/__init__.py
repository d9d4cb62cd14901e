"""Report tables: the monitor's published tables computed from a wave's export.

This domain owns table definitions (``reports/<questionnaire>/<edition>.yaml``),
the pure computation of weighted shares, small cells, disclosure control and
significance marks over an export frame, the earlier editions' published series
(``reference/``), and writers for CSV/XLSX. It reads answers only through the
exports domain's service; presentation (pages, charts, factsheets) builds on
:mod:`app.reports.model`.
"""
