"""Who may manage whom: a supervisor manages only lower roles, a district supervisor only inside its district."""
import pytest
from sqlalchemy import func, select

from hotline.store.models import User
from tests.web.console_support import PASSWORD_HASH, NOW, PASSWORD, csrf_token, find, login

CHAOYANG, HAIDIAN = "110105", "110108"
ZHONGGUANCUN = "110108011"  # 中关村街道, 海淀区
TOWN_A = "110105004"  # 三里屯街道, 朝阳区
STRONG = "river-lantern-copper-42"


@pytest.fixture
def staff(world, db):
    """The world's users plus a district supervisor of 朝阳 and of 海淀, and a handler in 海淀."""
    ids = dict(world.users)
    with db.session() as s:
        for name, role, unit_type, unit_code in (("sup_cy", "supervisor", "district", CHAOYANG),
                                                 ("sup_hd", "supervisor", "district", HAIDIAN),
                                                 ("handler_hd", "handler", "township", ZHONGGUANCUN)):
            u = User(username=name, password_hash=PASSWORD_HASH, display_name=name, role=role, unit_type=unit_type,
                     unit_code=unit_code, active=True, created_at=NOW)
            s.add(u)
            s.flush()
            ids[name] = u.id
    return ids


def _user(db, user_id):
    with db.session() as s:
        u = s.get(User, user_id)
        return u.role, u.unit_type, u.unit_code, u.password_hash


def _count(db):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(User))


def _create(client, token, **form):
    return client.post("/console/users", data={"username": "newbie", "password": STRONG, "csrf_token": token,
                                               **form})


# (actor, role, unit, expected status) for creating an account
CREATE = [
    ("sup_cy", "supervisor", "", 403),                       # a supervisor with no unit is city-wide
    ("sup_cy", "supervisor", f"district:{CHAOYANG}", 403),   # peers are an admin's job
    ("sup_cy", "agent", "", 403),                            # an intake agent sees every district
    ("sup_cy", "handler", f"township:{ZHONGGUANCUN}", 403),  # another district's township
    ("sup_cy", "department", "department:BJ-CGZF", 403),     # a city-wide department
    ("sup_cy", "handler", f"township:{TOWN_A}", 303),        # its own district: fine
    ("sup_cy", "handler", f"department:GOV-{CHAOYANG}", 303),  # its district government: fine
    ("supervisor", "supervisor", f"district:{HAIDIAN}", 403),  # a city supervisor makes no supervisors
    ("supervisor", "admin", "", 403),
    ("supervisor", "agent", "", 303),
    ("supervisor", "handler", f"township:{ZHONGGUANCUN}", 303),
    ("admin", "supervisor", f"district:{HAIDIAN}", 303),
    ("admin", "admin", "", 303),
]


@pytest.mark.parametrize("actor,role,unit,expected", CREATE, ids=[f"{a}-{r}-{u or 'none'}" for a, r, u, _ in CREATE])
def test_creating_an_account_is_limited_to_lower_roles_in_the_creators_scope(console_app, db, staff, actor, role,
                                                                              unit, expected):
    client = console_app.test_client()
    token = login(client, actor)
    before = _count(db)
    r = _create(client, token, role=role, unit=unit)
    assert r.status_code == expected, r.get_data(as_text=True)[:300]
    assert _count(db) == before + (1 if expected == 303 else 0)


# (actor, target, form changes, expected status)
EDIT = [
    ("sup_cy", "supervisor", {"role": "supervisor", "unit": "", "password": STRONG}, 403),  # a peer's password
    ("sup_cy", "sup_hd", {"role": "supervisor", "unit": f"district:{HAIDIAN}"}, 403),
    ("sup_cy", "sup_cy", {"role": "supervisor", "unit": ""}, 403),  # widen itself to the city
    ("sup_cy", "sup_cy", {"role": "supervisor", "unit": f"district:{HAIDIAN}"}, 403),  # or move itself
    ("sup_cy", "handler_hd", {"role": "handler", "unit": f"township:{ZHONGGUANCUN}", "password": STRONG}, 403),
    ("sup_cy", "handler_a", {"role": "handler", "unit": f"township:{ZHONGGUANCUN}"}, 403),  # out of its district
    ("sup_cy", "handler_a", {"role": "agent", "unit": ""}, 403),  # promote to city-wide intake
    ("sup_cy", "handler_a", {"role": "handler", "unit": "township:110105001", "password": STRONG}, 303),
    ("supervisor", "sup_cy", {"role": "supervisor", "unit": "", "password": STRONG}, 403),
    ("supervisor", "handler_a", {"role": "supervisor", "unit": ""}, 403),  # make a supervisor
    ("supervisor", "handler_hd", {"role": "handler", "unit": f"township:{TOWN_A}", "password": STRONG}, 303),
    ("admin", "sup_cy", {"role": "supervisor", "unit": "", "password": STRONG}, 303),
]


@pytest.mark.parametrize("actor,target,changes,expected", EDIT,
                         ids=[f"{a}-edits-{t}-{c['role']}" for a, t, c, _ in EDIT])
def test_editing_an_account_never_widens_a_scope_or_resets_a_peers_password(console_app, db, staff, actor, target,
                                                                             changes, expected):
    client = console_app.test_client()
    token = login(client, actor)
    before = _user(db, staff[target])
    r = client.post(f"/console/users/{staff[target]}", data={"active": "y", "csrf_token": token, **changes})
    assert r.status_code == expected, r.get_data(as_text=True)[:300]
    after = _user(db, staff[target])
    if expected == 403:
        assert after == before, "a refused edit changed the account"
    else:
        assert after != before


def test_a_district_supervisor_cannot_even_open_a_peer_or_an_outsider(console_app, db, staff):
    client = console_app.test_client()
    login(client, "sup_cy")
    for target in ("supervisor", "sup_hd", "admin", "agent", "handler_hd", "dept_d"):
        assert client.get(f"/console/users/{staff[target]}").status_code == 403, target
    assert client.get(f"/console/users/{staff['handler_a']}").status_code == 200
    assert client.get(f"/console/users/{staff['sup_cy']}").status_code == 200  # itself: name and password


def test_the_user_list_of_a_district_supervisor_shows_its_district_only(console_app, db, staff):
    client = console_app.test_client()
    login(client, "sup_cy")
    html = client.get("/console/users").get_data(as_text=True)
    names = {a["text"].strip() for a in find(html, "a") if "/console/users/" in a["attrs"].get("href", "")}
    assert names == {"sup_cy", "handler_a", "handler_b"}
    options = {o["attrs"].get("value") for o in find(html, "option")}
    assert f"township:{TOWN_A}" in options and f"township:{ZHONGGUANCUN}" not in options
    assert {v for v in options if v and v.startswith("district:")} == {f"district:{CHAOYANG}"}


def test_a_district_supervisor_may_change_its_own_name_and_password_but_not_its_scope(console_app, db, staff):
    client = console_app.test_client()
    token = login(client, "sup_cy")
    r = client.post(f"/console/users/{staff['sup_cy']}",
                    data={"role": "supervisor", "unit": f"district:{CHAOYANG}", "active": "y",
                          "display_name": "朝阳督办", "password": STRONG, "csrf_token": token})
    assert r.status_code == 303
    role, unit_type, unit_code, _ = _user(db, staff["sup_cy"])
    assert (role, unit_type, unit_code) == ("supervisor", "district", CHAOYANG)
    # The new password ended this session too; the old one no longer works, the new one does.
    assert client.get("/console/tickets").status_code == 302
    fresh = console_app.test_client()
    token = csrf_token(fresh.get("/console/login").get_data(as_text=True))
    assert fresh.post("/console/login", data={"username": "sup_cy", "password": PASSWORD,
                                              "csrf_token": token}).status_code == 401
    assert fresh.post("/console/login", data={"username": "sup_cy", "password": STRONG,
                                              "csrf_token": token}).status_code == 303


def test_a_district_supervisor_still_sees_only_its_district_after_every_refused_attempt(console_app, db, staff, world):
    client = console_app.test_client()
    token = login(client, "sup_cy")
    client.post(f"/console/users/{staff['sup_cy']}", data={"role": "supervisor", "unit": "", "active": "y",
                                                           "csrf_token": token})
    assert client.get(f"/console/tickets/{world.tickets['ta']}").status_code == 200  # 朝阳
    assert client.get(f"/console/tickets/{world.tickets['tt']}").status_code == 404  # city triage, no district
