"""The signed-in header's menu is drawn once per person, language and page: what it shows must still be each
person's own and current on every request."""
from tagsvc.accounts.models import Role, User
from tagsvc.extensions import db
from tagsvc.repairs import services as repairs
from tagsvc.repairs.models import DamageKind
from tests.conftest import TEST_PASSWORD, csrf_token_from
from tests.factories import make_asset, make_user


def test_the_counts_follow_each_new_report_on_the_same_page(client, login_as):
    desk, chair = make_asset(name="课桌"), make_asset(name="椅子")
    login_as(make_user(Role.ADMIN))
    assert 'class="badge"' not in client.get("/assets").get_data(as_text=True)
    repairs.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "桌腿松了", client_hash="a")
    assert '<span class="badge">1 new report</span>' in client.get("/assets").get_data(as_text=True)
    repairs.submit_report(None, chair.current_tag.code, DamageKind.BROKEN, "椅背断了", client_hash="b")
    page = client.get("/assets").get_data(as_text=True)
    # Twice: on the menu button and on the office's Repairs link.
    assert page.count('<span class="badge">2 new reports</span>') == 2  # each badge says what it counts


def test_each_person_sees_their_own_name_and_sections(make_app):
    # Outside an app context, as a server runs: each request then has its own (and its own signed-in user).
    app = make_app()
    with app.app_context():
        office = make_user(Role.ADMIN, display_name="王主任")
        staff = make_user(Role.STAFF, display_name="李老师")
    first, second = app.test_client(), app.test_client()
    for client, user in ((first, office), (second, staff)):
        assert client.post("/login", data={"username": user.username, "password": TEST_PASSWORD}).status_code == 302
    office_page, staff_page = first.get("/assets").get_data(as_text=True), second.get("/assets").get_data(as_text=True)
    assert "Change password (王主任)" in office_page and "Users</a>" in office_page
    assert "Change password (李老师)" in staff_page and "王主任" not in staff_page and "Users</a>" not in staff_page
    with app.app_context():
        db.session.get(User, staff.id).display_name = "李明"
        db.session.commit()
    assert "Change password (李明)" in second.get("/assets").get_data(as_text=True)


def test_the_page_you_are_on_is_named_and_the_others_linked(client, login_as):
    login_as(make_user(Role.ADMIN))
    assets_page = client.get("/assets").get_data(as_text=True)
    assert '<span class="nav-item" aria-current="page">Assets</span>' in assets_page
    assert '<a class="nav-item" href="/">Home</a>' in assets_page
    home = client.get("/").get_data(as_text=True)
    assert '<a class="nav-item" href="/assets">Assets</a>' in home and '<span class="nav-item" aria-current="page">Home</span>' in home


def test_the_menu_speaks_the_language_chosen(make_app):
    app = make_app()
    with app.app_context():
        office = make_user(Role.ADMIN)
    english, chinese = app.test_client(), app.test_client()
    for client in (english, chinese):
        client.post("/login", data={"username": office.username, "password": TEST_PASSWORD})
    chinese.get("/lang/zh")
    assert ">Assets</a>" in english.get("/").get_data(as_text=True)
    assert ">资产</a>" in chinese.get("/").get_data(as_text=True)
    assert ">Assets</a>" in english.get("/").get_data(as_text=True)


def test_two_sessions_of_one_person_each_sign_out_with_their_own_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = make_user(Role.KEEPER)
    phone, desktop = app.test_client(), app.test_client()
    for client in (phone, desktop):
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token})
    tokens = [csrf_token_from(client.get("/assets").get_data(as_text=True)) for client in (phone, desktop)]
    assert tokens[0] != tokens[1]
    for client, token in zip((phone, desktop), tokens, strict=True):
        assert client.post("/logout", data={"csrf_token": token}).status_code == 302
        assert client.get("/assets").status_code == 302  # signed out: the register asks to sign in


def test_the_offices_menu_reaches_the_reports_and_the_import(client, login_as):
    login_as(make_user(Role.ADMIN))
    page = client.get("/assets").get_data(as_text=True)
    assert '<a class="nav-item" href="/reports">Reports</a>' in page and '<a class="nav-item" href="/register/import">Import from Excel</a>' in page
    assert '<span class="nav-item" aria-current="page">Reports</span>' in client.get("/reports").get_data(as_text=True)


# Pages the office does not open from the menu: the sign-in and the code lookup are for anyone; a repairer's own work
# orders; the transfer and disposal forms start from the items chosen (an asset's page, the register's ticks).
NOT_FROM_THE_MENU = {"/login", "/t", "/repairs/mine", "/transfers/new", "/disposals/new"}


def test_the_offices_menu_reaches_every_office_page(app, client, login_as):
    """Every page of the office without arguments (a list, a form, a report) is in the menu, or one tap from a page
    the menu opens."""
    import re

    from tests.sweeps.world import NOT_PAGES

    login_as(make_user(Role.ADMIN))
    home = client.get("/").get_data(as_text=True)
    menu = re.search(r'<nav class="menu".*?</nav>', home, re.S).group(0)
    opened = set(re.findall(r'href="([^"#?]+)', menu))
    reachable = set(opened)
    for url in opened:
        reachable.update(re.findall(r'href="([^"#?]+)', client.get(url).get_data(as_text=True)))
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in NOT_PAGES or rule.rule.startswith("/api/v1/"):
            continue
        response = client.get(rule.rule)
        if response.status_code == 200 and response.content_type.startswith("text/html"):
            pages.append(rule.rule)
    unreached = [page for page in pages if page not in reachable and page not in NOT_FROM_THE_MENU]
    assert len(pages) > 20 and unreached == [], unreached
