"""The console speaks Chinese first: a fresh browser gets Chinese, ?lang=en switches and the cookie keeps it."""
from tests.web.console_support import csrf_token, find, flashes, login, parse


def _text(html: str, tag: str, **attrs) -> str:
    [el] = find(html, tag, **attrs)
    return " ".join(el["text"].split())


def _nav(html: str) -> list[str]:
    start = html.index('<nav class="nav"')
    return [" ".join(a["text"].split()) for a in find(html[start:html.index("</nav>", start)], "a")]


def test_a_fresh_visitor_gets_the_sign_in_page_in_chinese(console_app, world):
    page = console_app.test_client().get("/console/login").get_data(as_text=True)
    assert find(page, "html", lang="zh-CN")
    assert _text(page, "h1") == "登录"
    assert [" ".join(e["text"].split()) for e in parse(page) if e["tag"] == "button"] == ["登录"]
    assert 'hreflang="en"' in page and ">English</a>" in page  # the switch names the other language


def test_an_agent_who_never_chose_a_language_sees_chinese_nav_role_and_headings(console_app, world):
    client = console_app.test_client()
    login(client, "agent", lang=None)
    page = client.get("/console/", follow_redirects=True).get_data(as_text=True)
    assert _nav(page) == ["分拨", "工单", "在线人工", "知识库", "督办", "发件箱"]
    assert "话务员" in _text(page, "div", class_="who")
    assert _text(page, "h1").startswith("分拨队列")
    assert [th["text"] for th in find(page, "th")][:3] == ["工单编号", "剩余时间", "状态"]


def test_lang_en_switches_the_page_and_the_cookie_keeps_it_until_lang_zh(console_app, world):
    client = console_app.test_client()
    login(client, "agent", lang=None)
    switched = client.get("/console/tickets?view=triage&lang=en")
    assert "lang=en" in switched.headers["Set-Cookie"]
    page = switched.get_data(as_text=True)
    assert _nav(page)[:2] == ["Triage", "Tickets"] and _text(page, "h1").startswith("Triage queue")
    # The switch back keeps the page's other arguments.
    [back] = find(page, "a", hreflang="zh")
    assert back["attrs"]["href"] == "/console/tickets?view=triage&lang=zh" and back["text"] == "中文"
    later = client.get("/console/inbox").get_data(as_text=True)  # no ?lang=: the cookie speaks
    assert find(later, "html", lang="en") and _text(later, "title").startswith("Inbox")
    client.get("/console/inbox?lang=zh")
    assert _text(client.get("/console/inbox").get_data(as_text=True), "title").startswith("督办")
    # An unknown language is ignored: the remembered one stays.
    assert find(client.get("/console/inbox?lang=fr").get_data(as_text=True), "html", lang="zh-CN")


def test_a_flash_message_comes_in_the_language_of_the_page(console_app, world):
    # Township A's handler signs for its ticket in Chinese, township B's for its own in English.
    for handler, ticket, lang, said, word in (("handler_a", "ta2", "zh", "已签收。", "已签收"),
                                              ("handler_b", "tb", "en", "Signed for.", "signed")):
        client = console_app.test_client()
        token = login(client, handler, lang=lang)
        r = client.post(f"/console/tickets/{world.tickets[ticket]}/sign", data={"csrf_token": token},
                        follow_redirects=True)
        page = r.get_data(as_text=True)
        assert flashes(page) == [said], lang
        [status] = find(page, "span", id="ticket-status")
        assert status["attrs"]["data-status"] == "signed"  # the code stays; only the word changes
        assert status["text"] == word


def test_a_wrong_password_and_a_refusal_are_told_in_chinese_by_default(console_app, world):
    client = console_app.test_client()
    token = csrf_token(client.get("/console/login").get_data(as_text=True))
    r = client.post("/console/login", data={"username": "agent", "password": "not-it-at-all", "csrf_token": token})
    assert r.status_code == 401 and flashes(r.get_data(as_text=True)) == ["用户名或密码错误。"]
    token = login(client, "handler_a", lang=None)
    forbidden = client.get("/console/users")
    assert forbidden.status_code == 403 and _text(forbidden.get_data(as_text=True), "h1") == "无权操作"
    missing = client.get("/console/tickets/999999")
    assert missing.status_code == 404 and _text(missing.get_data(as_text=True), "h1") == "未找到"
    # A refusal from the core (an action the ticket's status does not allow) in the page's language too.
    r = client.post(f"/console/tickets/{world.tickets['tr']}/contact", data={"csrf_token": token, "text": "x"},
                    follow_redirects=True)
    [said] = flashes(r.get_data(as_text=True))
    assert "已办结" in said and "cannot" not in said


def test_form_errors_of_the_user_form_are_chinese_by_default(console_app, world):
    client = console_app.test_client()
    token = login(client, "admin", lang=None)
    r = client.post("/console/users", data={"csrf_token": token, "username": "bad name!", "role": "agent",
                                            "unit": "", "password": "short"})
    assert r.status_code == 400
    errors = flashes(r.get_data(as_text=True))
    assert "只能使用字母、数字和 _ . -。" in errors
    # The other is WTForms' own message (the password's length), translated by Flask-WTF.
    assert len(errors) == 2 and not any("Field" in e or "characters" in e for e in errors), errors


def test_a_translated_label_keeps_the_fields_it_wraps(console_app, world):
    # "Between %(start)s and %(end)s": the two time fields sit inside the sentence, in either language.
    for lang, between in (("zh", "时间段"), ("en", "Between")):
        client = console_app.test_client()
        login(client, "agent", lang=lang)
        page = client.get(f"/console/tickets/{world.tickets['ta']}").get_data(as_text=True)
        [label] = [e for e in find(page, "label") if e["text"].strip().startswith(between)]
        assert find(page, "input", name="window_start") and find(page, "input", name="window_end")
        assert "&lt;input" not in page
