"""The `tagsvc` command. Each command calls a service; none holds business logic of its own."""
from __future__ import annotations

import io
import socket
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from sqlalchemy import func, select

from tagsvc.extensions import db
from tagsvc.schools.wall import choose_school


def command_school(code: str | None) -> int:
    """The school a command works for: the one given by its code, or the only one of a district of one."""
    from tagsvc.errors import TagsvcError
    from tagsvc.schools.services import all_schools, school_by_code

    if code:
        try:
            return school_by_code(code).id
        except TagsvcError as error:
            raise click.ClickException(error.message) from None
    schools = all_schools()
    if len(schools) != 1:
        raise click.ClickException(f"Say which school: --school CODE (the schools: {', '.join(s.code for s in schools)}).")
    return schools[0].id


def school_option(command):
    """`--school CODE` on a command that works inside one school: it sees and changes that school's rows only."""
    import functools

    @functools.wraps(command)
    def in_school(*args, school_code=None, **kwargs):
        choose_school(command_school(school_code))
        return command(*args, **kwargs)

    return click.option("--school", "school_code", default=None, metavar="CODE",
                        help="The school (tagsvc school list); not needed in a district of one school.")(in_school)


def register_commands(app: Flask) -> None:
    @app.cli.group("db")
    def db_group():
        """Database schema."""

    @db_group.command("upgrade")
    def db_upgrade():
        """Create the database or bring it up to the newest schema."""
        from tagsvc.database import upgrade_database

        upgrade_database(db.engine)
        click.echo("Database schema is at the newest version.")

    @app.cli.group("storage")
    def storage_group():
        """Where photos, label PDFs and uploads are kept (TAGSVC_STORAGE_URL)."""

    @storage_group.command("check")
    def storage_check():
        """Write, read back and remove a small file in the store, as a new server's first check."""
        from tagsvc.storage import check_storage

        try:
            where = check_storage()
        except Exception as error:  # whatever the store answered, said plainly
            raise click.ClickException(f"The file store does not work: {error}") from None
        click.echo(f"The file store works: {where}.")

    @db_group.command("settle")
    def db_settle():
        """Close what earlier versions left stuck: transfers whose every item arrived, loans whose every item is back;
        date the inspection rounds done before 0030."""
        from tagsvc.approvals.services import settle_stuck_documents

        from tagsvc.inspections.services import settle_done_dates

        transfers, loans = settle_stuck_documents()
        click.echo(f"Completed {transfers} transfers and closed {loans} loans that were left open.")
        click.echo(f"Dated {settle_done_dates()} inspection rounds done before their day of completion was kept.")

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--name", "display_name", default="", help="The person's name as others see it.")
    @click.option("--bureau", is_flag=True, help="An account of the education bureau (区教育局) instead of the school's office: it "
                  "decides the disposals above TAGSVC_DISTRICT_DISPOSAL_ABOVE.")
    @click.option("--school", "school_code", default=None, help="The school whose office it is (its code, see tagsvc school list); "
                  "not needed in a district of one school.")
    @click.password_option()
    def create_admin(username, display_name, bureau, school_code, password):
        """Create a logistics office account of a school (or, with --bureau, an education bureau account)."""
        from tagsvc.accounts.models import Role
        from tagsvc.accounts.services import create_first_admin
        from tagsvc.errors import TagsvcError

        if bureau and school_code:
            raise click.ClickException("The education bureau's accounts belong to the district, not to a school: give --bureau or --school.")
        if not bureau:
            choose_school(command_school(school_code))
        try:
            user = create_first_admin(username, display_name or username, password, role=Role.DISTRICT if bureau else Role.ADMIN)
        except TagsvcError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"Created {'education bureau account' if bureau else 'admin'} {user.username}.")

    @app.cli.group("school")
    def school_group():
        """The district's schools: each with its own register, people and settings."""

    @school_group.command("create")
    @click.argument("code")
    @click.argument("name")
    def school_create(code, name):
        """Add a school (CODE: short, e.g. s2; NAME: as printed on its labels). Then: tagsvc create-admin NAME --school CODE."""
        from tagsvc.errors import TagsvcError
        from tagsvc.schools.services import create_school

        try:
            school = create_school(code, name)
        except TagsvcError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"Created school {school.code} ({school.name}). Its first office account: tagsvc create-admin USERNAME --school {school.code}")

    @school_group.command("rename")
    @click.argument("code")
    @click.argument("name")
    def school_rename(code, name):
        """Change the name a school's labels and pages print."""
        from tagsvc.errors import TagsvcError
        from tagsvc.schools.services import rename_school

        try:
            school = rename_school(code, name)
        except TagsvcError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"School {school.code} is now {school.name}.")

    @school_group.command("list")
    def school_list():
        """The district's schools, with their codes."""
        from tagsvc.assets.models import Asset
        from tagsvc.schools.services import all_schools

        counts = dict(db.session.execute(select(Asset.school_id, func.count()).group_by(Asset.school_id)).all())
        for school in all_schools():
            click.echo(f"{school.code}\t{school.name or '(no name: TAGSVC_SCHOOL_NAME is printed)'}\t{counts.get(school.id, 0)} assets")

    @app.cli.command("load-demo")
    @click.option("--if-empty", is_flag=True, help="Only when the register has no assets yet.")
    @click.option("--assets", default=300, show_default=True, help="How many assets to create (each school's).")
    @click.option("--district", is_flag=True, help="A demo district instead: schools s1, s2, s3 (accounts s1-admin, s2-keeper1, …) "
                  "and the education bureau's account district.")
    def load_demo(if_empty, assets, district):
        """Fill the database with a believable demo school (or, with --district, three of them and the bureau)."""
        from tagsvc.assets.models import Asset
        from tagsvc.demo.services import load_demo_data

        if district:
            from tagsvc.demo.district import load_demo_district

            click.echo(f"Loaded the demo district: {load_demo_district(asset_count=assets)}.")
            return
        if if_empty and db.session.scalar(select(func.count(Asset.id))):
            click.echo("The register already has assets; demo data not loaded.")
            return
        summary = load_demo_data(asset_count=assets)
        click.echo(f"Loaded demo school: {summary}.")

    @app.cli.command("tag-url")
    @click.argument("asset_number_or_code")
    @school_option
    def tag_url_command(asset_number_or_code):
        """Print the label URL of an asset (by asset number or tag code)."""
        from tagsvc.assets.models import Asset
        from tagsvc.tags.services import look_up_tag

        asset = db.session.scalar(select(Asset).where(Asset.asset_number == asset_number_or_code))
        code = asset.current_tag.code if asset and asset.current_tag else None
        if code is None:
            found = look_up_tag(asset_number_or_code)
            code = (found.current or found.tag).code if found.tag else None
        if code is None:
            raise click.ClickException(f"No asset or tag matches {asset_number_or_code!r}.")
        base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost:5000"
        click.echo(f"{base}/t/{code}")

    @app.cli.group("token")
    def token_group():
        """Personal API tokens."""

    @token_group.command("create")
    @click.argument("username")
    @click.option("--name", required=True, help="What will use it, e.g. \"district asset system\".")
    @click.option("--read-only", is_flag=True, help="It may read, not change anything.")
    @school_option
    def token_create(username, name, read_only):
        """Make a token for USERNAME and print it (once: only its hash is kept). It acts as that person."""
        from tagsvc.api.tokens import create_token_for
        from tagsvc.errors import TagsvcError

        try:
            token, secret = create_token_for(username, name, read_only=read_only)
        except TagsvcError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"Token \"{token.name}\" for {token.user.username} ({'read only' if token.read_only else 'read and write'}):", err=True)
        click.echo(secret)
        click.echo("Keep it secret: it is shown only now. Revoke it on the person's account page (API tokens).", err=True)

    @app.cli.group("loans")
    def loans_group():
        """Loans (借用)."""

    @loans_group.command("remind")
    def loans_remind():
        """Email about overdue loans now: the borrower, when they have an account with an address, and whoever lent the
        items. An item is reminded of once a day at most. The job queue's worker does it every school day after 08:00
        by itself; this is for a run by hand."""
        from tagsvc.loans.services import send_overdue_reminders

        if not app.config.get("SMTP_HOST"):
            raise click.ClickException("Email is not set up (TAGSVC_SMTP_HOST): no reminder sent.")
        from tagsvc.schools.services import all_schools
        from tagsvc.schools.wall import use_school

        count = 0
        for school in all_schools():  # every school's loans, each school's reminders in its own name
            with use_school(school.id):
                count += send_overdue_reminders()
        click.echo(f"Reminded of {count} overdue item(s).")

    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="Jobs run at the same time (threads).")
    def worker(workers):
        """Run the job queue's worker (print jobs, large imports, daily loan reminders): beside gunicorn in production, one or more
        per machine. Jobs a killed worker left are taken up again at start."""
        from tagsvc.jobs import queue_location, start_worker

        click.echo(f"tagsvc worker on {queue_location(app)} with {workers} thread(s)", err=True)
        start_worker(app, workers=workers, in_process=False).run()

    @app.cli.group("channels")
    def channels_group():
        """WeCom and DingTalk group robots that hear of tagsvc's news."""

    @channels_group.command("add")
    @click.argument("kind", type=click.Choice(["wecom", "dingtalk", "email"]))
    @click.argument("url")
    @click.option("--events", required=True, help="Comma-separated: damage_reported, repair_assigned, transfer_waiting, …")
    @click.option("--secret", default="", help="DingTalk: the robot's signing secret (SEC…).")
    @click.option("--department", "departments", multiple=True, help="Only this department's items (a name; again for more).")
    @click.option("--name", default="", help="The group's name as the office knows it (default: the robot's kind).")
    @click.option("--as", "username", default=None, help="The office account that adds it (default: the first one).")
    @school_option
    def channels_add(kind, url, events, secret, departments, name, username):
        """Add a group robot: `tagsvc channels add wecom URL --events damage_reported --department 教务处`; an email list:
        `tagsvc channels add email "a@school.cn,b@school.cn" --events …`."""
        from tagsvc.channels.services import add_channel
        from tagsvc.errors import TagsvcError
        from tagsvc.spreadsheets.cli import _office_account
        from tagsvc.structure.models import Department

        try:
            department_ids = []
            for department_name in departments:
                department = db.session.scalar(select(Department).where(Department.name == department_name))
                if department is None:
                    raise click.ClickException(f"There is no department {department_name!r}.")
                department_ids.append(department.id)
            channel = add_channel(_office_account(username), name or kind, kind, url, [e.strip() for e in events.split(",") if e.strip()],
                                  secret=secret, department_ids=department_ids)
        except TagsvcError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"Channel {channel.id} ({channel.name}) hears of: {', '.join(channel.events)}.")

    @channels_group.command("list")
    @school_option
    def channels_list():
        """The channels, what they hear of, and what waits or failed."""
        from tagsvc.channels.models import Channel, Delivery

        for channel in db.session.scalars(select(Channel).order_by(Channel.id)):
            counts = dict(db.session.execute(select(Delivery.status, func.count()).where(Delivery.channel_id == channel.id)
                                             .group_by(Delivery.status)).all())
            click.echo(f"{channel.id:>3}  {channel.kind:<8} {channel.name:<20} {', '.join(channel.events)}  "
                       f"sent {counts.get('sent', 0)} · waiting {counts.get('waiting', 0)} · failed {counts.get('failed', 0)}")

    @channels_group.command("remove")
    @click.argument("channel_id", type=int)
    @school_option
    def channels_remove(channel_id):
        """Remove a channel and its delivery log (what still waited for it is not sent)."""
        from tagsvc.channels.services import delete_channel
        from tagsvc.errors import TagsvcError
        from tagsvc.spreadsheets.cli import _office_account

        try:
            waiting = delete_channel(_office_account(None), channel_id)
        except TagsvcError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"Channel {channel_id} removed" + (f"; {waiting} waiting message(s) not sent." if waiting else "."))

    @channels_group.command("test")
    @click.argument("channel_id", type=int)
    @school_option
    def channels_test(channel_id):
        """Send a test message now and print the robot's answer."""
        from tagsvc.channels.services import test_channel
        from tagsvc.errors import TagsvcError
        from tagsvc.spreadsheets.cli import _office_account

        try:
            answer = test_channel(_office_account(None), channel_id)
        except TagsvcError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"{answer.outcome.value}" + (f" (errcode {answer.errcode}: {answer.detail})" if answer.errcode else (f" ({answer.detail})" if answer.detail else "")))
        if answer.outcome.value != "sent":
            raise SystemExit(1)

    @app.cli.command("import-register")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check everything and print what would happen; write nothing.")
    @click.option("--update-existing", "existing", flag_value="update", help="Assets already in the register (same asset number) take the file's values.")
    @click.option("--skip-existing", "existing", flag_value="skip", default=True, help="Assets already in the register are left alone (the default).")
    @click.option("--valid-rows-only", is_flag=True, help="Import the rows without problems even when others have some.")
    @click.option("--as", "username", default=None, help="The office account the import is recorded under (default: the first one).")
    @school_option
    def import_register(file, dry_run, existing, valid_rows_only, username):
        """Import a register file (.xlsx, .xls, .ods or CSV): the same checks and dry run as the office's page. Prints the
        counts and every row's problem; exits 1 when nothing was written because of problems."""
        from pathlib import Path

        from tagsvc.errors import TagsvcError
        from tagsvc.spreadsheets.cli import run_import

        try:
            code = run_import(Path(file), dry_run=dry_run, existing=existing or "skip", valid_rows_only=valid_rows_only, username=username,
                              echo=click.echo)
        except TagsvcError as error:
            raise click.ClickException(error.message) from None
        raise SystemExit(code)

    @app.cli.command("export-register")
    @click.argument("file", type=click.Path(dir_okay=False, writable=True))
    @school_option
    def export_register_command(file):
        """Write the whole register (disposed items included) to FILE as .xlsx, with the headers the import reads."""
        from tagsvc.spreadsheets.cli import run_export

        click.echo(f"Wrote {run_export(file):,} assets to {file}.")

    @app.cli.command("sheets")
    def sheets_command():
        """List the label sheets and check every definition file."""
        from tagsvc.labels.sheets import SheetDefinitionError, load_sheet

        folder = current_app.config["LABELS_DIR"]
        files = sorted(folder.glob("*.toml"))
        if not files:
            raise click.ClickException(f"No sheet definitions (*.toml) in {folder}.")
        broken = 0
        for path in files:
            try:
                sheet = load_sheet(path)
            except SheetDefinitionError as error:
                broken += 1
                click.echo(f"  BROKEN  {error}", err=True)
                continue
            width, height = sheet.label_size_mm
            click.echo(f"  {sheet.slug:<16} {sheet.name:<34} {sheet.labels_per_page:>3} × {width:g}×{height:g} mm  {', '.join(sheet.fields)}")
        if broken:
            raise click.ClickException(f"{broken} of {len(files)} sheet files need fixing (see above).")

    @app.cli.command("serve")
    @click.option("--host", default="0.0.0.0", show_default=True)
    @click.option("--port", default=5000, show_default=True)
    @click.option("--https-port", default=5443, show_default=True, help="Also serve HTTPS here (self-signed; 0: no HTTPS).")
    def serve(host, port, https_port):
        """Serve the app for a demo or development, with addresses a phone can open."""
        import threading

        from werkzeug.serving import make_server, run_simple

        from tagsvc.demo.https import demo_certificate

        app = current_app._get_current_object()
        lan = lan_address()
        click.echo("")
        click.echo(f"  tagsvc is running on   http://127.0.0.1:{port}/")
        if https_port:
            cert, key = demo_certificate(Path(app.instance_path), [lan] if lan else [])
            secure = make_server(host, https_port, app, threaded=True, ssl_context=(str(cert), str(key)))
            threading.Thread(target=secure.serve_forever, daemon=True).start()
        if lan:
            url = f"http://{lan}:{port}/"
            click.echo(f"  On the local network:  {url}  (a phone on the same Wi-Fi can open this)")
            if https_port:
                url = f"https://{lan}:{https_port}/"
                click.echo(f"  With HTTPS:            {url}  (for the stocktake scanner: phones open the camera only on HTTPS)")
                click.echo("  The certificate is self-signed (instance/demo-https-cert.pem): the phone warns once; choose")
                click.echo("  \"Advanced\" → \"Proceed\" (Chrome), \"Show details\" → \"visit this website\" (Safari), WeChat refuses such a certificate: there,\n  use the label page's \"confirm\" button or the typed field.")
            click.echo(terminal_qr(url))
        else:
            click.echo("  No local network address found; phones cannot reach this machine.")
        click.echo("  Demo sign-in: admin / tagsvc-demo   (keeper: keeper1, staff: teacher1, repairer: repair1; same password)")
        click.echo("")
        from tagsvc.jobs import queue_location, start_worker

        start_worker(app)  # the job queue's worker in this process: the demo needs no other service
        click.echo(f"  Job queue: {queue_location(app)} (a worker runs in this process)")
        if lan and not app.config.get("PUBLIC_BASE_URL"):
            # Labels keep the plain address: any scanner opens it without a certificate warning.
            app.config["PUBLIC_BASE_URL"] = f"http://{lan}:{port}"
        # The CLI blocks app.run(); werkzeug's server is the same one, started directly.
        run_simple(host, port, app, threaded=True, use_reloader=False)


def lan_address() -> str | None:
    """This machine's address on the local network, found without sending a packet anywhere."""
    import fcntl
    import struct

    siocgifaddr = 0x8915
    for _index, name in socket.if_nameindex():
        if name == "lo":
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                packed = fcntl.ioctl(s.fileno(), siocgifaddr, struct.pack("256s", name[:15].encode()))
            except OSError:
                continue
        address = socket.inet_ntoa(packed[20:24])
        if not address.startswith("127."):
            return address
    return None


def terminal_qr(text: str) -> str:
    import qrcode

    qr = qrcode.QRCode(border=2)
    qr.add_data(text)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return out.getvalue()


def main() -> None:
    from tagsvc import create_app

    cli = FlaskGroup(create_app=create_app, add_version_option=False, load_dotenv=False)
    sys.exit(cli.main())
