"""Pytest fixtures for the fakes; registered by the lead's conftest via `pytest_plugins`."""

import pytest

from tests.fakes.fake_twilio import FakeTwilio


@pytest.fixture
def fake_twilio():
    """A started FakeTwilio; fails the test at teardown if any request broke Twilio's spec."""
    with FakeTwilio() as fake:
        yield fake
        # Tests that send invalid requests on purpose call fake.take_invalid() to claim them.
        if fake.invalid:
            pytest.fail(f"requests rejected by the Twilio spec: {fake.invalid}", pytrace=False)
