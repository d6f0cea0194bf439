"""Read-only units of work: they see committed data, never commit, and on SQLite never wait for a writer."""
import threading

from sqlalchemy import func, select, text

from hotline.work.intake import IntakeRequest, open_ticket
from hotline.store.models import Ticket
from tests.helpers import at


def test_a_read_session_sees_committed_tickets_and_writes_nothing(db):
    with db.session() as s:
        open_ticket(s, IntakeRequest(text="路灯坏了", location="望京"), now=at("2026-11-28 02:00"), core=db.core)
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
        s.get(Ticket, 1).text = "changed by mistake"
    with db.read_session() as s:
        assert s.scalar(select(Ticket.text)) == "路灯坏了"


def test_a_read_does_not_wait_for_an_open_write_transaction(db):
    holding, release = threading.Event(), threading.Event()

    def writer():
        with db.session() as s:
            s.execute(text("UPDATE reference_counters SET last = last"))  # takes the write lock on SQLite
            holding.set()
            release.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    assert holding.wait(10)
    try:
        done = threading.Event()

        def reader():
            with db.read_session() as s:
                s.scalar(select(func.count()).select_from(Ticket))
            done.set()

        threading.Thread(target=reader).start()
        # The reader finishes while the writer still holds its transaction open.
        assert done.wait(5)
    finally:
        release.set()
        t.join()


def test_a_failed_write_gives_up_its_turn_so_the_next_writer_is_not_kept_waiting(db):
    import time

    import pytest
    with pytest.raises(RuntimeError):
        with db.session() as s:
            s.execute(text("UPDATE reference_counters SET last = last"))
            raise RuntimeError("the unit of work fails half way")
    finished = threading.Event()

    def writer():
        with db.session() as s:
            s.execute(text("UPDATE reference_counters SET last = last"))
        finished.set()

    start = time.monotonic()
    threading.Thread(target=writer).start()
    assert finished.wait(5), "the writers' turn was not handed back after the rollback"
    assert time.monotonic() - start < 5
