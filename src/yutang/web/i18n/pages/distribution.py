"""Strings of the console's distribution module (分销: distributors, applications, a
distributor's page, withdrawals, commission plans, levels, settings)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # --- tabs -----------------------------------------------------------------------------
    "dist_applications": {"zh-CN": "待审核申请", "en": "Applications"},
    "dist_withdrawals": {"zh-CN": "提现申请", "en": "Withdrawals"},
    "dist_plans": {"zh-CN": "佣金方案", "en": "Commission plans"},
    "dist_levels": {"zh-CN": "分销员等级", "en": "Levels"},
    "dist_settings": {"zh-CN": "分销设置", "en": "Settings"},
    # --- distributors ---------------------------------------------------------------------
    "dist_code": {"zh-CN": "推广码", "en": "Code"},
    "dist_entry": {"zh-CN": "成为方式", "en": "Became one by"},
    "dist_level": {"zh-CN": "等级", "en": "Level"},
    "dist_recruiter": {"zh-CN": "推荐人", "en": "Recruited by"},
    "dist_frozen": {"zh-CN": "提现中", "en": "Being withdrawn"},
    "dist_appoint": {"zh-CN": "任命分销员 / 登记申请", "en": "Appoint a distributor / record an application"},
    "dist_appoint_phone_hint": {
        "zh-CN": "会员的手机号；该会员须为正常状态。",
        "en": "The member's phone number; the member must be active.",
    },
    "dist_parent_code": {"zh-CN": "推荐人推广码", "en": "Recruiter's code"},
    "dist_parent_code_hint": {
        "zh-CN": "选填：推荐该会员的分销员的推广码；留空则为其所绑定的分销员（如有）。",
        "en": "Optional: the code of the distributor who recruited them; empty means the distributor they are bound to, if any.",
    },
    "dist_apply_only": {
        "zh-CN": "仅登记申请，稍后审核",
        "en": "Only record an application, to be decided later",
    },
    "dist_appoint_button": {"zh-CN": "任命", "en": "Appoint"},
    "dist_approve": {"zh-CN": "通过申请", "en": "Approve"},
    "dist_reject": {"zh-CN": "拒绝申请", "en": "Reject"},
    "dist_suspend": {"zh-CN": "暂停", "en": "Suspend"},
    "dist_resume": {"zh-CN": "恢复", "en": "Reinstate"},
    "dist_decision_note": {"zh-CN": "审核备注", "en": "Note on the decision"},
    "dist_confirm_bulk_approve": {
        "zh-CN": "通过选中的申请：这些会员将成为正常状态的分销员，此后其推广的订单将产生佣金。确定吗？",
        "en": "Approve the selected applications: these members become active distributors and earn commission on the orders they bring from now on. Go ahead?",
    },
    "dist_confirm_bulk_reject": {
        "zh-CN": "拒绝选中的申请？被拒绝的会员之后可以重新申请。",
        "en": "Reject the selected applications? A member refused may apply again later.",
    },
    "dist_confirm_bulk_suspend": {
        "zh-CN": "暂停选中的分销员：暂停期间不再产生新佣金，也不能申请提现，已有佣金保留。确定吗？",
        "en": "Suspend the selected distributors: while suspended they earn no new commission and cannot withdraw; what they have is kept. Go ahead?",
    },
    "dist_confirm_bulk_resume": {
        "zh-CN": "恢复选中的分销员：此后其推广的订单将重新产生佣金。确定吗？",
        "en": "Reinstate the selected distributors: the orders they bring earn commission again from now on. Go ahead?",
    },
    "dist_nothing_changed": {
        "zh-CN": "操作被拒绝，所选分销员均未改变。",
        "en": "Refused: none of the selected distributors was changed.",
    },
    "dist_refused_for": {"zh-CN": "（分销员 #{id}）", "en": "(distributor #{id})"},
    "dist_done_appointed": {"zh-CN": "已任命为分销员。", "en": "Appointed as a distributor."},
    "dist_done_applied": {
        "zh-CN": "已登记申请，等待审核。",
        "en": "Application recorded, waiting for a decision.",
    },
    "dist_done_already": {
        "zh-CN": "该会员已经是分销员（或已有申请），未做改变。",
        "en": "This member already is a distributor (or has applied); nothing was changed.",
    },
    "dist_done_none": {"zh-CN": "没有选中任何分销员。", "en": "No distributor was selected."},
    "dist_done_approve": {"zh-CN": "已通过 {n} 份申请。", "en": "Approved {n} applications."},
    "dist_done_reject": {"zh-CN": "已拒绝 {n} 份申请。", "en": "Rejected {n} applications."},
    "dist_done_suspend": {"zh-CN": "已暂停 {n} 位分销员。", "en": "Suspended {n} distributors."},
    "dist_done_resume": {"zh-CN": "已恢复 {n} 位分销员。", "en": "Reinstated {n} distributors."},
    # --- a distributor's page ---------------------------------------------------------------
    "dist_distributor": {"zh-CN": "分销员", "en": "Distributor"},
    "dist_member_hidden": {
        "zh-CN": "该分销员的会员信息不在你可查看的范围内（导购只能查看自己负责的会员）。",
        "en": "This distributor's member is not among those you may see (store staff see the members they own).",
    },
    "dist_orders_paid": {"zh-CN": "订单数", "en": "Orders"},
    "dist_team_size": {"zh-CN": "团队人数", "en": "Team size"},
    "dist_team_sales": {"zh-CN": "佣金订单销售额", "en": "Sales that paid commission"},
    "dist_activated": {"zh-CN": "成为分销员时间", "en": "Distributor since"},
    "dist_confirm_approve": {
        "zh-CN": "通过申请：该会员将成为正常状态的分销员，此后其推广的订单将产生佣金。确定吗？",
        "en": "Approve: this member becomes an active distributor and earns commission on the orders they bring from now on. Go ahead?",
    },
    "dist_confirm_reject": {
        "zh-CN": "拒绝该申请？该会员之后可以重新申请。",
        "en": "Reject this application? The member may apply again later.",
    },
    "dist_suspend_hint": {
        "zh-CN": "暂停后不再产生新佣金，也不能申请提现；已有佣金保留，恢复后照常。",
        "en": "While suspended they earn no new commission and cannot withdraw; what they have is kept until they are reinstated.",
    },
    "dist_confirm_suspend": {
        "zh-CN": "暂停该分销员：暂停期间不再产生新佣金，也不能申请提现。确定吗？",
        "en": "Suspend this distributor: while suspended they earn no new commission and cannot withdraw. Go ahead?",
    },
    "dist_resume_hint": {
        "zh-CN": "恢复后，其推广的订单重新产生佣金，也可以申请提现。",
        "en": "Reinstated, the orders they bring earn commission again and they may withdraw.",
    },
    "dist_confirm_resume": {
        "zh-CN": "恢复该分销员：此后其推广的订单将重新产生佣金。确定吗？",
        "en": "Reinstate this distributor: the orders they bring earn commission again from now on. Go ahead?",
    },
    "dist_done_one_approve": {"zh-CN": "已通过申请。", "en": "Application approved."},
    "dist_done_one_reject": {"zh-CN": "已拒绝申请。", "en": "Application rejected."},
    "dist_done_one_suspend": {"zh-CN": "已暂停该分销员。", "en": "Distributor suspended."},
    "dist_done_one_resume": {"zh-CN": "已恢复该分销员。", "en": "Distributor reinstated."},
    "dist_team_hint": {
        "zh-CN": "一级：其推荐的分销员；二级：一级推荐的分销员。佣金最多两级，不再向下。",
        "en": "Level 1: the distributors they recruited; level 2: those recruited by level 1. Commission is paid on two levels, never deeper.",
    },
    "dist_team_level_1": {"zh-CN": "一级", "en": "level 1"},
    "dist_team_level_2": {"zh-CN": "二级", "en": "level 2"},
    "dist_no_team": {"zh-CN": "还没有团队成员。", "en": "No team yet."},
    "dist_commissions": {"zh-CN": "佣金明细", "en": "Commissions"},
    "dist_order": {"zh-CN": "订单", "en": "Order"},
    "dist_buyer": {"zh-CN": "下单会员", "en": "Buyer"},
    "dist_commission_level": {"zh-CN": "佣金层级", "en": "Level"},
    "dist_commission_level_1": {"zh-CN": "一级（自己的客户）", "en": "Level 1 (own customer)"},
    "dist_commission_level_2": {"zh-CN": "二级（下级的客户）", "en": "Level 2 (a recruit's customer)"},
    "dist_base": {"zh-CN": "计佣金额", "en": "Commissionable amount"},
    "dist_commission": {"zh-CN": "佣金", "en": "Commission"},
    "dist_release_at": {"zh-CN": "结算时间（预计）", "en": "Released (or due)"},
    "dist_no_commissions": {"zh-CN": "还没有佣金。", "en": "No commission yet."},
    "dist_ledger": {"zh-CN": "佣金流水", "en": "Commission ledger"},
    "dist_reference": {"zh-CN": "关联", "en": "For"},
    "dist_withdrawal": {"zh-CN": "提现", "en": "Withdrawal"},
    "dist_no_entries": {"zh-CN": "还没有流水。", "en": "No ledger entries yet."},
    # --- withdrawals ---------------------------------------------------------------------
    "dist_withdrawals_waiting": {"zh-CN": "待审核的提现", "en": "Waiting for a decision"},
    "dist_withdrawals_hint": {
        "zh-CN": "打款：请先在线下完成转账，再点“已打款”；驳回：金额退回该分销员的可提现佣金，须填写原因。",
        "en": "Pay: transfer the money first, then mark it paid here. Reject: the amount goes back to the distributor's available commission; say why.",
    },
    "dist_withdrawals_decided": {"zh-CN": "已处理", "en": "Decided"},
    "dist_requested_at": {"zh-CN": "申请时间", "en": "Requested"},
    "dist_decision": {"zh-CN": "审核", "en": "Decision"},
    "dist_decided_at": {"zh-CN": "处理时间", "en": "Decided"},
    "dist_decided_by": {"zh-CN": "处理人", "en": "Decided by"},
    "dist_withdrawal_note": {"zh-CN": "原因 / 备注", "en": "Reason / note"},
    "dist_pay": {"zh-CN": "已打款", "en": "Mark paid"},
    "dist_return": {"zh-CN": "驳回", "en": "Reject"},
    "dist_confirm_pay": {
        "zh-CN": "确认已向分销员 #{id} 转账 {amount}？该笔将记为已提现，不能撤销。",
        "en": "Confirm that {amount} was transferred to distributor #{id}? It is recorded as withdrawn and cannot be undone.",
    },
    "dist_confirm_return": {
        "zh-CN": "驳回这笔 {amount} 的提现？金额将退回分销员 #{id} 的可提现佣金。",
        "en": "Reject this withdrawal of {amount}? The amount goes back to distributor #{id}'s available commission.",
    },
    "dist_reject_reason_needed": {
        "zh-CN": "驳回时请填写原因（分销员会看到）。",
        "en": "Say why it is rejected (the distributor sees it).",
    },
    "dist_no_waiting": {"zh-CN": "没有待审核的提现。", "en": "No withdrawal is waiting."},
    "dist_no_decided": {"zh-CN": "还没有处理过的提现。", "en": "No withdrawal decided yet."},
    "dist_done_paid": {"zh-CN": "提现 #{id} 已记为已打款。", "en": "Withdrawal #{id} recorded as paid."},
    "dist_done_rejected": {
        "zh-CN": "提现 #{id} 已驳回，金额已退回可提现佣金。",
        "en": "Withdrawal #{id} rejected; the amount is available again.",
    },
    "dist_per_unit": {"zh-CN": "/ 件", "en": "per unit"},
}
