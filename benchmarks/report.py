"""Report tables benchmark: every shipped table over 100,000 officials responses.

    PYTHONPATH=. python benchmarks/report.py              # 100,000 responses
    PYTHONPATH=. python benchmarks/report.py --rows 10000

Builds a synthetic export of questionnaires/officials/2024.yaml in process:
2,000 distinct respondents walk the routing engine (``app.demo.simulate``)
and are reused with random tiers, functions and weights up to ``--rows``.
The bare export of the same rows is the export's own encoder
(``app.exports.encode.Encoder``: routing-aware missing codes, derived values)
turning the records into rows and then a DataFrame, as ``app.exports.frames``
does; the tables are ``app.reports.compute`` over that frame. Seconds (plain
run) and peak Python memory (tracemalloc, a second run) of both are printed;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from pathlib import Path

import pandas as pd

from app.demo.simulate import walk
from app.exports.encode import Encoder, ResponseRecord, fixed_variables
from app.exports.layout import build_layout
from app.questionnaires import loader
from app.reports import compute, reference
from app.reports.catalog import catalog_from_layout
from app.reports.loader import parse

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = [
    ("gemeente", "burgemeester", "voorzitter", 7),
    ("gemeente", "wethouder", "dagelijks_bestuur", 24),
    ("gemeente", "raadslid", "volksvertegenwoordiger", 42),
    ("provincie", "cdk", "voorzitter", 1),
    ("provincie", "gedeputeerde", "dagelijks_bestuur", 1),
    ("provincie", "statenlid", "volksvertegenwoordiger", 10),
    ("waterschap", "dijkgraaf", "voorzitter", 1),
    ("waterschap", "lid_db", "dagelijks_bestuur", 3),
    ("waterschap", "lid_ab", "volksvertegenwoordiger", 11),
]


def records(rows: int, seed: int = 11) -> tuple[object, list[ResponseRecord]]:
    cq = loader.load_questionnaire(ROOT / "questionnaires/officials/2024.yaml")
    layout = build_layout([cq], fixed=fixed_variables(["2024"], weight_label="weight"))
    rng = random.Random(seed)
    weights = [f[3] for f in FUNCTIONS]
    walks = []
    for _ in range(2000):
        tier, function, ftype, _ = rng.choices(FUNCTIONS, weights)[0]
        attributes = {"tier": tier, "function": function, "function_type": ftype}
        walks.append((attributes, walk(cq, attributes, rng, skip_rate=0.05)))
    out = []
    for i in range(rows):
        attributes, log = walks[i % len(walks)]
        out.append(
            ResponseRecord(
                i + 1,
                0,
                "complete",
                log.answers,
                log.submitted,
                None,
                None,
                attributes,
            )
        )
    return layout, out


def measure(label: str, fn):  # type: ignore[no-untyped-def]
    """Seconds of a plain run, then peak memory of a second run under tracemalloc
    (tracing slows Python code several times, so it is kept out of the timing)."""
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    del result
    tracemalloc.start()
    result = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<44} {seconds:8.2f} s   peak {peak / 2**20:8.1f} MiB")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    layout, recs = records(args.rows)
    weights = {f[1]: 0.5 + i / 8 for i, f in enumerate(FUNCTIONS)}
    encoder = Encoder(layout, lambda r: weights[r.attributes["function"]])  # type: ignore[attr-defined]
    names = [v.name for v in layout.variables]  # type: ignore[attr-defined]

    def export() -> pd.DataFrame:
        return pd.DataFrame([encoder.encode(r) for r in recs], columns=names)

    print(f"{args.rows:,} responses, officials 2024")
    frame, export_s = measure("bare export (encode rows → DataFrame)", export)
    path = ROOT / "reports/officials/2024.yaml"
    loaded = parse(path.read_bytes(), str(path))
    catalog = catalog_from_layout(layout)  # type: ignore[arg-type]
    ref = reference.load("officials")
    tables, tables_s = measure(
        f"all {len(loaded.definition.tables)} shipped tables",
        lambda: compute.compute_tables(
            frame, loaded.definition, catalog, reference=ref
        ),
    )
    cells = sum(len(r.cells) for t in tables for r in t.rows)
    print(
        f"{len(tables)} tables, {cells} cells; tables / export = {tables_s / export_s:.2f}"
    )


if __name__ == "__main__":
    main()
