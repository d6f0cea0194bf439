"""The Rasa bot's own model as a classifier: a peer figure for bench.nlu only (the core has one classifier)."""
from __future__ import annotations

import dataclasses

from hotline.contact.rasa import RasaClient, RasaUnavailable
from hotline.rules.taxonomy import Classification, Taxonomy


class RasaClassifier:
    """Kind, group and service code from the Rasa model (/model/parse); keywords when Rasa is not there.

    The model picks the group (give_details/<group>, faq/<group>__topic, emergency); the keyword index then
    picks the service code inside that group (Taxonomy.classify_in_group).
    """

    MIN_GROUP_CONFIDENCE = 0.5

    def __init__(self, client: RasaClient, taxonomy: Taxonomy):
        self.client = client
        self.taxonomy = taxonomy

    def classify(self, text: str) -> Classification:
        """Same answer shape as Taxonomy.classify."""
        if not (text or "").strip():
            return self.taxonomy.classify(text or "")
        keywords = self.taxonomy.classify(text)
        if keywords.group == "emergency" and keywords.understood:
            return keywords  # danger first: an emergency keyword outranks any model
        try:
            parsed = self.client.post("/model/parse", {"text": text})
        except RasaUnavailable:
            return keywords
        group, confidence, consult = model_group(parsed)
        # An unsure model still beats no keyword at all; its low confidence sends the ticket to triage.
        if group is None or (confidence < self.MIN_GROUP_CONFIDENCE and keywords.understood):
            return keywords
        cls = self.taxonomy.classify_in_group(text, group, confidence)
        return dataclasses.replace(cls, kind="consult") if consult else cls


def model_group(parsed: dict) -> tuple[str | None, float, bool]:
    """(group, confidence, is a consultation) from a /model/parse answer."""
    intent = (parsed or {}).get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    if name == "emergency":
        return "emergency", confidence, False
    if name not in ("give_details", "faq"):
        return None, 0.0, False
    selected = (((parsed.get("response_selector") or {}).get(name) or {}).get("response") or {})
    key = selected.get("intent_response_key") or ""
    if "/" not in key:
        return None, 0.0, False
    sub = key.split("/", 1)[1]
    group = sub.split("__", 1)[0]
    return group, min(confidence, float(selected.get("confidence") or 0.0)), name == "faq"
