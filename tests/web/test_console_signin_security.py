"""Sign-in as an attacker tries it: open redirects, guessing (alone, in parallel, behind a proxy), stolen cookies."""
import dataclasses
import threading
import uuid
from datetime import timedelta

import pyotp
import pytest
import requests
from sqlalchemy import select

from hotline.config import RateLimitConfig
from hotline.store.models import ConsoleSession, User
from tests.helpers import serve
from tests.web.console_support import NOW, PASSWORD, csrf_token, login

REDIS_URL = "redis://127.0.0.1:6379/0"


def _post_login(client, username, password, query="", **environ):
    token = csrf_token(client.get("/console/login", environ_base=environ).get_data(as_text=True))
    return client.post(f"/console/login{query}", environ_base=environ,
                       data={"username": username, "password": password, "csrf_token": token})


# -- #4 the next parameter ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0d%0aX:1", "/%0aLocation:%20//evil.example",
                                    "//evil.example", "https://evil.example/console/", "/\\evil.example",
                                    "/console%09/../..//evil.example", "javascript:alert(1)", "/api/v1/tickets"])
def test_sign_in_never_sends_the_browser_off_the_console(console_app, world, target):
    client = console_app.test_client()
    r = _post_login(client, "agent", PASSWORD, query=f"?next={target}")
    assert r.status_code == 303, r.status_code  # never a 500, whatever the bytes
    assert r.headers["Location"] == "/console/tickets?view=triage"


def test_sign_in_follows_next_inside_the_console(console_app, world):
    client = console_app.test_client()
    r = _post_login(client, "agent", PASSWORD, query="?next=/console/tickets%3Fstatus%3Dany")
    assert r.headers["Location"] == "/console/tickets?status=any"


# -- #5 the sign-in limiter -----------------------------------------------------------------------------------


def _app_with(console_app, db, **changes):
    """Another app on the same database and services, with app/ratelimit settings changed."""
    from app import create_app
    config = db.config
    if "trusted_proxies" in changes:
        config = dataclasses.replace(config, app=dataclasses.replace(config.app, trusted_proxies=changes["trusted_proxies"]))
    if "storage_url" in changes:
        config = dataclasses.replace(config, ratelimit=RateLimitConfig(storage_url=changes["storage_url"],
                                                                       key_prefix=f"test-{uuid.uuid4().hex}"))
    other = create_app(config, services=db)
    other.testing = True
    other.config["HOTLINE_CLOCK"] = console_app.config["HOTLINE_CLOCK"]
    return other


def test_behind_one_proxy_an_attackers_guesses_lock_out_the_attacker_not_everyone(console_app, db, world):
    proxied = _app_with(console_app, db, trusted_proxies=1)
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    for name in ("agent", "handler_a", "handler_b", "supervisor") * 6:  # 24 guesses spread over four accounts
        r = _post_login(proxied.test_client(), name, "wrong-password-x", **dict(attacker))
    assert r.status_code == 429  # the attacker's address is spent
    citizen_staff = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert _post_login(proxied.test_client(), "agent", PASSWORD, **citizen_staff).status_code == 303


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(console_app, db, world):
    direct = _app_with(console_app, db, trusted_proxies=0)
    for i in range(5):
        r = _post_login(direct.test_client(), "handler_a", "wrong-password-x",
                        REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR=f"10.9.9.{i}")
        assert r.status_code == 401
    r = _post_login(direct.test_client(), "handler_a", PASSWORD,
                    REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR="10.9.9.99")
    assert r.status_code == 429


def test_a_right_password_clears_the_count_for_that_user_from_that_address(console_app, world):
    client = console_app.test_client()
    for _ in range(4):
        assert _post_login(client, "agent", "wrong-password-x").status_code == 401
    assert _post_login(console_app.test_client(), "agent", PASSWORD).status_code == 303
    for _ in range(4):
        assert _post_login(client, "agent", "wrong-password-x").status_code == 401


def test_64_simultaneous_guesses_get_exactly_the_limit_with_redis_shared_storage(console_app, db, world):
    shared = _app_with(console_app, db, storage_url=REDIS_URL)
    results, barrier = [], threading.Barrier(64)

    def guess(url):
        with requests.Session() as http:
            token = csrf_token(http.get(f"{url}/console/login", timeout=30).text)
            barrier.wait(timeout=60)
            r = http.post(f"{url}/console/login", data={"username": "handler_a", "password": "wrong-password-x",
                                                         "csrf_token": token}, allow_redirects=False, timeout=60)
            results.append(r.status_code)

    with serve(shared) as url:
        threads = [threading.Thread(target=guess, args=(url,)) for _ in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert len(results) == 64
    limit = int(db.config.auth.login_limit_per_user_address.split()[0])
    assert results.count(401) == limit, sorted(results)  # checked against the password: never more
    assert results.count(429) == 64 - limit


def test_the_count_lives_in_redis_so_a_second_process_sees_it(console_app, db, world):
    first = _app_with(console_app, db, storage_url=REDIS_URL)
    prefix = first.extensions["hotline_limiter_prefix"]
    for _ in range(5):
        assert _post_login(first.test_client(), "handler_b", "wrong-password-x").status_code == 401
    second = _app_with(console_app, db, storage_url=REDIS_URL)  # another web process, same Redis
    second.extensions["hotline_limiter_prefix"] = prefix
    assert _post_login(second.test_client(), "handler_b", PASSWORD).status_code == 429


# -- #6 sessions that end on the server --------------------------------------------------------------------


def _copy_cookie(source, target):
    cookie = source.get_cookie("session")
    target.set_cookie("session", cookie.value)


def test_a_copied_session_cookie_dies_when_its_owner_signs_out(console_app, world):
    owner = console_app.test_client()
    token = login(owner, "handler_a")
    thief = console_app.test_client()
    _copy_cookie(owner, thief)
    assert thief.get("/console/tickets").status_code == 200
    owner.post("/console/logout", data={"csrf_token": token})
    r = thief.get("/console/tickets")
    assert r.status_code == 302 and r.headers["Location"].startswith("/console/login")


def test_sign_out_on_one_host_ends_the_session_on_every_host(console_app, db, world):
    other_host = _app_with(console_app, db)
    owner = console_app.test_client()
    token = login(owner, "agent")
    elsewhere = other_host.test_client()
    _copy_cookie(owner, elsewhere)
    assert elsewhere.get("/console/tickets").status_code == 200
    owner.post("/console/logout", data={"csrf_token": token})
    assert elsewhere.get("/console/tickets").status_code == 302


def test_an_idle_session_ends_after_the_configured_minutes_but_activity_keeps_it(console_app, db, world):
    clock = {"now": NOW}
    console_app.config["HOTLINE_CLOCK"] = lambda: clock["now"]
    client = console_app.test_client()
    login(client, "handler_a")
    idle = timedelta(minutes=db.config.auth.idle_timeout_minutes)
    clock["now"] = NOW + idle - timedelta(minutes=1)
    assert client.get("/console/tickets").status_code == 200  # activity: the idle time starts again
    clock["now"] += idle - timedelta(minutes=1)
    assert client.get("/console/tickets").status_code == 200
    clock["now"] += idle + timedelta(seconds=1)
    assert client.get("/console/tickets").status_code == 302


def test_polling_pages_do_not_keep_an_abandoned_session_alive(console_app, db, world):
    clock = {"now": NOW}
    console_app.config["HOTLINE_CLOCK"] = lambda: clock["now"]
    client = console_app.test_client()
    login(client, "agent")
    idle = timedelta(minutes=db.config.auth.idle_timeout_minutes)
    for step in range(1, 4):
        clock["now"] = NOW + step * idle / 3 - timedelta(seconds=5)
        assert client.get("/console/inbox/count").status_code == 200
    clock["now"] = NOW + idle + timedelta(seconds=1)
    assert client.get("/console/inbox/count").status_code in (302, 401)


def test_a_session_ends_after_the_longest_lifetime_even_when_busy(console_app, db, world):
    clock = {"now": NOW}
    console_app.config["HOTLINE_CLOCK"] = lambda: clock["now"]
    client = console_app.test_client()
    login(client, "agent")
    step = timedelta(minutes=db.config.auth.idle_timeout_minutes - 1)
    end = NOW + timedelta(hours=db.config.auth.max_session_hours)
    while clock["now"] + step < end:
        clock["now"] += step
        assert client.get("/console/tickets").status_code == 200
    clock["now"] = end + timedelta(seconds=1)
    assert client.get("/console/tickets").status_code == 302


def test_deactivating_a_user_ends_their_sessions_in_the_table(console_app, db, world):
    victim = console_app.test_client()
    login(victim, "handler_b")
    admin = console_app.test_client()
    token = login(admin, "admin")
    r = admin.post(f"/console/users/{world.users['handler_b']}",
                   data={"role": "handler", "unit": "township:110105001", "csrf_token": token})
    assert r.status_code == 303
    assert victim.get("/console/tickets").status_code == 302
    with db.session() as s:
        rows = s.scalars(select(ConsoleSession).where(ConsoleSession.user_id == world.users["handler_b"])).all()
        assert rows and all(r.ended_reason == "deactivated" for r in rows)


# -- #15 passwords and the second factor -----------------------------------------------------------------------


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "1234567890", "qwertyuiop", "password123", "P@ssw0rd2024",
                                      "woaini1314520", "abcabcabcabc", "newbie-12345"])
def test_common_and_trivial_passwords_are_refused(console_app, db, world, password):
    client = console_app.test_client()
    token = login(client, "admin")
    r = client.post("/console/users", data={"username": "newbie", "role": "agent", "password": password,
                                            "csrf_token": token}, follow_redirects=True)
    assert "password" in r.get_data(as_text=True).lower()
    with db.session() as s:
        assert s.scalars(select(User).where(User.username == "newbie")).first() is None


def test_the_command_line_refuses_a_trivial_password_too(console_app):
    result = console_app.test_cli_runner().invoke(args=["create-user", "--username", "boss2", "--role", "admin",
                                                        "--password", "1234567890"])
    assert result.exit_code != 0 and "sequence" in result.output


def _enrol(client, db, username):
    page = client.get("/console/account/totp").get_data(as_text=True)
    secret = page.split('id="totp-secret">', 1)[1].split("<", 1)[0]
    assert "otpauth://totp/" in page and secret in page
    token = csrf_token(page)
    r = client.post("/console/account/totp", data={"code": pyotp.TOTP(secret).at(NOW), "csrf_token": token})
    assert r.status_code == 303
    return secret


def test_a_supervisor_enrols_a_second_factor_and_the_secret_is_never_shown_again(console_app, db, world):
    client = console_app.test_client()
    login(client, "supervisor")
    secret = _enrol(client, db, "supervisor")
    again = client.get("/console/account/totp").get_data(as_text=True)
    assert secret not in again and 'id="totp-enrolled"' in again
    with db.session() as s:
        assert s.get(User, world.users["supervisor"]).totp_secret == secret


def test_once_enrolled_sign_in_needs_a_fresh_code(console_app, db, world):
    client = console_app.test_client()
    login(client, "supervisor")
    secret = _enrol(client, db, "supervisor")
    browser = console_app.test_client()
    r = _post_login(browser, "supervisor", PASSWORD)
    assert r.status_code == 303 and r.headers["Location"] == "/console/login/totp"
    assert browser.get("/console/tickets").status_code == 302  # the password alone signs nobody in
    page = browser.get("/console/login/totp").get_data(as_text=True)
    token = csrf_token(page)
    assert browser.post("/console/login/totp", data={"code": "000000", "csrf_token": token}).status_code == 401
    # The code used to enrol cannot be replayed; the next one (30 s later) signs in, once.
    console_app.config["HOTLINE_CLOCK"] = lambda: NOW + timedelta(seconds=30)
    assert browser.post("/console/login/totp", data={"code": pyotp.TOTP(secret).at(NOW),
                                                     "csrf_token": token}).status_code == 401
    code = pyotp.TOTP(secret).at(NOW + timedelta(seconds=30))
    r = browser.post("/console/login/totp", data={"code": code, "csrf_token": token})
    assert r.status_code == 303
    assert browser.get("/console/tickets").status_code == 200
    replay = console_app.test_client()
    _post_login(replay, "supervisor", PASSWORD)
    token = csrf_token(replay.get("/console/login/totp").get_data(as_text=True))
    assert replay.post("/console/login/totp", data={"code": code, "csrf_token": token}).status_code == 401


def test_with_totp_required_a_supervisor_enrols_before_anything_else(console_app, db, world):
    strict = dataclasses.replace(db.config, auth=dataclasses.replace(db.config.auth, require_totp=True))
    from app import create_app
    app = create_app(strict, services=dataclasses.replace(db, config=strict))
    app.testing = True
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    client = app.test_client()
    login(client, "supervisor")
    r = client.get("/console/tickets")
    assert r.status_code == 302 and r.headers["Location"] == "/console/account/totp"
    assert client.get("/console/account/totp").status_code == 200
    agent = app.test_client()
    login(agent, "agent")  # other roles are not asked
    assert agent.get("/console/tickets").status_code == 200


# -- #12 seed-demo never touches a real account ----------------------------------------------------------------


def test_seed_demo_leaves_an_existing_accounts_password_alone(console_app, db):
    from console.users import create_user
    with db.session() as s:
        create_user(s, username="supervisor", password="the-real-chief-4417", role="supervisor", now=NOW)
    result = console_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "password unchanged" in result.output
    assert _post_login(console_app.test_client(), "supervisor", "supervisor-demo-12345").status_code == 401
    assert _post_login(console_app.test_client(), "supervisor", "the-real-chief-4417").status_code == 303
