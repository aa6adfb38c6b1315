"""The migrations build the schema the models describe (the tests' database is built by the migrations)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from tfclaims.extensions import db
from tfclaims.outcomes_plan.models import Framework, HeadlineProblem


def test_migrations_match_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_reference_frameworks_loaded(db_session):
    frameworks = {f.code: f for f in db_session.scalars(select(Framework))}
    assert (frameworks["TF2015"].min_problems, frameworks["TF2015"].routes) == (2, "SSP CE")
    assert (frameworks["TF2015"].attachment_payment_pence, frameworks["TF2015"].result_payment_pence) == (
        100_000,
        80_000,
    )
    assert (frameworks["SF2022"].min_problems, frameworks["SF2022"].routes) == (3, "SFO")
    assert frameworks["SF2022"].outcome_months_after_closure == 6
    counts = dict(
        db_session.execute(
            select(HeadlineProblem.framework_id, func.count()).group_by(HeadlineProblem.framework_id)
        ).all()
    )
    assert counts == {frameworks["TF2015"].id: 6, frameworks["SF2022"].id: 10}
