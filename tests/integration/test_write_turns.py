"""Writers take turns without waiting on one another's locks longer than they must, on both backends."""
import fcntl
import os
import threading

import pytest
from sqlalchemy import select, text

from hotline.store.models import ReferenceCounter
from hotline.store.references import next_reference
from tests.helpers import at

NOW = at("2026-11-28 02:00")  # 28 Nov 2026, 10:00 in Beijing: day 332


@pytest.mark.backend("postgresql")
def test_an_open_unit_of_work_does_not_hold_the_reference_counter_on_postgresql(db):
    with db.session() as first:
        assert next_reference(first, NOW) == "2633200001"
        taken = {}

        def second():
            with db.session() as s:
                s.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting for the row would fail, not hang
                taken["reference"] = next_reference(s, NOW)

        t = threading.Thread(target=second)
        t.start()
        t.join(10)
        # The first unit of work is still open: its number was committed on its own, so the second went on.
        assert taken.get("reference") == "2633200002"


def test_a_rolled_back_filing_leaves_a_gap_on_postgresql_and_gives_its_number_back_on_sqlite(db):
    with pytest.raises(RuntimeError):
        with db.session() as s:
            next_reference(s, NOW)
            raise RuntimeError("the intake fails after taking its number")
    # PostgreSQL took it in a transaction of its own (a gap, never a reused number); SQLite inside the one
    # that rolled back.
    postgresql = db.engine.dialect.name == "postgresql"
    with db.session() as s:
        assert next_reference(s, NOW) == ("2633200002" if postgresql else "2633200001")
        assert s.scalar(select(ReferenceCounter.last)) == (2 if postgresql else 1)


def _other_process_can_write(path: str) -> bool:
    """Whether another process would get the SQLite writers' file lock now (a second open file stands in)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.mark.backend("sqlite")
@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_sqlite_writers_queue_on_a_file_lock_held_exactly_for_the_write_transaction(db, ending):
    path = db.engine.url.database + "-writers"
    with db.read_session() as s:
        s.execute(text("SELECT 1"))  # a reader takes no turn
        assert _other_process_can_write(path)
    try:
        with db.session() as s:
            s.execute(text("UPDATE reference_counters SET last = last"))
            assert not _other_process_can_write(path)
            if ending == "rollback":
                raise RuntimeError("the unit of work fails")
    except RuntimeError:
        pass
    # Handed on after SQLite finished: the next process finds SQLite's own lock free too.
    assert _other_process_can_write(path)
    with db.session() as s:
        s.execute(text("UPDATE reference_counters SET last = last"))
    assert _other_process_can_write(path)
