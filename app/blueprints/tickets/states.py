"""The ticket state machine: states, their labels, and which action moves which state for whom."""
from dataclasses import dataclass

NEW, RESPONDED, IN_PROGRESS = "new", "responded", "in_progress"
PENDING_USER, PENDING_VENDOR = "pending_user", "pending_vendor"
RESOLVED, REVIEW, CLOSED, CANCELLED = "resolved", "review", "closed", "cancelled"

STATE_LABELS = {
    NEW: "新建", RESPONDED: "已响应", IN_PROGRESS: "处理中", PENDING_USER: "挂起-待用户",
    PENDING_VENDOR: "挂起-待第三方", RESOLVED: "已解决", REVIEW: "待审核", CLOSED: "已关闭", CANCELLED: "已取消",
}
PAUSED = (PENDING_USER, PENDING_VENDOR)
OPEN = (NEW, RESPONDED, IN_PROGRESS, PENDING_USER, PENDING_VENDOR)
AWAITING_REVIEW = (RESOLVED, REVIEW)
FINISHED = (CLOSED, CANCELLED)
BOARD_COLUMNS = (NEW, RESPONDED, IN_PROGRESS, PENDING_USER, PENDING_VENDOR, RESOLVED, REVIEW)

# Who may act: "work" (engineers and supervisors), "supervise", or the reporter as well.
WORK, SUPERVISE, REPORTER_OR_WORK, REPORTER_OR_SUPERVISE = "work", "supervise", "reporter_or_work", "reporter_or_sup"


@dataclass(frozen=True)
class Transition:
    """One action of the state machine."""

    label: str
    sources: tuple[str, ...]
    target: str
    who: str
    needs_comment: bool = False


TRANSITIONS = {
    "respond": Transition("响应", (NEW,), RESPONDED, WORK),
    "start": Transition("开始处理", (RESPONDED,), IN_PROGRESS, WORK),
    "wait_user": Transition("挂起-待用户", (IN_PROGRESS,), PENDING_USER, WORK, needs_comment=True),
    "wait_vendor": Transition("挂起-待第三方", (IN_PROGRESS,), PENDING_VENDOR, WORK, needs_comment=True),
    "resume": Transition("恢复处理", PAUSED, IN_PROGRESS, WORK),
    "resolve": Transition("标记已解决", (RESPONDED, IN_PROGRESS), RESOLVED, WORK, needs_comment=True),
    "take_review": Transition("开始审核", (RESOLVED,), REVIEW, SUPERVISE),
    "approve": Transition("审核通过并关闭", AWAITING_REVIEW, CLOSED, SUPERVISE),
    "send_back": Transition("退回处理", AWAITING_REVIEW, IN_PROGRESS, SUPERVISE, needs_comment=True),
    "reopen": Transition("重新打开", (RESOLVED, CLOSED), IN_PROGRESS, REPORTER_OR_WORK, needs_comment=True),
    "cancel": Transition("取消工单", OPEN, CANCELLED, REPORTER_OR_SUPERVISE, needs_comment=True),
}


def may(who: str, *, is_reporter: bool, can_work: bool, can_supervise: bool) -> bool:
    """True when a user with these traits may perform an action of this kind."""
    return {
        WORK: can_work,
        SUPERVISE: can_supervise,
        REPORTER_OR_WORK: is_reporter or can_work,
        REPORTER_OR_SUPERVISE: is_reporter or can_supervise,
    }[who]


def actions_for(state: str, *, is_reporter: bool, can_work: bool, can_supervise: bool) -> list[tuple[str, Transition]]:
    """The actions this user could take from this state (buttons to show)."""
    return [(name, t) for name, t in TRANSITIONS.items() if state in t.sources
            and may(t.who, is_reporter=is_reporter, can_work=can_work, can_supervise=can_supervise)]
