"""`flask --app app classify`: JSON lines in, classifications out, through the core's classifier (every channel's)."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask

from webapp import services_of


def register(app: Flask) -> None:
    """Add the classify command."""

    @app.cli.command("classify")
    @click.option("--keywords-only", is_flag=True, help="Skip the model: the keyword classifier alone (for comparison).")
    def classify(keywords_only: bool):
        """Read {"text": ...} per line on stdin; write {"kind","group","service_code","confidence"} per line."""
        svc = services_of(app)
        classifier = svc.core.taxonomy if keywords_only else (svc.classifier or svc.core.taxonomy)
        for n, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text = item["text"] if isinstance(item, dict) else None
                if not isinstance(text, str):
                    raise ValueError("no text")
            except (ValueError, KeyError):
                click.echo(json.dumps({"line": n, "error": "expected a JSON object with a \"text\" string"}))
                continue
            c = classifier.classify(text)
            out = {"kind": c.kind, "group": c.group, "service_code": c.service_code, "confidence": c.confidence}
            click.echo(json.dumps(out, ensure_ascii=False))
