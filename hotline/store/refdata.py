"""Load reference data (districts, townships, departments, service codes) from the shipped files; idempotent."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.store.models import Department, District, ServiceCode, Township
from hotline.rules.routing import TOWNSHIPS_CSV, district_government_code, to_pinyin
from hotline.rules.taxonomy import DATA_DIR, Taxonomy

DEPARTMENTS_PATH = DATA_DIR / "departments.yaml"


@dataclass(frozen=True)
class LoadReport:
    """How many rows of each kind the database holds after loading."""

    districts: int
    townships: int
    departments: int
    service_codes: int


def _upsert(session: Session, model, key: str, rows: list[dict]) -> int:
    existing = {getattr(o, key): o for o in session.scalars(select(model))}
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            session.add(model(**row))
        else:
            for k, v in row.items():
                setattr(obj, k, v)
    session.flush()
    return len(rows)


def load_reference_data(session: Session, taxonomy: Taxonomy, *, csv_path: Path = TOWNSHIPS_CSV,
                        departments_path: Path = DEPARTMENTS_PATH) -> LoadReport:
    """Insert or update every reference row; safe to run again."""
    with open(csv_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    districts = {r["district_code"]: r["district_name"] for r in rows}
    n_d = _upsert(session, District, "code", [
        {"code": c, "name": n, "pinyin": to_pinyin(n.removesuffix("区"))} for c, n in districts.items()])
    n_t = _upsert(session, Township, "code", [
        {"code": r["township_code"], "district_code": r["district_code"], "name": r["township_name"],
         "type": r["township_type"], "pinyin": to_pinyin(r["township_name"])} for r in rows])
    raw = yaml.safe_load(departments_path.read_text(encoding="utf-8"))["departments"]
    depts = [{"code": d["code"], "name_zh": d["zh"], "name_en": d["en"], "type": d["type"], "district_code": None}
             for d in raw]
    for code, name in districts.items():
        en = to_pinyin(name.removesuffix("区")).capitalize()
        depts.append({"code": district_government_code(code), "name_zh": f"{name}人民政府",
                      "name_en": f"{en} District Government", "type": "district_government",
                      "district_code": code})
    n_dep = _upsert(session, Department, "code", depts)
    known = {d["code"] for d in depts}
    codes = []
    for c in taxonomy.codes.values():
        if c.department_code not in known:
            raise ValueError(f"service code {c.code} names unknown department {c.department_code}")
        codes.append({"code": c.code, "group": c.group, "name_zh": c.name_zh, "name_en": c.name_en,
                      "time_limit_class": c.time_limit_class, "handler_type": c.handler_type,
                      "department_code": c.department_code,
                      "keywords": {"zh": list(c.keywords_zh), "en": list(c.keywords_en)}})
    n_sc = _upsert(session, ServiceCode, "code", codes)
    return LoadReport(n_d, n_t, n_dep, n_sc)
