"""The ranking as open data: one CSV and one JSON document per month, with the columns in a fixed order."""
from __future__ import annotations

import csv
import io

from hotline.assessment.kpis import describe
from hotline.assessment.public_figures import COLUMNS, PublicRanking
from hotline.config import AssessmentConfig

# Excel in China opens a CSV as GBK unless it starts with a byte-order mark: UTF-8 with BOM opens right in
# Excel and is still read by every CSV library (Python's "utf-8-sig", pandas, R).
CSV_ENCODING = "utf-8-sig"


def as_csv(ranking: PublicRanking) -> bytes:
    """Header row of COLUMNS, then one row per unit; empty cells for figures with nothing to measure."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for row in ranking.rows():
        writer.writerow({k: ("" if v is None else str(v).lower() if isinstance(v, bool) else v)
                         for k, v in row.items()})
    return out.getvalue().encode(CSV_ENCODING)


def as_json(ranking: PublicRanking, config: AssessmentConfig) -> dict:
    """The month, when it was computed, how, and every unit's row."""
    return {"month": ranking.month, "as_of": ranking.as_of.isoformat(), "complete": ranking.complete,
            "timezone": config.timezone, "min_orders_ranked": ranking.min_orders_ranked,
            "columns": list(COLUMNS), "method": describe(config), "units": ranking.rows()}
