from sqlalchemy import func, select

from tagsvc.accounts.models import Role, User
from tagsvc.accounts.services import authenticate
from tagsvc.assets.models import Asset
from tagsvc.structure.models import Department, DepartmentKind, Location, LocationKind
from tests.factories import make_asset


def test_db_upgrade_on_a_migrated_database_is_a_no_op(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "newest version" in result.output


def test_create_admin(runner, session):
    result = runner.invoke(args=["create-admin", "wang", "--name", "王海燕", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    user = authenticate("wang", "long-enough-1")
    assert user.role == Role.ADMIN and user.display_name == "王海燕"


def test_create_admin_with_a_short_password_fails_clearly(runner, session):
    result = runner.invoke(args=["create-admin", "wang", "--password", "short"])
    assert result.exit_code != 0 and "at least 8" in result.output
    assert session.scalar(select(func.count(User.id))) == 0


def test_load_demo_builds_a_believable_school(runner, session):
    result = runner.invoke(args=["load-demo", "--assets", "120"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count(Asset.id))) == 120
    kinds = set(session.scalars(select(Department.kind)))
    assert {DepartmentKind.OFFICE, DepartmentKind.CLASS, DepartmentKind.DORM_BLOCK} <= kinds
    assert session.scalar(select(Location).where(Location.kind == LocationKind.SPOT, Location.name == "床位1")) is not None
    assert authenticate("admin", "tagsvc-demo").role == Role.ADMIN


def test_load_demo_if_empty_leaves_a_used_register_alone(runner, session):
    make_asset()
    result = runner.invoke(args=["load-demo", "--if-empty"])
    assert "already has assets" in result.output and session.scalar(select(func.count(Asset.id))) == 1


def test_tag_url_prints_the_label_address(runner, app):
    asset = make_asset(asset_number="DMT-2024-0001")
    result = runner.invoke(args=["tag-url", "DMT-2024-0001"])
    assert result.output.strip() == f"https://tags.example.edu/t/{asset.current_tag.code}"


def test_tag_url_for_unknown_asset_fails(runner, app):
    result = runner.invoke(args=["tag-url", "NOPE"])
    assert result.exit_code != 0 and "No asset or tag" in result.output


def test_the_demo_https_certificate_is_made_once_and_a_client_can_check_it(app, tmp_path):
    """`tagsvc serve` answers HTTPS with a certificate kept in instance/: made on first start for this machine's
    addresses, reused after, and good for a real TLS handshake naming the address."""
    import ssl
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    from tagsvc.demo.https import demo_certificate

    cert, key = demo_certificate(tmp_path, ["192.168.1.23"])
    made = cert.read_bytes()
    assert demo_certificate(tmp_path, ["192.168.1.23"])[0].read_bytes() == made  # kept, not made again
    assert demo_certificate(tmp_path, ["10.0.0.5"])[0].read_bytes() != made  # another network: a new one
    assert oct(key.stat().st_mode & 0o777) == "0o600"

    server = make_server("127.0.0.1", 0, app, ssl_context=(str(cert), str(key)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        context = ssl.create_default_context(cafile=str(cert))  # as a phone does once the person accepts it
        with urllib.request.urlopen(f"https://127.0.0.1:{server.server_port}/login", context=context) as answer:
            assert answer.status == 200
    finally:
        server.shutdown()
