"""`flask --app app init-db`: migrates and loads reference data, and is safe to run again."""
from sqlalchemy import func, inspect, select

from app import create_app
from hotline.store.models import Department, District, ServiceCode, Township
from hotline.wiring import build_services
from ivr.webhooks import twilio_webhooks
from tests.helpers import PUBLIC, make_config


def test_init_db_migrates_an_empty_database_and_loads_reference_data_twice(tmp_path):
    svc = build_services(make_config(f"sqlite:///{tmp_path / 'fresh.db'}"), twilio_webhooks(PUBLIC))
    app = create_app(svc.config, services=svc)
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "16 districts, 349 townships" in result.output
    with svc.session() as s:
        assert s.scalar(select(func.count()).select_from(District)) == 16
        assert s.scalar(select(func.count()).select_from(Township)) == 349
        depts = s.scalars(select(Department)).all()
        assert sum(d.type == "district_government" for d in depts) == 16
        assert sum(d.type != "district_government" for d in depts) >= 25
        assert s.scalar(select(func.count()).select_from(ServiceCode)) == len(svc.core.taxonomy.codes)
    assert "alembic_version" in inspect(svc.engine).get_table_names()
    assert "no on-duty agent number" in result.output  # make run says so at every start
    svc.dispose()
    with_agent = build_services(make_config(f"sqlite:///{tmp_path / 'fresh.db'}",
                                            **{"twilio.agent_number": "+8613900139000"}), twilio_webhooks(PUBLIC))
    out = create_app(with_agent.config, services=with_agent).test_cli_runner().invoke(args=["init-db"]).output
    assert "no on-duty agent number" not in out
    with_agent.dispose()


def test_the_postgresql_schema_matches_the_models(services):
    # Autogenerate finds nothing to change when migrations and models agree.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from hotline.store.db import Base
    with services.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
