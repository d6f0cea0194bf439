"""The core's classifier: features, model file, emergencies first, CSV reading, the shipped corpus."""
from __future__ import annotations

import collections
import csv
import itertools
import os
from datetime import datetime, timezone

import numpy as np
import pytest

from hotline.understanding import dataset
from hotline.understanding.classifier import Classifier
from hotline.understanding.dataset import DatasetError, parse_csv, read_csv
from hotline.understanding.evaluation import score
from hotline.understanding.features import TextFeatures
from hotline.understanding.model import ModelError, NluModel, TrainingRow
from hotline.understanding.training import evaluate, split_holdout, train_model

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)

# A small hand-made training set: three groups, several wordings each.
SMALL = {
    "UTL-HEATING": ["暖气不热，家里冷", "家里暖气片冰凉", "供暖以后屋里才十五度", "暖气一点温度都没有", "暖气上热下不热",
                    "屋里冷得要穿羽绒服，暖气不管用", "the radiators are cold", "heating is not warm at all"],
    "ENV-NOISE": ["楼上邻居半夜太吵", "广场舞音响声音太大", "楼下酒吧音乐吵到凌晨", "商铺喇叭一直喊", "隔壁装修吵得睡不着觉",
                  "晚上有人在楼下大声唱歌", "loud music from the bar every night", "my neighbours are so noisy"],
    "LAB-WAGES": ["老板拖欠三个月工资", "公司不发工资", "包工头跑了工钱没给", "年底了工资还没发", "单位克扣我的工资",
                  "干了半年活一分钱没拿到", "my boss has not paid me", "the company owes me two months of salary"],
}


def small_rows() -> list[TrainingRow]:
    return [TrainingRow(t, service_code=code, kind="complaint") for code, texts in SMALL.items() for t in texts]


@pytest.fixture(scope="module")
def small_model(core):
    return NluModel.train(small_rows(), core.taxonomy)


def test_the_model_learns_a_small_file_and_generalises_to_new_wording(core, small_model):
    clf = Classifier.with_model(core.taxonomy, small_model)
    assert clf.classify("我家暖气片一直是凉的").service_code == "UTL-HEATING"
    assert clf.classify("楼上天天晚上吵得不行").group == "environment"
    assert clf.classify("老板欠了我们的工资不给").group == "labor"
    cls = clf.classify("暖气片冰凉冰凉的")
    assert cls.source == "model" and 0 < cls.confidence <= 1


def test_scoring_a_message_gives_the_numbers_scikit_learn_gave_in_training(core):
    texts = [t for ts in SMALL.values() for t in ts]
    features = TextFeatures(min_df=1)  # what a small file trains with
    expected = features.fit_transform(texts)
    model = NluModel.train(small_rows(), core.taxonomy)
    for i, text in enumerate(texts[:6] + ["完全没见过的句子，暖气"]):
        row = expected[i] if i < 6 else features.transform([text])
        idx, vals = model.vector(text)
        dense = np.zeros(row.shape[1], dtype=np.float32)
        np.add.at(dense, idx, vals)
        assert np.allclose(dense, row.toarray()[0], atol=1e-5), text


def test_the_model_file_round_trips_and_is_replaced_atomically(core, small_model, tmp_path):
    path = tmp_path / "nlu" / "model.npz"
    small_model.save(path)
    path.write_bytes(path.read_bytes())  # a second save over an existing file below
    small_model.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["model.npz"]  # no temporary file left behind
    loaded = NluModel.load(path, core.taxonomy)
    for text in ("暖气不热", "楼上太吵", "拖欠工资"):
        assert loaded.predict(text) == small_model.predict(text)
    assert loaded.meta["rows"] == len(small_rows())


def test_a_missing_or_damaged_model_file_is_a_model_error(core, tmp_path):
    with pytest.raises(ModelError, match="no model"):
        NluModel.load(tmp_path / "absent.npz", core.taxonomy)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a model file"):
        NluModel.load(bad, core.taxonomy)


def test_one_label_only_is_nothing_to_learn(core):
    with pytest.raises(ModelError, match="nothing to learn"):
        NluModel.train([TrainingRow("暖气不热", group="utilities"), TrainingRow("暖气冰凉", group="utilities")],
                       core.taxonomy)


def test_an_emergency_keyword_is_never_out_voted_by_the_model(core):
    # A model taught, wrongly, that gas smells are a utilities matter.
    rows = small_rows() + [TrainingRow(t, service_code="UTL-NOGAS") for t in
                           ("楼道里燃气泄漏了", "闻到煤气味很大", "燃气泄漏好几天", "家里燃气漏气")]
    clf = Classifier.with_model(core.taxonomy, NluModel.train(rows, core.taxonomy))
    cls = clf.classify("楼道里燃气泄漏了，味道很大")
    assert (cls.group, cls.service_code, cls.time_limit_class) == ("emergency", "EMG-GAS", "emergency")
    assert cls.source == "keywords" and "燃气泄漏" in cls.matched
    assert clf.classify("路口井盖不见了").service_code == "EMG-MANHOLE"


def test_without_a_model_the_keywords_classify(core, tmp_path):
    clf = Classifier(core.taxonomy, tmp_path / "none.npz")
    assert clf.classify("暖气不热，家里才十几度") == core.taxonomy.classify("暖气不热，家里才十几度")
    assert clf.figures() is None and "no model" in clf.problem
    assert Classifier(core.taxonomy, None).classify("小区停水了").group == "utilities"


def test_a_retrained_model_file_reaches_a_running_classifier_and_a_broken_one_does_not(core, small_model, tmp_path):
    path = tmp_path / "model.npz"
    ticks = itertools.count()
    clf = Classifier(core.taxonomy, path, check_every_s=10, clock=lambda: next(ticks) * 10.0)
    assert clf.classify("家里暖气片冰凉").source == "keywords"
    small_model.save(path)
    assert clf.classify("家里暖气片冰凉").source == "model"
    figures = clf.figures()
    assert figures["rows"] == len(small_rows())
    path.write_bytes(b"half a file")
    os.utime(path, ns=(1, 1))
    assert clf.classify("家里暖气片冰凉").source == "model"  # the model in memory stays
    assert "not a model file" in clf.problem


def test_questions_are_consultations(core):
    rows = small_rows() + [TrainingRow(q, service_code=c, kind="consult") for c, q in
                           (("UTL-HEATING", "请问什么时候开始供暖"), ("LAB-WAGES", "请问拖欠工资去哪里投诉"),
                            ("ENV-NOISE", "请问噪音扰民找哪个部门"), ("UTL-HEATING", "取暖费怎么交？"))]
    clf = Classifier.with_model(core.taxonomy, NluModel.train(rows, core.taxonomy))
    assert clf.classify("请问暖气费在哪里交？").kind == "consult"
    assert clf.classify("暖气片冰凉，屋里太冷了").kind == "complaint"


def test_the_shipped_corpus_weighs_half_as_much_as_the_operators_file(core):
    corpus = [TrainingRow(t, service_code="ENV-NOISE") for t in SMALL["ENV-NOISE"]] * 5
    model = train_model(small_rows(), core.taxonomy, now=NOW, source="mine.csv", corpus=corpus, holdout=0)
    assert model.meta["corpus_rows"] == 40 and model.meta["corpus_weight"] == pytest.approx(0.5 * 24 / 40)
    assert model.meta["trained_at"] == "2026-12-01T08:00:00+00:00" and model.meta["source"] == "mine.csv"


def test_training_holds_out_part_of_each_label_and_records_its_figures(core):
    train, held = split_holdout(small_rows(), 0.25)
    assert len(held) == 6 and {r.service_code for r in held} == set(SMALL)
    assert not {r.text for r in train} & {r.text for r in held}
    model = train_model(small_rows(), core.taxonomy, now=NOW, source="mine.csv", holdout=0.25,
                        keyword_baseline=core.taxonomy.classify)
    fig = model.meta["evaluations"]["held_out"]
    assert fig["n"] == 6 and 0 <= fig["accuracy"] <= 1 and "keywords_accuracy" in fig


def test_scores_count_accuracy_macro_f1_and_the_confusion():
    s = score([("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")])
    assert s.accuracy == 0.75 and s.confusion[("a", "b")] == 1
    assert s.f1["a"] == pytest.approx(2 / 3) and s.f1["b"] == pytest.approx(0.8)
    assert s.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)


# ---------------------------------------------------------------------------------------------- CSV files
def test_a_training_csv_reports_every_bad_row_by_line_and_reason(core):
    content = ('text,service_code,kind\n'
               '暖气不热,UTL-HEATING,complaint\n'
               ',UTL-HEATING,\n'
               '楼上太吵,NO-SUCH,\n'
               '拖欠工资,LAB-WAGES,grumble\n'
               '"多行的\n留言",ENV-NOISE,\n'
               '只有两列,UTL-HEATING\n'
               '停水了,utl-nowater,help\n')
    data = parse_csv(content, core.taxonomy)
    assert [(r.text, r.service_code, r.group) for r in data.rows] == [
        ("暖气不热", "UTL-HEATING", "utilities"), ("多行的\n留言", "ENV-NOISE", "environment"),
        ("停水了", "UTL-NOWATER", "utilities")]
    assert data.errors == [(3, "empty text"), (4, "unknown service code 'NO-SUCH'"),
                           (5, "unknown kind 'grumble' (one of consult, help, complaint, report, suggestion)"),
                           (8, "2 fields, the header has 3")]


def test_a_group_file_and_a_code_that_contradicts_its_group(core):
    data = parse_csv("text,group,service_code\n暖气不热,utilities,\n楼上太吵,labor,ENV-NOISE\n工资,money,\n",
                     core.taxonomy)
    assert [(r.group, r.service_code) for r in data.rows] == [("utilities", None)]
    assert data.errors == [(3, "service code ENV-NOISE is in group environment, not 'labor'"),
                           (4, "unknown group 'money'")]


@pytest.mark.parametrize("content, message", [
    ("", "the file is empty"),
    ("words,label\n暖气,utilities\n", "needs a `text` column"),
    ("text,kind\n暖气,complaint\n", "needs a `group` or `service_code` column"),
])
def test_a_file_without_the_needed_header_is_refused(core, content, message):
    with pytest.raises(DatasetError, match=message):
        parse_csv(content, core.taxonomy)


def test_a_file_that_is_not_utf8_names_the_line(core, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("text,group\n暖气不热,utilities\n".encode("utf-8") + "楼上太吵,environment\n".encode("gbk"))
    with pytest.raises(DatasetError, match="line 3: not UTF-8"):
        read_csv(path, core.taxonomy)
    bom = tmp_path / "excel.csv"
    bom.write_bytes("\ufefftext,group\n暖气不热,utilities\n".encode("utf-8"))
    assert read_csv(bom, core.taxonomy).rows[0].group == "utilities"


# ---------------------------------------------------------------------------------------------- shipped data
def _codes(path):
    with path.open(encoding="utf-8") as f:
        return [r["service_code"] for r in csv.DictReader(f)]


def test_the_shipped_corpus_has_at_least_60_messages_for_every_service_code(core):
    counts = collections.Counter(_codes(dataset.CORPUS))
    assert sum(counts.values()) >= 4000
    assert set(counts) == set(core.taxonomy.codes)
    assert min(counts.values()) >= 60
    data = read_csv(dataset.CORPUS, core.taxonomy)
    assert not data.errors


def test_the_hand_written_evaluation_set_is_separate_from_the_corpus(core):
    hand = read_csv(dataset.HANDWRITTEN, core.taxonomy)
    assert len(hand.rows) >= 300 and not hand.errors
    assert {r.group for r in hand.rows} == set(core.taxonomy.groups)
    corpus_texts = {r.text for r in read_csv(dataset.CORPUS, core.taxonomy).rows}
    assert not corpus_texts & {r.text for r in hand.rows}
    held = {r.text for r in read_csv(dataset.CORPUS_HELDOUT, core.taxonomy).rows}
    assert held and not held & corpus_texts


def test_a_model_from_part_of_the_shipped_corpus_beats_keywords_on_the_hand_written_set(core):
    rows = read_csv(dataset.CORPUS, core.taxonomy).rows
    by_code = collections.defaultdict(list)
    for r in rows:
        by_code[r.service_code].append(r)
    subset = [r for code_rows in by_code.values() for r in code_rows[:25]]
    model = NluModel.train(subset, core.taxonomy)
    hand = read_csv(dataset.HANDWRITTEN, core.taxonomy).rows
    ours = evaluate(Classifier.with_model(core.taxonomy, model).classify, hand, core.taxonomy)
    keywords = evaluate(core.taxonomy.classify, hand, core.taxonomy)
    assert ours.groups.accuracy > keywords.groups.accuracy + 0.1
