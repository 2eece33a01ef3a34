"""Chinese names of audited actions for the viewer (unknown actions show their code)."""

LABELS = {
    "auth.login": "登录成功", "auth.login_failed": "登录失败", "auth.login_locked": "锁定期间尝试登录",
    "auth.account_locked": "账号锁定", "auth.login_throttled": "登录限流", "auth.logout": "退出登录",
    "auth.idle_timeout": "会话超时", "auth.password_changed": "修改密码", "auth.password_change_failed": "改密失败",
    "security.csrf_rejected": "CSRF 拒绝", "security.forbidden": "越权访问",
    "user.create": "新建用户", "user.update": "修改用户", "user.enable": "启用账号", "user.disable": "停用账号",
    "user.reset_password": "重置密码", "region.create": "新增区划", "region.rename": "区划改名",
    "job.start": "启动任务", "job.download": "下载结果", "job.retry": "重试任务", "job.cancel": "取消任务",
    "calendar.override": "调整工作日历", "calendar.override_removed": "撤销日历调整",
    "backup.create": "创建备份", "backup.restore": "恢复备份", "demo.load": "加载演示数据",
    "dispatch.target_create": "新建分发目标", "dispatch.draft": "提交分发草稿", "dispatch.approve": "审核发布",
    "dispatch.discard": "撤销草稿", "dispatch.pause": "暂停分发", "dispatch.resume": "恢复分发",
    "dispatch.replay": "重新分发", "dispatch.dead_letter_requeued": "死信重发",
    "dispatch.dead_letter_discarded": "放弃死信",
}


def action_label(action: str) -> str:
    """Chinese label, or the code itself."""
    return LABELS.get(action, action)


def init_app(app) -> None:
    """Template filter `action_label`."""
    app.add_template_filter(action_label, "action_label")
