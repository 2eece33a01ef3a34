"""Chinese names of audited actions and object types for the viewer (an unknown code shows itself)."""

LABELS = {
    "auth.login": "登录成功", "auth.login_failed": "登录失败", "auth.login_locked": "锁定期间尝试登录",
    "auth.account_locked": "账号锁定", "auth.login_throttled": "登录限流", "auth.logout": "退出登录",
    "auth.idle_timeout": "会话超时", "auth.password_changed": "修改密码", "auth.password_change_failed": "改密失败",
    "security.csrf_rejected": "CSRF 拒绝", "security.forbidden": "越权访问",
    "user.create": "新建用户", "user.update": "修改用户", "user.enable": "启用账号", "user.disable": "停用账号",
    "user.reset_password": "重置密码", "user.refused": "越权管理账号被拒绝", "message.reveal": "查看短信原文",
    "region.create": "新增区划", "region.rename": "区划改名",
    "job.start": "启动任务", "job.download": "下载结果", "job.retry": "重试任务", "job.cancel": "取消任务",
    "calendar.override": "调整工作日历", "calendar.override_removed": "撤销日历调整",
    "backup.create": "创建备份", "backup.restore": "恢复备份", "demo.load": "加载演示数据",
    "dispatch.target_create": "新建分发目标", "dispatch.draft": "提交分发草稿", "dispatch.approve": "审核发布",
    "dispatch.discard": "撤销草稿", "dispatch.pause": "暂停分发", "dispatch.resume": "恢复分发",
    "dispatch.replay": "重新分发", "dispatch.dead_letter_requeued": "死信重发",
    "dispatch.dead_letter_discarded": "放弃死信",
    # 户档 and the data resource pool
    "household.create": "新建户档", "household.update": "修改户档", "household.delete": "删除户档",
    "household.restore": "恢复户档", "household.export": "导出户档", "person.create": "新增成员",
    "person.update": "修改成员", "person.remove": "移除成员", "person.restore": "恢复成员",
    "person.reveal": "查看完整证件号", "tag.create": "新增标签", "tag.update": "修改标签",
    "pool.upload": "上传数据文件", "pool.import": "导入数据文件", "pool.autofill": "资源池自动填写",
    "pool.cross_check": "多元校核", "pool.mapping": "修改一数一源", "conflict.resolve": "处理冲突",
    # 走访 and 迁入迁出
    "visit.create": "记录走访", "visit.update": "修改走访", "visits.export": "导出走访记录",
    "visit_policy.create": "新增走访周期", "visit_policy.update": "修改走访周期", "visit_policy.delete": "删除走访周期",
    "move.create": "办理迁移", "move.accept": "接收迁入", "move.reject": "拒绝迁入", "moves.export": "导出迁移记录",
    "report.download": "下载报表",
    # 信用 and the kiosk
    "credit.subject.create": "登记信用主体", "credit.subject.reveal": "查看主体完整证件号",
    "credit.record.create": "发布信用记录", "credit.record.correct": "更正信用记录",
    "credit.record.fulfilment": "更新履约状态", "credit.import": "导入信用记录",
    "credit.objection.file": "提出异议", "credit.objection.forward": "转办异议", "credit.objection.answer": "答复异议",
    "credit.repair.apply": "申请信用修复", "credit.repair.decide": "决定信用修复",
    "credit.repair.forward": "核对修复材料并转认定部门", "credit.repair.return": "修复材料不全，不予受理",
    "credit.repair.approve": "同意信用修复", "credit.repair.reject": "不予信用修复",
    "credit.objection.escalate": "异议超期提醒", "credit.repair.escalate": "修复超期提醒",
    "credit.record.lift": "解除关联惩戒措施", "credit.list.enter": "列入信用名单", "credit.list.remove": "移出信用名单",
    "credit.list.update": "更新名单条目", "credit.list.reconcile": "名单文件对账并应用",
    "credit.list.diff_report": "下载名单差异报告",
    "credit.report.issue": "出具信用报告", "credit.report.reprint": "补打信用报告",
    "credit.report.revoke": "撤销信用报告",
    "credit.report.verify": "核验信用报告", "credit.report.verify_file": "比对报告文件",
    "credit.score_model.publish": "发布评分模型", "kiosk.device.create": "登记自助终端",
    "kiosk.device.relink": "重发终端注册链接", "kiosk.device.revoke": "停用自助终端", "kiosk.enroll": "终端注册",
    "kiosk.identify": "终端身份核验", "kiosk.code.send": "发送验证码", "kiosk.code.check": "校验验证码",
    "kiosk.print": "终端打印报告", "kiosk.refused": "终端拒绝访问",
    # 运维工单 (state changes are ticket.<transition>)
    "ticket.create": "提交工单", "ticket.comment": "工单评论", "ticket.assign": "指派工单", "ticket.attach": "上传附件",
    "ticket.attachment_download": "下载附件", "ticket.escalate": "工单升级提醒", "ticket.sla_change": "调整 SLA",
    "ticket.extension_request": "申请延期", "ticket.extension_decide": "决定延期", "ticket.onsite": "登记到场",
    "ticket.watch": "关注工单", "ticket.unwatch": "取消关注", "ticket.worklog": "登记工时",
    "ticket.policy_update": "修改 SLA 策略", "ticket.contract_create": "新增服务合同",
    "ticket.system_create": "新增系统", "ticket.system_update": "修改系统",
    "ticket.respond": "工单响应", "ticket.start": "开始处理工单", "ticket.wait_user": "工单挂起（待用户）",
    "ticket.wait_vendor": "工单挂起（待第三方）", "ticket.resume": "恢复处理工单", "ticket.resolve": "工单标记已解决",
    "ticket.take_review": "开始审核工单", "ticket.approve": "审核通过并关闭工单", "ticket.send_back": "退回工单",
    "ticket.reopen": "重新打开工单", "ticket.cancel": "取消工单",
}

OBJECT_LABELS = {
    "user_account": "用户", "region": "区划", "job": "任务", "backup": "备份", "calendar_override": "工作日历",
    "household": "户档", "person": "成员", "tag_definition": "标签", "source_record": "资源池记录",
    "import_batch": "导入批次", "field_source": "一数一源", "conflict": "冲突", "visit": "走访",
    "visit_policy": "走访周期",
    "move": "迁移", "residence": "居住记录", "report_archive": "报表", "credit_subject": "信用主体",
    "credit_record": "信用记录", "credit_record_version": "信用记录版本", "credit_objection": "异议",
    "credit_repair": "信用修复", "credit_score_model": "评分模型", "credit_report": "信用报告",
    "kiosk_device": "自助终端", "credit_list_entry": "信用名单条目", "counter": "编号计数器",
    "credit_one_time_code": "验证码", "dispatch_target": "分发目标",
    "dispatch_target_version": "分发版本", "dispatch_run": "分发批次", "dispatch_dead_letter": "死信",
    "outbox_event": "变更事件", "ticket": "工单", "ticket_contract": "服务合同", "ticket_system": "系统",
    "ticket_sla_policy": "SLA 策略", "ticket_attachment": "工单附件", "ticket_extension": "延期申请",
    "ticket_escalation": "升级提醒", "ticket_worklog": "工时", "notification": "通知",
    "ticket_pause": "工单挂起", "ticket_event": "工单动态", "ticket_watcher": "工单关注", "visit_check": "走访检查项",
    "audit_log": "审计日志", "request_key": "请求记录", "login_attempt": "登录尝试", "outbound_message": "消息",
}


def action_label(action: str) -> str:
    """Chinese label, or the code itself."""
    return LABELS.get(action, action)


def object_label(object_type: str) -> str:
    """Chinese name of an audited object type, or the code itself."""
    return OBJECT_LABELS.get(object_type, object_type or "")


def init_app(app) -> None:
    """Template filters `action_label` and `object_label`."""
    app.add_template_filter(action_label, "action_label")
    app.add_template_filter(object_label, "object_label")
