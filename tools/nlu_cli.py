"""`flask --app app nlu ...`: train the classifier on a labelled CSV, evaluate it, export the hotline's own history."""
from __future__ import annotations

import csv
import sys
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from hotline.rules.taxonomy import GROUPS
from hotline.understanding import dataset
from hotline.understanding.classifier import Classifier
from hotline.understanding.dataset import Dataset, DatasetError
from hotline.understanding.evaluation import confusion_table
from hotline.understanding.model import ModelError, NluModel
from hotline.understanding.training import evaluate, train_model
from hotline.work.history import SOURCES, labelled_history

MAX_ERRORS_SHOWN = 50
SHIPPED = "shipped corpus"
cli = AppGroup("nlu", help="The classifier: train it on labelled messages, evaluate it, export the hotline's history.")


def register(app: Flask) -> None:
    """Add the nlu command group."""
    app.cli.add_command(cli)


def _services():
    from flask import current_app
    return current_app.extensions["hotline"]


def _read(path: str, taxonomy) -> Dataset:
    """The file's usable rows; every bad row is reported on stderr by line number and reason."""
    try:
        data = dataset.read_csv(path, taxonomy)
    except DatasetError as exc:
        raise click.ClickException(str(exc)) from None
    for line, reason in data.errors[:MAX_ERRORS_SHOWN]:
        click.echo(f"{path}: line {line}: {reason}", err=True)
    if len(data.errors) > MAX_ERRORS_SHOWN:
        click.echo(f"{path}: ... and {len(data.errors) - MAX_ERRORS_SHOWN} more bad rows", err=True)
    if data.ignored_columns:
        click.echo(f"{path}: ignoring columns {', '.join(data.ignored_columns)}", err=True)
    return data


def _model_path(option: str | None) -> Path:
    if option:
        return Path(option)
    path = _services().core.classifier.model_path if _services().core.classifier else None
    if path is None:
        raise click.ClickException("nlu.model_path is empty: set it in config.yaml or HOTLINE_NLU_MODEL, or pass --model")
    return path


def _figures_line(name: str, fig: dict) -> str:
    parts = [f"{name}: {fig['n']} messages, group accuracy {fig['accuracy']:.3f}, macro-F1 {fig['macro_f1']:.3f}"]
    if "code_accuracy" in fig:
        parts.append(f"code accuracy {fig['code_accuracy']:.3f}")
    if "kind_accuracy" in fig:
        parts.append(f"kind accuracy {fig['kind_accuracy']:.3f}")
    if "keywords_accuracy" in fig:
        parts.append(f"(keywords alone: {fig['keywords_accuracy']:.3f})")
    return ", ".join(parts)


@cli.command("train")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--no-corpus", is_flag=True, help="Train on FILE alone, without the shipped corpus.")
@click.option("--corpus-weight", type=click.FloatRange(0, 10, min_open=True), default=None,
              help="Weight of each shipped-corpus row (default: the corpus weighs half as much as FILE in all).")
@click.option("--holdout", type=click.FloatRange(0, 0.5), default=0.1, show_default=True,
              help="Share of FILE kept out of training to measure the model.")
@click.option("--model", "model_option", type=click.Path(dir_okay=False), default=None,
              help="Write here instead of nlu.model_path.")
@click.option("--keep-own", is_flag=True,
              help="Without FILE: leave a model trained on the operator's own file in place (what `make` uses).")
def train(file: str | None, no_corpus: bool, corpus_weight: float | None, holdout: float, model_option: str | None,
          keep_own: bool):
    """Train on FILE.csv (header text,group or text,service_code; optional kind) plus the shipped corpus.

    Without FILE, trains on the shipped corpus alone (what `make setup` does). The model file is replaced
    atomically; running processes pick it up within nlu.reload_check_s seconds.
    """
    svc = _services()
    taxonomy = svc.core.taxonomy
    path = _model_path(model_option)
    handwritten = dataset.read_csv(dataset.HANDWRITTEN, taxonomy).rows if dataset.HANDWRITTEN.exists() else []
    if file is None and keep_own and path.exists():
        try:
            current = NluModel.load(path, taxonomy).meta.get("source")
        except ModelError:
            current = None
        if current and current != SHIPPED:
            click.echo(f"{path} was trained on {current}: kept (train it again with `flask --app app nlu train FILE`)")
            return
    if file is None:
        rows, corpus, holdout, source = dataset.shipped_corpus(taxonomy), None, 0.0, SHIPPED
        evaluate_on = {"corpus_heldout": dataset.read_csv(dataset.CORPUS_HELDOUT, taxonomy).rows,
                       "handwritten": handwritten}
    else:
        data = _read(file, taxonomy)
        if not data.rows:
            raise click.ClickException(f"{file}: no usable rows; the model was not changed")
        rows, source = data.rows, Path(file).name
        corpus = None if no_corpus else dataset.shipped_corpus(taxonomy)
        evaluate_on = {"handwritten": handwritten}
        click.echo(f"{file}: {len(rows)} usable rows, {len(data.errors)} bad")
    try:
        model = train_model(rows, taxonomy, now=datetime.now(timezone.utc), source=source, corpus=corpus,
                            corpus_weight=corpus_weight, holdout=holdout, evaluate_on=evaluate_on,
                            keyword_baseline=taxonomy.classify)
    except ModelError as exc:
        raise click.ClickException(f"{exc}; the model was not changed") from None
    model.save(path)
    meta = model.meta
    origin = f"{meta['file_rows']} from {source}" + (f", {meta['corpus_rows']} from the shipped corpus at weight "
                                                     f"{meta['corpus_weight']}" if meta["corpus_rows"] else "")
    click.echo(f"model written to {path}: {meta['rows']} training rows ({origin}), {meta['features']} features, "
               f"{meta['train_seconds']} s, {path.stat().st_size / 1e6:.1f} MB")
    for name, fig in meta["evaluations"].items():
        click.echo(_figures_line(name, fig))


@cli.command("evaluate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--model", "model_option", type=click.Path(dir_okay=False), default=None,
              help="Evaluate this model file instead of nlu.model_path.")
def evaluate_cmd(file: str, model_option: str | None):
    """Accuracy, macro-F1, F1 per group and the confusion matrix on FILE.csv, beside the keyword classifier."""
    svc = _services()
    taxonomy = svc.core.taxonomy
    path = _model_path(model_option)
    try:
        model = NluModel.load(path, taxonomy)
    except ModelError as exc:
        raise click.ClickException(f"{exc} (train one with `flask --app app nlu train`)") from None
    data = _read(file, taxonomy)
    if not data.rows:
        raise click.ClickException(f"{file}: no usable rows to evaluate on")
    ours = evaluate(Classifier.with_model(taxonomy, model).classify, data.rows, taxonomy)
    base = evaluate(taxonomy.classify, data.rows, taxonomy)
    click.echo(f"{file}: {ours.groups.n} messages; model {path} (trained {model.meta.get('trained_at', '?')} on "
               f"{model.meta.get('rows', '?')} rows)")
    click.echo(f"{'':>14}  {'model':>7}  {'keywords':>8}")
    click.echo(f"{'accuracy':>14}  {ours.groups.accuracy:>7.3f}  {base.groups.accuracy:>8.3f}")
    click.echo(f"{'macro-F1':>14}  {ours.groups.macro_f1:>7.3f}  {base.groups.macro_f1:>8.3f}")
    if ours.code_accuracy is not None:
        click.echo(f"{'code accuracy':>14}  {ours.code_accuracy:>7.3f}  {base.code_accuracy:>8.3f}")
    if ours.kind_accuracy is not None:
        click.echo(f"{'kind accuracy':>14}  {ours.kind_accuracy:>7.3f}  {base.kind_accuracy:>8.3f}")
    click.echo("F1 per group")
    for g in GROUPS:
        if ours.groups.support.get(g):
            click.echo(f"{g:>14}  {ours.groups.f1[g]:>7.3f}  {base.groups.f1[g]:>8.3f}   ({ours.groups.support[g]} messages)")
    click.echo("confusion matrix of the model, " + confusion_table(ours.groups))


@cli.command("export-history")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write here instead of stdout.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Tickets opened on or after (UTC).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Tickets opened before (UTC).")
@click.option("--source", "sources", multiple=True, type=click.Choice(SOURCES),
              help="Only labels of this origin (repeatable; default all: agent, caller, handled).")
def export_history(output: str | None, since, until, sources):
    """The hotline's labelled tickets as a training CSV: text with the code agents finally gave them."""
    svc = _services()
    utc = lambda d: d.replace(tzinfo=timezone.utc) if d else None  # noqa: E731
    header = ["text", "service_code", "group", "kind", "label_source", "reference", "opened_at"]
    out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    counts = {s: 0 for s in SOURCES}
    try:
        w = csv.writer(out)
        w.writerow(header)
        with svc.read_session() as s:
            for row in labelled_history(s, since=utc(since), until=utc(until), sources=tuple(sources) or SOURCES):
                w.writerow([row.text, row.service_code, row.group, row.kind, row.label_source, row.reference,
                            row.opened_at.isoformat(timespec="seconds")])
                counts[row.label_source] += 1
    finally:
        if output:
            out.close()
    total = sum(counts.values())
    click.echo(f"{total} labelled tickets ({', '.join(f'{k} {v}' for k, v in counts.items())})"
               + (f" written to {output}" if output else ""), err=True)
