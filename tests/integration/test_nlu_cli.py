"""`flask nlu train / evaluate / export-history` and `flask classify` through the core's one classifier."""
from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from app import create_app
from hotline.understanding.classifier import Classifier
from hotline.work import lifecycle, triage
from hotline.work.intake import IntakeRequest, open_ticket
from tests.helpers import at

NOW = at("2026-12-01 02:00")
TRAINING = {
    "UTL-HEATING": ["暖气不热，家里冷", "家里暖气片冰凉", "供暖以后屋里才十五度", "暖气一点温度都没有", "暖气上热下不热",
                    "屋里冷得要穿羽绒服，暖气不管用"],
    "ENV-NOISE": ["楼上邻居半夜太吵", "广场舞音响声音太大", "楼下酒吧音乐吵到凌晨", "商铺喇叭一直喊", "隔壁装修吵得睡不着觉",
                  "晚上有人在楼下大声唱歌"],
    "LAB-WAGES": ["老板拖欠三个月工资", "公司不发工资", "包工头跑了工钱没给", "年底了工资还没发", "单位克扣我的工资",
                  "干了半年活一分钱没拿到"],
}


def write_csv(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def model_path(tmp_path):
    return tmp_path / "nlu" / "model.npz"


@pytest.fixture
def nlu_app(db, model_path):
    """The app whose core classifier reads model_path and looks at it on every call."""
    clf = Classifier(db.core.taxonomy, model_path, check_every_s=0)
    svc = dataclasses.replace(db, core=dataclasses.replace(db.core, classifier=clf), classifier=clf)
    application = create_app(db.config, services=svc)
    application.testing = True
    return application


@pytest.fixture
def training_file(tmp_path):
    rows = [(t, code, "complaint") for code, texts in TRAINING.items() for t in texts]
    rows[1:1] = [("", "UTL-HEATING", ""), ("楼上太吵", "ENV-NOPE", ""), ("拖欠工资", "LAB-WAGES", "angry")]
    return write_csv(tmp_path / "history.csv", ["text", "service_code", "kind"], rows)


def classify(app, *texts):
    lines = "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in texts) + "\n"
    result = app.test_cli_runner().invoke(args=["classify"], input=lines)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_train_reports_bad_rows_then_every_classify_uses_the_new_model(nlu_app, training_file, model_path):
    before = classify(nlu_app, "家里暖气片一直冰凉冰凉的")[0]
    result = nlu_app.test_cli_runner().invoke(args=["nlu", "train", str(training_file), "--no-corpus",
                                                    "--holdout", "0"])
    assert result.exit_code == 0, result.output
    assert f"{training_file}: line 3: empty text" in result.stderr
    assert f"{training_file}: line 4: unknown service code 'ENV-NOPE'" in result.stderr
    assert f"{training_file}: line 5: unknown kind 'angry'" in result.stderr
    assert "18 usable rows, 3 bad" in result.stdout and model_path.exists()
    assert "handwritten:" in result.stdout  # figures on the shipped hand-written set
    after = classify(nlu_app, "家里暖气片一直冰凉冰凉的", "老板欠我们工资不给", "the radiators are cold")
    assert after[0]["service_code"] == "UTL-HEATING" and after[0]["confidence"] > 0
    assert after[1]["group"] == "labor"
    assert before["confidence"] != after[0]["confidence"] or before["service_code"] != "UTL-HEATING"
    # The intake uses the same classifier: a ticket says who classified it.
    svc = nlu_app.extensions["hotline"]
    with svc.session() as s:
        t, _ = open_ticket(s, IntakeRequest(text="楼上天天吵得睡不着觉", location="朝阳区望京街道"), now=NOW,
                           core=svc.core)
        assert (t.group, t.classified_by) == ("environment", "model")


def test_keywords_only_skips_the_model(nlu_app, training_file, model_path):
    nlu_app.test_cli_runner().invoke(args=["nlu", "train", str(training_file), "--no-corpus"])
    result = nlu_app.test_cli_runner().invoke(args=["classify", "--keywords-only"],
                                              input='{"text": "屋里冷得要穿羽绒服"}\n')
    assert json.loads(result.stdout)["confidence"] == 0


@pytest.mark.parametrize("content, message", [
    ("text,service_code\n,UTL-HEATING\n楼上太吵,NOPE\n", "no usable rows; the model was not changed"),
    ("words,label\n暖气,utilities\n", "needs a `text` column"),
    ("text,group\n暖气不热,utilities\n暖气冰凉,utilities\n", "nothing to learn"),
])
def test_a_file_that_teaches_nothing_changes_nothing(nlu_app, tmp_path, model_path, training_file, content, message):
    nlu_app.test_cli_runner().invoke(args=["nlu", "train", str(training_file), "--no-corpus"])
    before = model_path.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    result = nlu_app.test_cli_runner().invoke(args=["nlu", "train", str(bad), "--no-corpus"])
    assert result.exit_code != 0 and message in result.output
    assert model_path.read_bytes() == before


def test_train_refuses_a_missing_or_non_utf8_file(nlu_app, tmp_path, model_path):
    result = nlu_app.test_cli_runner().invoke(args=["nlu", "train", str(tmp_path / "absent.csv")])
    assert result.exit_code != 0 and "cannot read" in result.output
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("text,group\n暖气不热,utilities\n".encode("gbk"))
    result = nlu_app.test_cli_runner().invoke(args=["nlu", "train", str(gbk)])
    assert result.exit_code != 0 and "line 2: not UTF-8" in result.output and not model_path.exists()


def test_evaluate_prints_accuracy_f1_and_confusion_beside_the_keywords(nlu_app, training_file, tmp_path):
    nlu_app.test_cli_runner().invoke(args=["nlu", "train", str(training_file), "--no-corpus", "--holdout", "0"])
    test_file = write_csv(tmp_path / "test.csv", ["text", "group"],
                          [("暖气片冰凉冰凉的", "utilities"), ("屋里暖气不热", "utilities"), ("楼上天天很吵", "environment"),
                           ("老板一直拖欠工资", "labor"), ("没有这个组", "nogroup")])
    result = nlu_app.test_cli_runner().invoke(args=["nlu", "evaluate", str(test_file)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "4 messages" in out and "line 6: unknown group 'nogroup'" in result.stderr
    assert "model  keywords" in out
    for label in ("accuracy", "macro-F1", "F1 per group", "utilities", "labor", "rows: expected, columns: predicted"):
        assert label in out, label
    acc_line = next(line for line in out.splitlines() if line.strip().startswith("accuracy"))
    model_acc, keyword_acc = map(float, acc_line.split()[1:3])
    assert 0 <= keyword_acc <= 1 and model_acc >= 0.75


def test_evaluate_without_a_model_says_how_to_get_one(nlu_app, tmp_path):
    f = write_csv(tmp_path / "t.csv", ["text", "group"], [("暖气不热", "utilities")])
    result = nlu_app.test_cli_runner().invoke(args=["nlu", "evaluate", str(f)])
    assert result.exit_code != 0 and "no model at" in result.output and "nlu train" in result.output


def test_export_history_labels_what_agents_gave_and_trains_again(nlu_app, tmp_path, model_path):
    svc = nlu_app.extensions["hotline"]
    with svc.session() as s:
        t1, _ = open_ticket(s, IntakeRequest(text="家里暖气不热，联系我13800138000", location="朝阳区望京街道"),
                            now=NOW, core=svc.core)
        # The agent corrects the machine: this is the label.
        triage.reclassify(s, t1, service_code="UTL-HOTWATER", core=svc.core, actor="user:1", now=NOW)
        t2, _ = open_ticket(s, IntakeRequest(text="楼上邻居半夜太吵", location="朝阳区望京街道",
                                             service_code="ENV-NOISE"), now=NOW, core=svc.core)
        t3, _ = open_ticket(s, IntakeRequest(text="老板拖欠三个月工资", location="朝阳区望京街道"), now=NOW,
                            core=svc.core)
        lifecycle.sign(s, t3, actor="user:2", now=NOW)
        lifecycle.resolve(s, t3, resolution="已协调发放", actor="user:2", now=NOW)
        open_ticket(s, IntakeRequest(text="路灯坏了好几天", location="朝阳区望京街道"), now=NOW, core=svc.core)
        refs = (t1.reference, t2.reference, t3.reference)
    out = tmp_path / "history.csv"
    result = nlu_app.test_cli_runner().invoke(args=["nlu", "export-history", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 labelled tickets (agent 1, caller 1, handled 1)" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["reference"], r["service_code"], r["label_source"]) for r in rows] == [
        (refs[0], "UTL-HOTWATER", "agent"), (refs[1], "ENV-NOISE", "caller"), (refs[2], "LAB-WAGES", "handled")]
    assert "13800138000" not in rows[0]["text"] and rows[0]["text"].endswith("*******8000")
    only_agents = nlu_app.test_cli_runner().invoke(args=["nlu", "export-history", "--source", "agent"])
    assert [r["reference"] for r in csv.DictReader(io.StringIO(only_agents.stdout))] == [refs[0]]
    later = nlu_app.test_cli_runner().invoke(args=["nlu", "export-history", "--since", "2026-12-02"])
    assert list(csv.DictReader(io.StringIO(later.stdout))) == []
    # The export is a training file as it stands.
    trained = nlu_app.test_cli_runner().invoke(args=["nlu", "train", str(out), "--no-corpus", "--holdout", "0"])
    assert trained.exit_code == 0, trained.output
    assert "ignoring columns label_source, reference, opened_at" in trained.stderr and model_path.exists()


def test_export_history_refuses_a_bad_date(nlu_app):
    result = nlu_app.test_cli_runner().invoke(args=["nlu", "export-history", "--since", "yesterday"])
    assert result.exit_code != 0 and "--since" in result.output


def test_setup_keeps_a_model_the_operator_trained_on_their_own_file(nlu_app, training_file, model_path):
    nlu_app.test_cli_runner().invoke(args=["nlu", "train", str(training_file), "--no-corpus"])
    before = model_path.read_bytes()
    result = nlu_app.test_cli_runner().invoke(args=["nlu", "train", "--keep-own"])  # what `make` runs
    assert result.exit_code == 0, result.output
    assert "was trained on history.csv: kept" in result.output and model_path.read_bytes() == before


def test_train_without_a_configured_model_path_says_where_to_set_it(db, training_file):
    application = create_app(db.config, services=db)  # the test config has nlu.model_path empty
    result = application.test_cli_runner().invoke(args=["nlu", "train", str(training_file), "--no-corpus"])
    assert result.exit_code != 0 and "nlu.model_path is empty" in result.output
