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
    """Load a fictional council's demo data as of its demo day, 20 November 2024 (refused in production; does
    nothing if already loaded)."""
    from flask import current_app

    from tfclaims import demo

    if current_app.config["TFCLAIMS_ENV"] == "production":
        raise click.ClickException("seed-demo refuses to run in production: it creates demo users.")
    set_system_actor("demo data")
    result = demo.seed(families=families)
    db.session.commit()
    click.echo(result.describe())
    _warn_if_not_demo_day()


def _warn_if_not_demo_day() -> None:
    """The demo lives on its own day: say so when the app's today is another."""
    from tfclaims import demo
    from tfclaims.text import long_date

    if clock.today() != demo.DEMO_TODAY:
        click.echo(
            f"\nNote: this app's today is {long_date(clock.today())}, not the demo's {long_date(demo.DEMO_TODAY)}, "
            "so the demo council's live work will look out of date. Serve it with "
            f"TFCLAIMS_TODAY={demo.DEMO_TODAY.isoformat()} (`make run` sets it)."
        )


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


# What the forecast command asks for when an input is missing or refused, naming the option.
FORECAST_OPTIONS = {
    "results_target": "Give --target or set a target for the year",
    "attachment_deadline": "Give --attachment-deadline or set a target for the year",
    "rate": "Give --rate or set an assumed rate for the year",
    "claim_deadline": "Give a --claim-deadline on or after the attachment deadline",
}


@group.command("forecast")
@click.option("--as-of", "as_of", type=DATE, help="Date of the forecast (default today).")
@click.option("--target", "results_target", type=click.IntRange(min=1),
              help="Target results (default: the year's target).")
@click.option("--rate", type=click.FloatRange(min=0, max=100, min_open=True),
              help="Conversion rate in percent, more than 0 and at most 100 (default: the assumed rate, else the "
                   "observed).")
@click.option("--tracked", type=click.IntRange(min=0), help="Families tracked (default: counted from the data).")
@click.option("--claimed", type=click.IntRange(min=0), help="Results claimed in the target period (default: counted).")
@click.option("--attachment-deadline", type=DATE, help="Attachment deadline (default: the target's).")
@click.option("--claim-deadline", type=DATE,
              help="Claim deadline (default: the target's, when it is on or after the attachment deadline; otherwise "
                   "31 March at the end of the programme year in which the attachment deadline falls).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def forecast_command(as_of, results_target, rate, tracked, claimed, attachment_deadline, claim_deadline,
                     as_json) -> None:
    """How many more families must be attached, per month and per week, to hit the target; and the paragraph for
    the monthly report. Every figure not given is read from the year's target and the data."""
    import json

    from tfclaims.forecasts import rules
    from tfclaims.forecasts.services import forecast_page
    from tfclaims.text import long_date

    when = as_of.date() if as_of else clock.today()
    attachment_day = attachment_deadline.date() if attachment_deadline else None
    claim_day = claim_deadline.date() if claim_deadline else None
    if attachment_day and claim_day and claim_day < attachment_day:
        raise click.UsageError("--claim-deadline must be on or after --attachment-deadline")
    page = forecast_page(
        when, results_target=results_target, rate_percent=rate, tracked=tracked, claimed=claimed,
        attachment_deadline=attachment_day, claim_deadline=claim_day,
    )
    f = page.forecast
    asks = [FORECAST_OPTIONS[name] for name in page.missing]
    if page.at_fault in FORECAST_OPTIONS:
        asks.append(FORECAST_OPTIONS[page.at_fault])
    by_year = page.by_year.to_dict("records")
    if as_json:
        body = {
            "as_of": when.isoformat(),
            "target_label": page.target.label if page.target else None,
            "observed_rate_percent": page.observed_rate,
            "assumed_rate_percent": page.assumed_rate,
            "forecast": f.as_dict() if f else None,
            "tracked_by_year": by_year,
            "problem": page.problem or None,
            "asks": asks,
        }
        if f and page.curve_view:
            body["curve_view"] = page.curve_view.__dict__
        click.echo(json.dumps(body, indent=2, default=float))
        if f is None:
            raise SystemExit(1)
        return
    if f is None:
        if page.missing:
            raise click.UsageError(". ".join(asks) + ".")
        message = page.problem + (f" ({asks[0]}.)" if asks else "")
        raise click.ClickException(message)
    lines = [f"Forecast as of {long_date(when)}" + (f" (target {page.target.label})" if page.target else "")]
    rate = f"{rules.percent(f.rate_percent)} ({rules.RATE_SOURCES[f.rate_source]})"
    shown = [(t.label, t.text) for t in rules.terms(f)]
    at = next(i for i, (label, _) in enumerate(shown) if label == "Required cohort")
    shown[at:at] = [("Conversion rate", rate)]
    shown.append(("Observed rate", rules.percent(page.observed_rate)))
    width = max(len(label) for label, _ in shown) + 2
    lines += [f"  {label.lower():<{width}} {text}" for label, text in shown]
    lines += ["", "Families tracked by attachment year (April to March)"
              + (f": the data's, though {f.tracked:,} was given" if page.tracked_given else "")]
    headings = ["year", "attached", *(label.lower() for label in rules.TRACK_STATES.values())]
    rows = [[r["year"], *(f"{r[k]:,}" for k in ["attached", *rules.TRACK_STATES])] for r in by_year]
    totals = ["total", *(f"{sum(r[k] for r in by_year):,}" for k in ["attached", *rules.TRACK_STATES])]
    widths = [max(len(str(row[i])) for row in [headings, *rows, totals]) for i in range(len(headings))]
    for row in [headings, *rows, totals]:
        lines.append("  " + "  ".join(str(cell).rjust(w) if i else str(cell).ljust(w)
                                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))))
    lines += ["", f.paragraph]
    click.echo("\n".join(lines))


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
            _warn_if_not_demo_day()
        else:
            click.echo("Sign in with an account made by `flask tfclaims create-user`.")
        return
    ctx.invoke(seed_demo_command)


@group.command("retention-due")
def retention_due_command() -> None:
    """List the families whose records are due for erasure today, and those due but held (run it nightly). Writes
    the list as a retention run a manager reads at /retention; erases nothing."""
    from tfclaims.retention.services import list_due
    from tfclaims.retention.vocabulary import DUE_LIST

    set_system_actor("nightly retention list")
    run = list_due(clock.today(), DUE_LIST)
    db.session.commit()
    def families(n: int) -> str:
        return f"{n:,} {'family' if n == 1 else 'families'}"

    click.echo(f"Retention run {run.id} as of {run.as_of.isoformat()}: {families(run.families_due)} due for "
               f"erasure, {families(run.families_held)} due but held. Nothing erased: a manager confirms a dry run "
               "at /retention.")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
