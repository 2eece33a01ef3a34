"""Invariants under many moves: one head per household with members, one row per ID, history for every step."""
import random

import pytest
from sqlalchemy.exc import IntegrityError

from app.blueprints.moves import rules, services
from app.clock import local_today
from app.extensions import db
from app.models.household import Household
from app.models.move import Move, Residence
from app.models.person import Person
from app.models.region import Region
from app.validation import Invalid
from tests.visits.helpers import user


def _check_invariants() -> None:
    households = db.session.execute(db.select(Household.id)).scalars().all()
    for hid in households:
        present = rules.present_members(hid)
        heads = [p for p in present if p.is_head]
        assert len(heads) == (1 if present else 0), (hid, [(p.name, p.is_head) for p in present])
    gone_heads = db.session.execute(db.select(Person).where(Person.is_head.is_(True),
                                                            Person.residence_status.not_in(rules.PRESENT))).all()
    assert gone_heads == []
    hashes = db.session.execute(db.select(Person.id_number_hash).where(Person.deleted_at.is_(None))).scalars().all()
    assert len(hashes) == len(set(hashes))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_of_moves_keep_the_invariants(demo, seed):
    rng = random.Random(seed)
    officer = user("town")  # 清溪镇: both communities, so every transfer applies at once
    communities = {r.id: r for r in db.session.execute(db.select(Region).where(Region.level == "community")).scalars()
                   if officer.region.contains(r)}
    grids = [r for r in db.session.execute(db.select(Region).where(Region.level == "grid")).scalars()
             if officer.region.contains(r)]
    applied = 0
    for step in range(30):
        households = [h for h in db.session.execute(db.select(Household)).scalars()
                      if officer.region.contains(h.region) and rules.present_members(h.id)]
        source = rng.choice(households)
        members = rules.present_members(source.id)
        person = rng.choice(members)
        others = [p for p in members if p.id != person.id]
        successor = rng.choice(others).id if others and rng.random() < 0.8 else None
        kind = rng.choice(("out", "death", "transfer", "transfer", "split"))
        try:
            if kind == "out":
                services.move_out(officer, person, {"event_date": local_today(), "place": "外省",
                                                    "new_head_id": successor})
            elif kind == "death":
                services.register_death(officer, person, {"event_date": local_today(), "death_source": "其他",
                                                          "new_head_id": successor})
            elif kind == "transfer":
                target = rng.choice(households)
                community = next(c for c in communities.values() if c.contains(target.region))
                services.transfer(officer, person, {"event_date": local_today(), "relation": "其他",
                                                    "to_region_id": community.id,
                                                    "to_household_number": target.number,
                                                    "new_head_id": successor})
            else:
                chosen = {p.id for p in members if rng.random() < 0.5} or {person.id}
                services.split(officer, source, {"member_ids": chosen, "head_id": rng.choice(sorted(chosen)),
                                                 "new_head_id": successor, "number": f"SPLIT{seed}{step:03d}",
                                                 "region_id": rng.choice(grids).id, "road": "新建路",
                                                 "event_date": local_today()})
            applied += 1
        except Invalid:
            db.session.rollback()
        _check_invariants()
    assert applied >= 10
    steps = db.session.execute(db.select(db.func.count(Residence.id))).scalar_one()
    assert steps >= applied
    assert db.session.execute(db.select(db.func.count(Move.id)).where(Move.state == "pending")).scalar_one() == 0


def test_database_refuses_a_second_pending_move_for_one_person(demo):
    person = db.session.execute(db.select(Person).where(Person.name == "李丹")).scalar_one()
    officer = user("community")
    for _ in range(2):
        db.session.add(Move(kind="transfer", state="pending", person_id=person.id, event_date=local_today(),
                            requested_by=officer.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
