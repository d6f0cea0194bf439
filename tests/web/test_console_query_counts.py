"""Pages cost a fixed number of SQL statements whatever they show (no N+1)."""
from contextlib import contextmanager

from sqlalchemy import event

from hotline.work import lifecycle as tickets
from hotline.store.models import Conversation, Message, Ticket
from tests.helpers import at
from tests.factories import ticket
from tests.web.console_support import NOW, SUMMONED, SUMMONED_2, find, login


@contextmanager
def counting(engine):
    """Count the statements sent to the database inside the block."""
    seen = []

    def _count(conn, cursor, statement, params, context, executemany):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def _add_tickets(db, n: int) -> list[int]:
    ids = []
    with db.session() as s:
        for i in range(n):
            t = ticket(s, db.core, at("2026-03-01 08:00"), text=f"三里屯第{i}号楼有人私搭乱建，楼顶加盖{i}层",
                       location="朝阳区三里屯街道", phone=f"1390000{i:04d}", channel="voice")
            ids.append(t.id)
    return ids


def _get(client, db, url):
    with counting(db.engine) as seen:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(seen), r.get_data(as_text=True)


def test_the_queue_costs_the_same_statements_for_five_tickets_as_for_forty(console_app, db, world):
    client = console_app.test_client()
    login(client, "supervisor")
    _get(client, db, "/console/tickets")  # warm the unit menus (read once per process)
    few, _ = _get(client, db, "/console/tickets?status=any")
    refs = _add_tickets(db, 35)
    many, html = _get(client, db, "/console/tickets?status=any")
    assert html.count('data-reference="') == 40
    assert many == few
    assert many <= 6
    assert refs


def test_the_ticket_page_costs_the_same_statements_with_a_long_history(console_app, db, world):
    client = console_app.test_client()
    login(client, "supervisor")
    busy = world.tickets["tb"]
    with db.session() as s:
        conv = Conversation(channel="web", external_id="busy", status="closed", state={}, created_at=NOW,
                            updated_at=NOW)
        s.add(conv)
        s.flush()
        s.get(Ticket, busy).conversation_id = conv.id
        s.add(Message(conversation_id=conv.id, channel="web", direction="in", body="m", media=[], created_at=NOW))
        conv_id = conv.id
    _get(client, db, f"/console/tickets/{busy}")  # warm the unit menus (read once per process)
    few, _ = _get(client, db, f"/console/tickets/{busy}")
    cluster = _add_tickets(db, 6)
    with db.session() as s:
        t = s.get(Ticket, busy)
        for i in range(14):
            s.add(Message(conversation_id=conv_id, channel="web", direction="in", body=f"m{i}", media=[],
                          created_at=NOW))
        tickets.sign(s, t, actor="user:1", now=at("2026-03-02 01:30"))
        for i in range(10):
            tickets.add_note(s, t, note=f"note {i}", actor=f"user:{i % 3 + 1}", now=at("2026-03-02 01:31"))
        tickets.blow_whistle(s, t, summons=[(SUMMONED, "a"), (SUMMONED_2, "b")], actor="test",
                             now=at("2026-03-02 01:40"))
        for cid in cluster:
            s.get(Ticket, cid).master_id = busy
    many, html = _get(client, db, f"/console/tickets/{busy}")
    assert html.count('class="msg ') == 15
    assert len(find(html, "li", **{"data-action": "note"})) == 10
    assert len(find(html, "tr", **{"data-department": SUMMONED})) == 1
    assert many == few + 1  # the history now names console users: one more statement, however many notes
    assert many <= 16
