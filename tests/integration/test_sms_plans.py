"""The SMS path's lookups walk the indexes made for them, so an SMS costs the same with a million tickets as with
ten. (Measured before the fix: on SQLite each SMS grew 2 ms slower per thousand tickets, the 回访 lookup walking
every follow-up clock; on PostgreSQL the open-thread lookup, planned with a new database's statistics, walked all
of the channel's conversations; the similar-ticket lookup stepped over every ticket already linked to a master.)
The plans are read with the statements' own parameters, as the filing SMS sent them."""
from __future__ import annotations

from sqlalchemy import event

from tests.ivr.support import SignedClient, make_ivr_app
from tests.integration.test_sms_statements import sms


def sent_statements(engine, send) -> list[tuple[str, object]]:
    """(SQL, parameters) of every statement the engine's connections sent during send()."""
    seen = []

    def statement(conn, cursor, sql, params, context, executemany):
        if not executemany:
            seen.append((sql, params))

    event.listen(engine, "before_cursor_execute", statement)
    try:
        send()
    finally:
        event.remove(engine, "before_cursor_execute", statement)
    return seen


def plan(engine, sql: str, params) -> str:
    """The database's plan for the statement with these parameters (not run)."""
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(row[-1] for row in cursor.fetchall())
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def filing_sms_statements(db):
    tw = SignedClient(make_ivr_app(db).test_client())
    sms(tw, "回龙观小区路灯坏了好几天了", "SM" + "6" * 32, "+8613900000001")
    return sent_statements(db.engine, lambda: sms(tw, "望京街道小区停水了，一直没有水", "SM" + "7" * 32,
                                                  "+8613800138000"))


def one(statements, start: str):
    found = [s for s in statements if s[0].lstrip().startswith(start)]
    assert len(found) == 1, [s[0][:80] for s in statements]
    return found[0]


def test_the_sender_s_thread_and_waiting_survey_are_found_by_index(db):
    sql, params = one(filing_sms_statements(db), "INSERT INTO citizens")
    text = plan(db.engine, sql, params)

    assert "ix_conversations_thread" in text, text
    assert "conversations_channel_external_id_key" not in text, text  # the walk over the whole channel
    assert "ix_deadlines_clock_due" not in text, text  # the walk over every follow-up clock
    assert "ix_tickets_callback_phone" in text or "ix_deadlines_sms_survey" in text, text


def test_the_similar_ticket_lookup_reads_only_masters(db):
    sql, params = one(filing_sms_statements(db), "SELECT tickets.id, tickets.text")
    text = plan(db.engine, sql, params)

    assert "ix_tickets_similar_masters" in text, text
