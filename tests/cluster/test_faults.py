"""The small city under load loses a web host, a scheduler and a Rasa server (kill -9) and sees PostgreSQL restart.

Procfile.cluster's processes (nginx, two web hosts, two schedulers, two Rasa servers on the SQL tracker store
and the Redis lock store, an action server each) run on free loopback ports against their own databases and
the fake Twilio. Citizens text, call, chat and use the API through nginx at about 20 requests a second while
reminders fall due. Afterwards:
- every complaint whose citizen was told a reference is in the database exactly once, under that reference;
- every reminder that fell due reached Twilio exactly once, and every outbound row that says "sent" did;
- chats that were half-way through the form when their Rasa server died go on where they were, on the other.
The whole run stops by itself in about three minutes (most of it Rasa loading its model twice).
"""
from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from deploy.sandbox import RASA
from hotline.store.db import utcnow
from hotline.store.models import Conversation, Ticket
from tests.cluster.support import (TWILIO_TOKEN, outbox_open, outbox_sent, outbox_statuses,
                                   rasa_turns, reminders_received, restart_postgresql, running_cluster,
                                   seed_reminders)
from tests.helpers import API_TOKEN
from tools.citizens import MARKER, Citizens, Complaint, Load

pytestmark = [pytest.mark.cluster, pytest.mark.rasa]

# Six citizens at once, one complaint after another with half a second between: in every 8 complaints 3 API
# filings (2 requests), 2 SMS (2 texts through the bot), 2 calls (6 webhooks, one parse by the model), 1 chat
# (4 turns through the bot). On two quiet cores about 20 requests a second; a slower machine gets fewer.
MIX = {"api": 3, "sms": 2, "call": 2, "chat": 1}
MID_FORM_CHATS = 10
REMINDERS, REMINDERS_OVER_S = 200, 50.0
# Seconds the run needs once Rasa is up: up to 85 of load, 20 for the last citizens, 35 to settle, checks, teardown.
AFTER_START_S = 160


def startup_budget(request) -> float:
    """What the test's own time limit (pytest-timeout, 300 s in pytest.ini) leaves for starting the cluster."""
    limit = float(request.config.getoption("timeout", None) or request.config.getini("timeout") or 300)
    return max(60.0, limit - AFTER_START_S)


def test_complaints_and_reminders_survive_dead_hosts_and_a_database_restart_exactly_once(request, tmp_path,
                                                                                           fake_twilio):
    fake_twilio.delay_s = 0.2  # every send takes a while, so a killed scheduler leaves some in flight
    with running_cluster(tmp_path, fake_twilio.base_url, ready_within_s=startup_budget(request)) as cluster:
        sup, svc = cluster.supervisor, cluster.services
        citizens = Citizens(cluster.url, TWILIO_TOKEN, API_TOKEN)
        refs = seed_reminders(svc, REMINDERS, first=utcnow() + timedelta(seconds=2), spread_s=REMINDERS_OVER_S)
        load = Load(citizens, MIX, at_once=6, pause_s=0.5)
        events: list[tuple[float, str]] = []
        t0 = time.monotonic()

        def mark(what: str) -> None:
            events.append((round(time.monotonic() - t0, 1), what))

        def at(second: float) -> None:
            time.sleep(max(0.0, t0 + second - time.monotonic()))

        load.start()
        # Chats that stop half-way through the form (the bot has the problem and the place, asks for a number).
        resume = threading.Event()
        paused: list[Complaint] = []
        lock = threading.Lock()

        def hold(c: Complaint) -> None:
            with lock:
                paused.append(c)
            resume.wait(timeout=120)

        chats = ThreadPoolExecutor(max_workers=MID_FORM_CHATS, thread_name_prefix="mid-form")
        mid_form = [chats.submit(citizens.chat, hold, 2) for _ in range(MID_FORM_CHATS)]

        at(10)
        sup.kill("web1")
        mark("kill -9 web1")
        at(18)
        sup.kill("scheduler1")
        mark("kill -9 scheduler1")
        at(25)
        deadline = time.monotonic() + 20
        while len(paused) < MID_FORM_CHATS and time.monotonic() < deadline:
            time.sleep(0.2)
        with lock:
            paused = list(paused)  # a chat that pauses later is an ordinary chat
        # The Rasa server that took most of the paused chats' last turns is the one that dies.
        senders = _rasa_senders(svc, [c.conversation_id for c in paused])
        last_port = {}
        for _, port, sender in rasa_turns(cluster.plan.dir / "nginx-rasa.log"):
            last_port[sender] = port
        ports = Counter(last_port.get(senders.get(c.conversation_id)) for c in paused)
        victim = max(RASA, key=lambda name: ports[str(cluster.port(name))])
        on_victim = {c.conversation_id for c in paused
                     if last_port.get(senders.get(c.conversation_id)) == str(cluster.port(victim))}
        sup.kill(victim)
        killed = time.monotonic() - t0
        mark(f"kill -9 {victim} ({len(on_victim)} of {len(paused)} paused chats last talked to it)")
        # Past the dead server's conversation locks and the web hosts' back-off after a failed Rasa call.
        at(killed + 14)
        resume.set()
        mark("paused chats go on")
        at(killed + 16)
        sup.start("web1")
        sup.start("scheduler1")
        mark("web1 and scheduler1 started again")
        at(killed + 24)
        took = restart_postgresql()
        mark(f"PostgreSQL restarted ({took:.1f} s)")
        at(killed + 38)
        done, on_the_line = load.stop(wait_s=20)
        mark(f"load stopped: {len(done)} citizens done, {on_the_line} still on the line (not counted)")
        chats_done = [f.result(timeout=30) for f in mid_form]
        paused_ids = {c.conversation_id for c in paused}
        resumed = [c for c in chats_done if c.conversation_id in paused_ids]
        done += [c for c in chats_done if c.conversation_id not in paused_ids]
        chats.shutdown()
        deadline = time.monotonic() + 35
        while time.monotonic() < deadline and (outbox_open(svc) or len(reminders_received(fake_twilio, refs)) < len(refs)):
            time.sleep(0.5)
        time.sleep(2)  # room for a late duplicate to show up
        mark("outbox settled")

        tickets = _tickets_by_marker(svc)
        engines = _engines(svc, [c.conversation_id for c in resumed])
        sent_rows, statuses = outbox_sent(svc), outbox_statuses(svc)
        received = reminders_received(fake_twilio, refs)
        twilio_got = Counter((p["To"], p.get("Body", "")) for p in fake_twilio.accepted_messages())
        alive = {name: sup.alive(name) for name in sup.commands}
        logs = {name: sup.log(name, 1500) for name in ("web2", "scheduler2")}

    complaints = done + resumed
    _keep_for_post_mortem(tmp_path / "complaints.json", complaints, tickets, events)
    acked = [c for c in complaints if c.reference]
    by_channel = Counter(c.channel for c in complaints)
    acked_by_channel = Counter(c.channel for c in acked)
    wrong = [(c.channel, c.marker, c.reference, tickets.get(c.marker)) for c in acked
             if [t["reference"] for t in tickets.get(c.marker, [])] != [c.reference]]
    doubled = {m: ts for m, ts in tickets.items() if len(ts) > 1}
    resumed_acked = [c for c in resumed if c.reference]
    where_they_were = [c for c in resumed_acked
                       if any(c.location in t["location"] for t in tickets.get(c.marker, []) if t["location"])]
    on_rasa_after = [c for c in resumed_acked if c.conversation_id in on_victim and engines.get(c.conversation_id) == "rasa"]

    print("\n== cluster fault test ==")
    for second, what in events:
        print(f"  t+{second:5.1f}s  {what}")
    print(f"complaints: {len(complaints)} ({dict(by_channel)}); told a reference: {len(acked)} ({dict(acked_by_channel)})")
    print(f"  in the database exactly once under the reference they were told: {len(acked) - len(wrong)} of {len(acked)}")
    print(f"  markers filed twice (told or not): {len(doubled)}; without a reference: "
          f"{Counter(c.error.split(':')[0] for c in complaints if not c.reference and c.error)}")
    print(f"reminders due: {len(refs)}; reached Twilio once: {sum(1 for r in refs if received[r] == 1)}, "
          f"twice or more: {sum(1 for r in refs if received[r] > 1)}, never: {sum(1 for r in refs if not received[r])}")
    print(f"outbound rows: {dict(statuses)}; sent rows matching Twilio's own list: {sent_rows == twilio_got}")
    print(f"mid-form chats: {len(resumed)}, filed: {len(resumed_acked)}, with the place given before the kill: "
          f"{len(where_they_were)}; {len(on_victim)} were on the killed Rasa, {len(on_rasa_after)} of them "
          f"went on with the bot on the other (engines: {dict(Counter(engines.values()))})")
    print(f"driver errors: {load.crashed[:5]}; examples without a reference: "
          f"{[c.error for c in complaints if not c.reference][:4]}; details in {tmp_path / 'complaints.json'}")

    assert not load.crashed, load.crashed
    assert not wrong, wrong
    assert {r: received[r] for r in refs} == {r: 1 for r in refs}, (statuses, logs)
    assert sent_rows == twilio_got
    assert statuses.get("queued", 0) == 0 and statuses.get("sending", 0) == 0, statuses
    # The cluster carried the load through the faults, on every channel.
    assert len(acked) >= 0.8 * len(complaints), Counter(c.error for c in complaints if not c.reference)
    for channel, n in by_channel.items():
        assert acked_by_channel[channel] >= 0.5 * n, (channel, acked_by_channel, by_channel)
    # Every paused chat was filed with what it had said before its Rasa server died ...
    assert len(resumed) >= MID_FORM_CHATS // 2, f"only {len(resumed)} chats got half-way in time: too slow to judge"
    assert len(where_they_were) == len(resumed_acked) == len(resumed), [(c.error, c.marker) for c in resumed]
    # ... and those the dead server had last served went on with the bot itself (the SQL tracker store).
    assert on_victim and len(on_rasa_after) == len(on_victim), (on_victim, engines)
    assert alive["web2"] and alive["scheduler2"] and alive["nginx"], alive


def _tickets_by_marker(svc) -> dict[str, list[dict]]:
    """marker -> the tickets whose text carries it (reference, location, and what tells how it was filed)."""
    found = defaultdict(list)
    with svc.read_session() as s:
        for t in s.scalars(select(Ticket).order_by(Ticket.id)):
            m = MARKER.search(t.text or "")
            if m:
                found[m.group(1)].append({"reference": t.reference, "location": t.location_text or "",
                                          "channel": t.channel, "external_id": t.external_id,
                                          "opened_at": t.opened_at.isoformat(), "text": t.text})
    return dict(found)


def _keep_for_post_mortem(path, complaints, tickets, events) -> None:
    """Every complaint with the tickets found for it, and the fault timeline, beside the processes' logs."""
    path.write_text(json.dumps({"events": events, "complaints": [
        {**dataclasses.asdict(c), "tickets": tickets.get(c.marker, [])} for c in complaints]},
        ensure_ascii=False, indent=1), encoding="utf-8")


def _rasa_senders(svc, conversation_ids: list[str]) -> dict[str, str]:
    """chat conversation id -> the Rasa sender id the app uses for it."""
    with svc.read_session() as s:
        rows = s.scalars(select(Conversation).where(Conversation.external_id.in_(conversation_ids)))
        return {c.external_id: (c.state or {}).get("rasa_sender") for c in rows}


def _engines(svc, conversation_ids: list[str]) -> dict[str, str]:
    """chat conversation id -> who answered its last turn: the bot, or the built-in form after a failure."""
    with svc.read_session() as s:
        rows = s.scalars(select(Conversation).where(Conversation.external_id.in_(conversation_ids)))
        return {c.external_id: (c.state or {}).get("engine") or "rasa" for c in rows}

