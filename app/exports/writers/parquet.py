"""Parquet: one row group per chunk, labels and the codebook in the schema metadata.

Every field carries its own metadata (``label``, ``value_labels``,
``missing_codes`` as JSON), and the file carries the whole codebook under the
key ``veldwerk.codebook``, added when the file is closed (the counts are only
known then). Text is kept exactly as given: no formula guard, NUL included.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from app.exports.layout import Layout
from app.exports.variables import Variable

TYPES = {
    "coded": pa.int32(),
    "number": pa.int64(),
    "float": pa.float64(),
    "datetime": pa.timestamp("s"),
    "text": pa.string(),
}


def schema(layout: Layout) -> pa.Schema:
    return pa.schema([_field(v) for v in layout.variables])


def _field(variable: Variable) -> pa.Field[Any]:
    metadata = {
        "label": variable.label,
        "measure": variable.measure,
        "value_labels": json.dumps(
            {str(k): v for k, v in sorted(variable.value_labels().items())},
            ensure_ascii=False,
        ),
        "missing_codes": json.dumps(list(variable.missing)),
    }
    return pa.field(variable.name, TYPES[variable.kind], metadata=metadata)


class ParquetWriter:
    def __init__(self, layout: Layout, path: Path) -> None:
        self.schema = schema(layout)
        self.writer = pq.ParquetWriter(
            str(path), self.schema, compression="zstd", write_statistics=True
        )
        self.count = len(layout.variables)

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        arrays = [
            pa.array(columns[i], type=self.schema.field(i).type)
            for i in range(self.count)
        ]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def close(self, codebook: dict[str, Any]) -> None:
        self.writer.add_key_value_metadata(
            {"veldwerk.codebook": json.dumps(codebook, ensure_ascii=False)}
        )
        self.writer.close()
