"""The SMS path stays lean: a filing SMS and a status SMS cost at most 10 statements and exactly one commit."""
from __future__ import annotations

import threading
from contextlib import contextmanager

from sqlalchemy import event, func, select

from hotline.store.db import side_engine
from hotline.store.models import Deadline, Message, Ticket, TicketEvent
from tests.ivr.support import SignedClient, make_ivr_app, twiml

MAX_STATEMENTS = 10
FILING = "望京街道小区停水了，一直没有水"


@contextmanager
def counting(engine):
    """Every statement, commit and savepoint the engine sends inside the block.

    SQLite's BEGIN IMMEDIATE (the write lock, sent by store.db) is the transaction's bracket, counted apart
    like the commit; psycopg sends PostgreSQL's BEGIN itself, unseen here. On PostgreSQL the reference counter
    is one autocommit statement on the engine's side connections (store.references): counted with the others,
    and listed apart in "side"."""
    seen = {"statements": [], "side": [], "begins": 0, "commits": 0, "savepoints": 0}

    def statement(conn, cursor, sql, params, context, executemany):
        if sql.startswith("BEGIN"):
            seen["begins"] += 1
        else:
            seen["statements"].append(sql)

    def commit(conn):
        seen["commits"] += 1

    def savepoint(conn, name):
        seen["savepoints"] += 1

    def side_statement(conn, cursor, sql, params, context, executemany):
        seen["statements"].append(sql)
        seen["side"].append(sql)

    side = side_engine(engine)
    hooks = [(engine, "before_cursor_execute", statement), (engine, "commit", commit),
             (engine, "savepoint", savepoint)]
    if side is not None:
        hooks.append((side, "before_cursor_execute", side_statement))
    for target, name, fn in hooks:
        event.listen(target, name, fn)
    try:
        yield seen
    finally:
        for target, name, fn in hooks:
            event.remove(target, name, fn)


def sms(tw, body: str, sid: str, phone: str) -> list[str]:
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": phone, "To": "+8610012345",
              "Body": body, "NumMedia": "0"}
    return [m.text for m in twiml(tw.post("/twilio/sms", **params)).iter("Message")]


def assert_lean(seen) -> None:
    listing = "\n".join(s.split("\n")[0][:120] for s in seen["statements"])
    assert len(seen["statements"]) <= MAX_STATEMENTS, f"{len(seen['statements'])} statements:\n{listing}"
    # One unit of work: one transaction, committed once, no savepoint; beside it on PostgreSQL at most the
    # reference counter's one autocommit statement (no row lock held to the commit).
    assert seen["commits"] == 1 and seen["savepoints"] == 0 and seen["begins"] <= 1, seen
    assert all("reference_counters" in sql for sql in seen["side"]) and len(seen["side"]) <= 1, seen["side"]


def test_a_filing_sms_costs_at_most_ten_statements_and_one_commit(db):
    tw = SignedClient(make_ivr_app(db).test_client())
    sms(tw, "回龙观小区路灯坏了好几天了", "SM" + "0" * 32, "+8613900000001")  # warm-up: caches, prepared plans
    with counting(db.engine) as seen:
        (reply,) = sms(tw, FILING, "SM" + "1" * 32, "+8613800138000")
    assert_lean(seen)
    with db.session() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.channel == "sms").order_by(Ticket.id.desc())).first()
        assert ticket.reference in reply and ticket.township_code == "110105026"
        # Nothing was left out to save a statement: every clock, every event, the message and the reply.
        assert s.scalar(select(func.count()).select_from(Deadline).where(Deadline.ticket_id == ticket.id)) >= 2
        assert s.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket.id)) >= 2
        bodies = s.scalars(select(Message.body).where(Message.conversation_id == ticket.conversation_id)).all()
        assert FILING in bodies and reply in bodies


def test_a_status_sms_after_filing_costs_at_most_ten_statements_and_one_commit(db):
    tw = SignedClient(make_ivr_app(db).test_client())
    sms(tw, FILING, "SM" + "2" * 32, "+8613800138000")
    with counting(db.engine) as seen:
        (reply,) = sms(tw, "查询", "SM" + "3" * 32, "+8613800138000")
    assert_lean(seen)
    with db.session() as s:
        ticket = s.scalars(select(Ticket)).one()
    assert ticket.reference in reply


def test_a_retried_filing_sms_is_still_one_ticket_and_the_same_reply(db):
    tw = SignedClient(make_ivr_app(db).test_client())
    first = sms(tw, FILING, "SM" + "4" * 32, "+8613800138000")
    with counting(db.engine) as seen:
        again = sms(tw, FILING, "SM" + "4" * 32, "+8613800138000")
    assert first == again and first
    assert seen["savepoints"] == 0 and len(seen["statements"]) <= MAX_STATEMENTS
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1


def test_concurrent_filings_get_unique_references_and_a_twin_retry_files_once(db):
    app = make_ivr_app(db)
    replies, errors = {}, []

    def citizen(n: int) -> None:
        tw = SignedClient(app.test_client())
        try:
            for k in range(3):
                sid = f"SM{n:02d}{k:02d}" + "5" * 28
                (replies[sid],) = sms(tw, f"望京街道{n}号楼{k}单元停水了", sid, f"+86138000{n:05d}")
            # Twilio's retry of the last one, while the others are still filing: the same answer, nothing new.
            assert sms(tw, f"望京街道{n}号楼2单元停水了", sid, f"+86138000{n:05d}") == [replies[sid]]
        except Exception as exc:  # noqa: BLE001 - reported below, with the thread's own traceback lost
            errors.append(exc)

    threads = [threading.Thread(target=citizen, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with db.session() as s:
        references = s.scalars(select(Ticket.reference)).all()
    assert len(references) == len(set(references)) == 18
    # Every acknowledged complaint was committed before its reply named it.
    assert sorted(r for reply in replies.values() for r in references if r in reply) == sorted(references)
