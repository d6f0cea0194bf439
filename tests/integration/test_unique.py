"""insert_or_get: one row per unique key, the twin that won a race is the answer, the outer transaction survives."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from hotline.store.models import Notification
from hotline.store.unique import insert_or_get
from tests.helpers import at

NOW = at("2026-11-28 02:00")


def note(key: str, message: str) -> Notification:
    return Notification(audience_type="city", audience_code=None, kind="chat", message=message, idempotency_key=key,
                        created_at=NOW)


def by_key(key: str):
    return select(Notification).where(Notification.idempotency_key == key)


def test_a_new_key_is_inserted_and_flushed_with_its_id(session):
    row, created = insert_or_get(session, lambda: note("k1", "first"), by_key("k1"))

    assert created and row.id is not None
    assert session.scalar(select(func.count()).select_from(Notification)) == 1


def test_a_key_seen_before_is_found_without_building_a_row(session):
    first, _ = insert_or_get(session, lambda: note("k1", "first"), by_key("k1"))

    def never():
        raise AssertionError("built a row for a key that exists")

    again, created = insert_or_get(session, never, by_key("k1"))

    assert again is first and not created


def test_a_twin_committed_meanwhile_wins_and_the_outer_transaction_goes_on(db, session):
    with db.session() as twin:  # another request commits the same key first (SQLite: before we hold the lock)
        twin.add(note("k1", "the twin"))
    kept, _ = insert_or_get(session, lambda: note("other", "work done before the collision"), by_key("other"))

    row, created = insert_or_get(session, lambda: note("k1", "ours"), by_key("k1"), look_first=False)
    session.commit()

    assert not created and row.message == "the twin"
    assert sorted(session.scalars(select(Notification.message))) == ["the twin", "work done before the collision"]
    assert kept.id is not None


def test_a_collision_with_no_twin_to_find_is_not_hidden(db, session):
    with db.session() as twin:
        twin.add(note("k1", "the twin"))

    with pytest.raises(IntegrityError):
        insert_or_get(session, lambda: note("k1", "ours"), None)
    session.rollback()  # no key to look for, so no savepoint: the transaction is spent, as the caller learns
    with pytest.raises(IntegrityError):
        insert_or_get(session, lambda: note("k1", "ours"), by_key("some other key"), look_first=False)
