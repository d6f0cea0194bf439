"""Console commands: `flask --app app create-user` (the first admin) and `flask --app app seed-demo` (development)."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from console.access import ROLES
from console.users import create_user
from hotline.store.db import utcnow
from hotline.errors import HotlineError
from hotline.store.models import Ticket, User
from console.demo import DEMO_USERS, seed_demo_work
from webapp import services_of


def register(app: Flask) -> None:
    """Add the console's commands to the app's CLI."""

    @app.cli.command("create-user")
    @click.option("--username", prompt=True)
    @click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
    @click.option("--unit-type", type=click.Choice(["township", "department", "district"]), default=None)
    @click.option("--unit-code", default=None, help="township code, department code or district code")
    @click.option("--name", "display_name", default="")
    @click.password_option(help="at least 10 characters; prompted for when not given")
    def create_user_command(username, role, unit_type, unit_code, display_name, password):
        """Create a console user (the first admin: `flask --app app create-user --username admin`)."""
        svc = services_of(app)
        try:
            with svc.session() as s:
                create_user(s, username=username, password=password, role=role, unit_type=unit_type,
                            unit_code=unit_code, display_name=display_name, now=utcnow())
        except HotlineError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"created {role} {username!r}" + (f" of {unit_type} {unit_code}" if unit_code else ""))

    @app.cli.command("seed-demo")
    @click.option("--if-development", is_flag=True, help="do nothing (successfully) unless app.mode is development")
    def seed_demo_command(if_development):
        """Development only: demo users for every role, plus a few tickets and a handed-off chat to work on."""
        svc = services_of(app)
        if if_development and svc.config.app.mode != "development":
            click.echo(f"seed-demo: skipped (app.mode is {svc.config.app.mode})")
            return
        if svc.config.is_production:
            raise click.ClickException("seed-demo refuses to run in production")
        now = utcnow()
        lines = []
        with svc.session() as s:
            for username, password, role, unit_type, unit_code, name in DEMO_USERS:
                user = s.scalars(select(User).where(User.username == username)).first()
                if user is None:
                    create_user(s, username=username, password=password, role=role, unit_type=unit_type,
                                unit_code=unit_code, display_name=name, now=now)
                else:
                    # Never reset an existing account's password: it may be a real one by now.
                    lines.append(f"    {user.role:<11} {username:<11} {'(exists: password unchanged)':<22} "
                                 f"{user.unit_code or ''}")
                    continue
                lines.append(f"    {role:<11} {username:<11} {password:<22} {unit_code or ''}")
            has_tickets = s.scalar(select(func.count()).select_from(Ticket)) > 0
            if not has_tickets:
                made = seed_demo_work(s, svc.core, now)
                lines.append(f"    ({made} demo tickets and one handed-off web chat created)")
        click.echo("==> demo console users (development only) at /console/login:")
        click.echo(f"    {'role':<11} {'username':<11} {'password':<22} unit")
        for line in lines:
            click.echo(line)
