"""Accounts: hashed passwords, the sign-in limiter, session end on password change, the CLI commands."""
from sqlalchemy import select

from hotline.store.models import User
from tests.web.console_support import PASSWORD, csrf_token, flashes, login, speak


def _try(client, username, password):
    token = csrf_token(client.get("/console/login").get_data(as_text=True))
    return client.post("/console/login", data={"username": username, "password": password, "csrf_token": token})


def test_five_wrong_passwords_lock_the_username_even_against_the_right_one(console_app, world):
    client = speak(console_app.test_client(), "en")
    for _ in range(5):
        assert _try(client, "handler_a", "wrong-password-x").status_code == 401
    locked = _try(client, "handler_a", PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert any("Too many" in f for f in flashes(locked.get_data(as_text=True)))
    # Both were counted before the password was looked at: the right one is refused too, unchecked.
    # The lock is per username and per address: another address may still sign in as someone else.
    other = console_app.test_client()
    r = other.post("/console/login", environ_base={"REMOTE_ADDR": "10.0.0.9"},
                   data={"username": "agent", "password": PASSWORD,
                         "csrf_token": csrf_token(other.get("/console/login",
                                                            environ_base={"REMOTE_ADDR": "10.0.0.9"}).get_data(as_text=True))})
    assert r.status_code == 303


def test_a_user_created_on_the_command_line_has_a_salted_hash_and_can_sign_in(console_app, db):
    result = console_app.test_cli_runner().invoke(args=["create-user", "--username", "boss", "--role", "admin",
                                                        "--password", "a-long-secret-1"])
    assert result.exit_code == 0, result.output
    with db.session() as s:
        user = s.scalars(select(User).where(User.username == "boss")).one()
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:")) and "a-long-secret-1" not in user.password_hash
    client = console_app.test_client()
    assert _try(client, "boss", "a-long-secret-1").headers["Location"] == "/console/users"
    weak = console_app.test_cli_runner().invoke(args=["create-user", "--username", "x", "--password", "short"])
    assert weak.exit_code != 0 and "10 characters" in weak.output


def test_a_handler_needs_a_real_unit_on_the_command_line(console_app):
    result = console_app.test_cli_runner().invoke(args=["create-user", "--username", "h", "--role", "handler",
                                                        "--unit-type", "township", "--unit-code", "999999999",
                                                        "--password", "a-long-secret-1"])
    assert result.exit_code != 0 and "unknown township" in result.output


def test_seed_demo_prints_a_working_account_for_every_role(console_app, db):
    result = console_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if line.startswith("    ") and "-demo-" in line]
    assert {r[0] for r in rows} == {"agent", "handler", "department", "supervisor", "admin"}
    for role, username, password, *_ in rows:
        client = console_app.test_client()
        assert _try(client, username, password).status_code == 303, username
    again = console_app.test_cli_runner().invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "demo tickets" not in again.output  # idempotent: no second batch


def test_changing_a_password_ends_the_users_open_sessions(console_app, db, world):
    victim = console_app.test_client()
    login(victim, "handler_a")
    assert victim.get("/console/tickets").status_code == 200
    sup = console_app.test_client()
    token = login(sup, "supervisor")
    r = sup.post(f"/console/users/{world.users['handler_a']}",
                 data={"role": "handler", "unit": "township:110105004", "active": "y",
                       "password": "brand-new-password", "csrf_token": token})
    assert r.status_code == 303
    assert victim.get("/console/tickets").headers["Location"].startswith("/console/login")


def test_logout_needs_a_post_and_ends_the_session(console_app, world):
    client = console_app.test_client()
    token = login(client, "agent")
    assert client.get("/console/logout").status_code == 405
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/console/tickets").status_code == 302


def test_session_cookie_is_httponly_and_samesite(console_app, world):
    client = console_app.test_client()
    token = csrf_token(client.get("/console/login").get_data(as_text=True))
    r = client.post("/console/login", data={"username": "agent", "password": PASSWORD, "csrf_token": token})
    [cookie] = [c for c in r.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
