"""The scale county the archive benchmarks share: demo data, 500 grids and N generated households."""
import time

from flask_migrate import upgrade

from app.extensions import db
from app.models.household import Household
from app.models.region import Region
from fixtures.generate import generate_households, generate_regions_and_users
from fixtures.loader import load_demo


SCALE_COUNTY = "330128"


def ensure_scale_county(households: int) -> Region:
    """Migrate, load the demo county once, top the scale county up to `households`; returns the county region."""
    upgrade()
    if db.session.execute(db.select(Region.id).limit(1)).first() is None:
        load_demo()
    generate_regions_and_users(towns=10, communities=10, grids=5)
    have = db.session.execute(db.select(db.func.count(Household.id)).where(
        Household.number.startswith("G" + SCALE_COUNTY))).scalar()
    if have < households:
        started = time.perf_counter()
        made = generate_households(households - have, progress=lambda m: print(
            f"  generated {m['households']} households / {m['persons']} persons", flush=True))
        print(f"generation: {made} in {time.perf_counter() - started:.0f}s")
    if db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load: statistics + visibility
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return db.session.execute(db.select(Region).where(Region.code == SCALE_COUNTY)).scalar_one()
