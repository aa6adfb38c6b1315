"""`flask tfclaims ...` commands. Each command is one transaction: it commits once at the end."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from tfclaims.audit.services import set_system_actor
from tfclaims.auth.roles import Role
from tfclaims.errors import DomainError
from tfclaims.extensions import db

group = AppGroup("tfclaims", help="tfclaims administration commands.")


@group.command("create-user")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="A role; repeat for several.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Password (prompted for when not given).")
def create_user_command(email: str, name: str, roles: tuple[str, ...], password: str) -> None:
    """Create a user account from the shell."""
    from tfclaims.auth.services import create_user

    set_system_actor("command line")
    try:
        user = create_user(email, name, password, {Role(r) for r in roles})
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created user {user.email} with roles: {', '.join(user.role_labels)}")


@group.command("seed-demo")
@click.option("--families", default=300, show_default=True, help="How many families to create.")
def seed_demo_command(families: int) -> None:
    """Load a fictional council's demo data (refused in production; does nothing if already loaded)."""
    from flask import current_app

    from tfclaims import demo

    if current_app.config["TFCLAIMS_ENV"] == "production":
        raise click.ClickException("seed-demo refuses to run in production: it creates demo users.")
    set_system_actor("demo data")
    result = demo.seed(families=families)
    db.session.commit()
    click.echo(result.describe())


@group.command("refresh-verdicts")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date to judge on (default today).")
def refresh_verdicts_command(as_of) -> None:
    """Judge every family and store the verdicts the family pages read (run it nightly)."""
    from datetime import date

    from tfclaims.engine.queries import refresh_verdicts

    when = as_of.date() if as_of else date.today()
    count = refresh_verdicts(when)
    db.session.commit()
    click.echo(f"Stored the verdicts of {count} families as of {when.isoformat()}.")


@group.command("seed-if-empty")
@click.pass_context
def seed_if_empty_command(ctx: click.Context) -> None:
    """Load the demo data only when the database has no users (used by `make run`)."""
    from tfclaims.auth.queries import user_count

    if user_count():
        from tfclaims import demo
        from tfclaims.auth.queries import get_user_by_email

        click.echo("The database already has users: demo data not loaded.")
        if get_user_by_email(f"{demo.USERS[0][1]}@{demo.DOMAIN}"):
            click.echo(demo.SIGN_IN_HELP)
        else:
            click.echo("Sign in with an account made by `flask tfclaims create-user`.")
        return
    ctx.invoke(seed_demo_command)


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
