"""Step rules are parsed once per deployed version (per task spec of the cached version), not on
every move that reads them; a new version gets its own parse."""
from __future__ import annotations

from engine.definitions import specs, steprules
from engine.definitions.deploy import deploy
from engine.definitions.steprules import rules_of
from engine.moves.runtime import complete_task, latest_version, start_process
from tests.factories import THREE_STEP_MODEL, deploy_three_step, expense, make_user


def _spec(name: str):  # noqa: ANN202
    return specs.load(latest_version("ex_three_step_review")).spec.task_specs[name]


def test_rules_are_parsed_once_per_version(db, monkeypatch):
    deploy_three_step()
    filer = make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"))
    db.session.commit()
    parsed: list[dict[str, str]] = []
    real = steprules.parse
    monkeypatch.setattr(steprules, "parse", lambda props: parsed.append(props) or real(props))

    first = rules_of(_spec("ut_ex3_check"))
    assert rules_of(_spec("ut_ex3_check")) is first and len(parsed) == 1 and first.batch_approve

    for _ in range(3):  # three instances, each through the first step: no parse beyond one per step
        instance = start_process("ex_three_step_review", filer, {})
        db.session.commit()
        fill = next(t for t in instance_tasks(instance.id) if t.task_name == "ut_ex3_fill")
        complete_task(fill.id, filer, expense())
        db.session.commit()
    once_each = len(parsed)
    assert once_each <= 3 and len({tuple(sorted(p.items())) for p in parsed}) == once_each

    changed = THREE_STEP_MODEL.read_bytes().replace("初审".encode(), "单位初审".encode())
    deploy({"changed.bpmn": changed}, "test")  # deployment checks every step's rules (element errors)
    db.session.commit()
    deployed = len(parsed)
    again = rules_of(_spec("ut_ex3_check"))
    assert again is not first and again == first and len(parsed) == deployed + 1
    assert rules_of(_spec("ut_ex3_check")) is again and len(parsed) == deployed + 1


def instance_tasks(instance_id):  # noqa: ANN001, ANN201
    from engine.work.inbox import ready_tasks

    return ready_tasks(instance_id)
