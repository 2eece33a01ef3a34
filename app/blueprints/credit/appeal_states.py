"""The objection and repair workflows as tables: which action moves which state, and who may take it.

谁认定、谁修复: the record's source department answers objections and decides repairs; the credit office checks
the application and forwards it (it coordinates, it does not decide).
"""

from dataclasses import dataclass

from app.models import credit as C
from app.security import permissions as P

OFFICE, SOURCE_DEPARTMENT = "office", "source_department"


@dataclass(frozen=True)
class Move:
    """One action of a workflow."""

    label: str
    sources: tuple[str, ...]
    target: str
    who: str
    needs_comment: bool = False


OBJECTION_MOVES = {
    "forward": Move("核查并转来源部门", (C.SUBMITTED,), C.FORWARDED, OFFICE),
    "answer": Move("答复", (C.FORWARDED,), C.CLOSED, SOURCE_DEPARTMENT, needs_comment=True),
}
REPAIR_MOVES = {
    "forward": Move("核对材料并转认定部门", (C.PENDING,), C.REPAIR_FORWARDED, OFFICE),
    "return": Move("材料不全，不予受理", (C.PENDING,), C.REJECTED, OFFICE, needs_comment=True),
    "approve": Move("同意修复（终止公示）", (C.REPAIR_FORWARDED,), C.APPROVED, SOURCE_DEPARTMENT),
    "reject": Move("不予修复", (C.REPAIR_FORWARDED,), C.REJECTED, SOURCE_DEPARTMENT, needs_comment=True),
}


def may(user, who: str, department: str) -> bool:
    """True when the user is the credit office (OFFICE) or belongs to the record's source department."""
    if who == OFFICE:
        return user.can(P.CREDIT_MANAGE)
    return user.can(P.CREDIT_ENTER) and bool(user.department) and user.department == department


def actions(moves: dict, state: str, user, department: str) -> list[tuple[str, Move]]:
    """The actions this user may take now (the buttons to show)."""
    return [(name, m) for name, m in moves.items() if state in m.sources and may(user, m.who, department)]


def check(moves: dict, name: str, state: str, user, department: str) -> Move:
    """The move, or Invalid with the Chinese reason it is not allowed."""
    from app.validation import Invalid

    move = moves.get(name)
    if move is None:
        raise Invalid("未知的操作")
    if state not in move.sources:
        raise Invalid(f"当前状态不能执行“{move.label}”")
    if not may(user, move.who, department):
        raise Invalid("只有信用管理部门可以执行此操作" if move.who == OFFICE
                      else f"只有认定部门（{department}）可以执行此操作（谁认定、谁修复）")
    return move
