"""The admin's units page shows what the classifier's model was trained on and how well it did."""
from __future__ import annotations

import dataclasses

from app import create_app
from hotline.understanding.classifier import Classifier
from hotline.understanding.training import train_model
from hotline.understanding.model import TrainingRow
from tests.helpers import at
from tests.web.console_support import find, login

ROWS = [TrainingRow(t, service_code=c) for c, ts in {
    "UTL-HEATING": ["暖气不热", "暖气片冰凉", "屋里太冷暖气不管用", "供暖温度太低"],
    "ENV-NOISE": ["楼上太吵", "广场舞音响太大", "酒吧音乐吵到半夜", "装修噪音吵得睡不着"]}.items() for t in ts]


def _app(db, clf):
    svc = dataclasses.replace(db, core=dataclasses.replace(db.core, classifier=clf), classifier=clf)
    application = create_app(db.config, services=svc)
    application.testing = True
    return application


def test_the_units_page_shows_the_models_size_date_and_accuracy(world, db, tmp_path):
    path = tmp_path / "model.npz"
    train_model(ROWS, db.core.taxonomy, now=at("2026-11-30 12:00"), source="history.csv", holdout=0.25).save(path)
    client = _app(db, Classifier(db.core.taxonomy, path, check_every_s=0)).test_client()
    login(client, "admin")
    html = client.get("/console/units").get_data(as_text=True)
    line = find(html, "p", id="classifier")[0]["text"]
    assert "model trained 2026-11-30T12:00:00+00:00 on 6 messages (history.csv)" in " ".join(line.split())
    assert "group accuracy" in line and "on 2 held out messages" in line


def test_without_a_model_the_units_page_says_keywords_classify(world, db, tmp_path):
    client = _app(db, Classifier(db.core.taxonomy, tmp_path / "none.npz", check_every_s=0)).test_client()
    login(client, "admin")
    line = find(client.get("/console/units").get_data(as_text=True), "p", id="classifier")[0]["text"]
    assert "keywords only" in line and "no model at" in line
