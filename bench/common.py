"""Shared set-up for benchmarks: fresh databases on SQLite and PostgreSQL, timing helpers."""
from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import create_engine, text

from hotline.store import migrate
from hotline.config import load_config
from hotline.store.refdata import load_reference_data
from hotline.wiring import Services, build_services
from ivr.webhooks import twilio_webhooks

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BENCH_TOKEN = "bench-token"


@contextmanager
def fresh_services(backend: str, **overrides) -> Iterator[Services]:
    """Services on a new, migrated database with reference data; dropped afterwards."""
    admin = None
    if backend == "sqlite":
        tmp = tempfile.mkdtemp(prefix="hotline-bench-")
        url = f"sqlite:///{tmp}/bench.db"
    else:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    values = {"app.mode": "test", "database.url": url, "api.token": BENCH_TOKEN, "app.secret_key": "bench"}
    values.update(overrides)
    config = load_config(environ={}, overrides=values)
    svc = build_services(config, twilio_webhooks(config.app.public_base_url))
    migrate.upgrade(svc.engine)
    with svc.session() as s:
        load_reference_data(s, svc.core.taxonomy)
    try:
        yield svc
    finally:
        svc.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def rate(fn: Callable[[int], None], n: int) -> float:
    """Operations per second of fn(i) over n calls."""
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def median_rate(fn: Callable[[int], None], n: int, repeats: int = 3) -> float:
    """Median of several rate() runs (the machines are shared and noisy)."""
    return statistics.median(rate(fn, n) for _ in range(repeats))


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def sample_texts() -> list[tuple[str, str]]:
    """(text, location) pairs spread over groups and townships, like a day's intake."""
    return [
        ("小区停水了，一直没有水", "朝阳区望京街道"), ("暖气不热，家里才十几度", "海淀区中关村街道"),
        ("工地半夜施工太吵了", "昌平区回龙观街道"), ("路灯坏了好几天", "西城区月坛街道"),
        ("拖欠工资三个月了", "丰台区方庄地区"), ("楼上太吵了，噪音扰民", "通州区永顺镇"),
        ("垃圾桶满了没人收", "大兴区黄村镇"), ("小区门口有人违章停车", "东城区景山街道"),
        ("预付卡商家跑路了", "朝阳区三里屯街道"), ("There is no water in my building", "Wangjing"),
        ("The street light is broken", "Sanlitun, Chaoyang"), ("孩子上学报名咨询", "海淀区学院路街道"),
    ]


def analyze(svc: Services) -> None:
    """Fresh statistics, as any production database keeps (autovacuum / a nightly ANALYZE)."""
    if svc.engine.dialect.name == "postgresql":
        with svc.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with svc.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
