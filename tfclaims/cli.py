"""`flask tfclaims ...` commands. Each command is one transaction: it commits once at the end."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from tfclaims import clock
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

    from tfclaims.engine.queries import refresh_verdicts

    when = as_of.date() if as_of else clock.today()
    count = refresh_verdicts(when)
    db.session.commit()
    click.echo(f"Stored the verdicts of {count} families as of {when.isoformat()}.")


DATE = click.DateTime(formats=["%Y-%m-%d"])


@group.command("forecast")
@click.option("--as-of", "as_of", type=DATE, help="Date of the forecast (default today).")
@click.option("--target", "results_target", type=click.IntRange(min=0), help="Target results (default: the target).")
@click.option("--rate", type=float, help="Conversion rate in percent (default: the assumed rate, else the observed).")
@click.option("--tracked", type=click.IntRange(min=0), help="Families tracked (default: counted from the data).")
@click.option("--claimed", type=click.IntRange(min=0), help="Results claimed in the target period (default: counted).")
@click.option("--attachment-deadline", type=DATE, help="Attachment deadline (default: the target's).")
@click.option("--claim-deadline", type=DATE, help="Claim deadline (default: the target's).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def forecast_command(as_of, results_target, rate, tracked, claimed, attachment_deadline, claim_deadline,
                     as_json) -> None:
    """How many more families must be attached, per month and per week, to hit the target; and the paragraph for
    the monthly report."""
    import json

    from tfclaims.forecasts import rules
    from tfclaims.forecasts.services import forecast_page
    from tfclaims.text import long_date

    when = as_of.date() if as_of else clock.today()
    page = forecast_page(
        when, results_target=results_target, rate_percent=rate, tracked=tracked, claimed=claimed,
        attachment_deadline=attachment_deadline.date() if attachment_deadline else None,
        claim_deadline=claim_deadline.date() if claim_deadline else None,
    )
    f = page.forecast
    if as_json:
        body = {
            "as_of": when.isoformat(),
            "target_label": page.target.label if page.target else None,
            "observed_rate_percent": page.observed_rate,
            "assumed_rate_percent": page.assumed_rate,
            "forecast": f.as_dict() if f else None,
            "problem": page.problem or None,
        }
        if f and page.curve_view:
            body["curve_view"] = page.curve_view.__dict__
        click.echo(json.dumps(body, indent=2))
    elif f is None:
        click.echo(page.problem)
    else:
        lines = [
            f"Forecast as of {long_date(when)}" + (f" (target {page.target.label})" if page.target else ""),
            f"  target                         {f.target:,} results",
            f"  results claimed                {f.claimed:,}",
            f"  results still needed           {f.still_needed:,}",
            f"  conversion rate                {rules.percent(f.rate_percent)} ({rules.RATE_SOURCES[f.rate_source]})",
            f"  required cohort                {f.required_cohort:,}",
            f"  families tracked               {f.tracked:,}",
            f"  further attachments needed     {f.further:,}",
            f"  days left                      {max(f.days_left, 0):,} (to {long_date(f.attachment_deadline)})",
            f"  per month                      {'deadline passed' if f.per_month is None else f'{f.per_month:,}'}",
            f"  per week                       {'deadline passed' if f.per_week is None else f'{f.per_week:,}'}",
            f"  progress against target        {f.progress}%",
            f"  observed rate                  {rules.percent(page.observed_rate)}",
            "",
            f.paragraph,
        ]
        click.echo("\n".join(lines))
    if f is None:
        raise SystemExit(1)


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
