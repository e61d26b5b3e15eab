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
    # --- amounts typed ----------------------------------------------------------------------
    "dist_bad_percent": {
        "zh-CN": "请输入百分比数字，最多两位小数，如 10 或 2.5",
        "en": "Enter a percentage with at most two decimals, e.g. 10 or 2.5",
    },
    "dist_bad_money": {
        "zh-CN": "请输入金额（元），最多两位小数，如 15 或 12.50",
        "en": "Enter an amount in yuan with at most two decimals, e.g. 15 or 12.50",
    },
    "dist_yuan_hint": {"zh-CN": "单位：元。", "en": "In yuan (¥)."},
    # --- commission plans ------------------------------------------------------------------
    "dist_plans_intro": {
        "zh-CN": "每件商品按最具体的启用方案计算佣金：指定商品的方案优先，其次指定品类，最后是适用全部商品的方案。佣金最多两级。",
        "en": "Each item is paid by the most specific active plan: one naming the product, else its category, else a plan for everything. Commission is paid on two levels at most.",
    },
    "dist_plan_name": {"zh-CN": "方案名称", "en": "Plan"},
    "dist_plan_kind_hint": {
        "zh-CN": "按比例：商品金额的百分比；固定金额：每件商品付固定佣金。",
        "en": "Percentage: a share of the item's amount; fixed amount: a sum per unit sold.",
    },
    "dist_rates": {"zh-CN": "佣金", "en": "Commission"},
    "dist_rates_hint": {
        "zh-CN": "按比例时填百分比（如 10 表示 10%），两级合计不超过 50%；固定金额时填每件的元数。",
        "en": "For a percentage, type the percent (10 means 10 %); both levels together at most 50 %. For a fixed amount, yuan per unit.",
    },
    "dist_rate_1": {"zh-CN": "一级佣金", "en": "Level 1"},
    "dist_rate_2": {"zh-CN": "二级佣金", "en": "Level 2"},
    "dist_rate_2_hint": {
        "zh-CN": "选填：推荐人（上一级分销员）得到的佣金；留空则只付一级。",
        "en": "Optional: what the recruiter (the distributor above) earns; empty pays level 1 only.",
    },
    "dist_product_ids": {"zh-CN": "指定商品", "en": "Products"},
    "dist_product_ids_hint": {
        "zh-CN": "商品编号（与商城订单中的一致），用逗号分隔；留空则按品类。",
        "en": "Product ids (as in the shop's orders), separated by commas; empty goes by category.",
    },
    "dist_categories": {"zh-CN": "指定品类", "en": "Categories"},
    "dist_categories_hint": {
        "zh-CN": "用逗号分隔；商品和品类都留空则适用全部商品。",
        "en": "Separated by commas; with neither products nor categories the plan covers everything.",
    },
    "dist_plan_active": {"zh-CN": "启用（新订单按此方案计佣）", "en": "Active (new orders are paid by it)"},
    "dist_confirm_plan": {
        "zh-CN": "保存后，之后支付的订单将按此方案计算佣金；已产生的佣金不变。确定吗？",
        "en": "Orders paid from now on earn commission by this plan; commission already earned stays as it is. Save?",
    },
    "dist_covers": {"zh-CN": "适用范围", "en": "Covers"},
    "dist_products": {"zh-CN": "商品", "en": "Products"},
    "dist_everything": {"zh-CN": "全部商品", "en": "Everything"},
    "dist_no_plans": {
        "zh-CN": "还没有佣金方案：没有方案时订单不产生佣金。",
        "en": "No commission plan yet: without one, orders earn no commission.",
    },
    "dist_new_plan": {"zh-CN": "新建佣金方案", "en": "New commission plan"},
    "dist_edit_plan": {"zh-CN": "编辑佣金方案", "en": "Edit a commission plan"},
    "dist_plan_edit_hint": {
        "zh-CN": "修改只影响之后支付的订单；已产生的佣金按当时的方案计算，不会改变。",
        "en": "Changes apply to orders paid from now on; commission already earned keeps the plan it was earned under.",
    },
    "dist_done_plan_created": {"zh-CN": "佣金方案已创建。", "en": "Commission plan created."},
    "dist_done_plan_saved": {"zh-CN": "佣金方案已保存。", "en": "Commission plan saved."},
    "dist_confirm_plan_edit": {
        "zh-CN": "修改后的比例或金额只用于之后支付的订单；已产生的佣金保持不变。确定保存吗？",
        "en": "Changed rates apply to orders paid from now on; commission already earned stays as it is. Save?",
    },
    # --- levels ----------------------------------------------------------------------------
    "dist_levels_intro": {
        "zh-CN": "团队人数（两级下级分销员）与团队销售额同时达到门槛时，分销员自动升到该等级（不会自动降级）；等级奖励加在按比例方案的一级佣金上。",
        "en": "A distributor rises to a level on their own when their team (two levels of recruits) and its sales reach it (never down on their own); the level's bonus adds to level-1 percentage commission.",
    },
    "dist_rank": {"zh-CN": "级别", "en": "Rank"},
    "dist_rank_hint": {"zh-CN": "1–100，数字越大等级越高。", "en": "1–100; higher is better."},
    "dist_level_name": {"zh-CN": "等级名称", "en": "Level"},
    "dist_min_team_size": {"zh-CN": "团队人数门槛", "en": "Team size to reach"},
    "dist_min_team_size_hint": {"zh-CN": "两级下级分销员人数。", "en": "Recruits on two levels."},
    "dist_min_team_sales": {"zh-CN": "团队销售额门槛", "en": "Team sales to reach"},
    "dist_bonus": {"zh-CN": "一级佣金加成", "en": "Level-1 bonus"},
    "dist_bonus_hint": {
        "zh-CN": "百分比，加在按比例方案的一级佣金上（如 2 表示多 2%），最多 50%。",
        "en": "A percentage added to level-1 percentage commission (2 means 2 % more), at most 50 %.",
    },
    "dist_confirm_level": {
        "zh-CN": "新等级立即生效：达到门槛的分销员会升到该等级，其按比例方案的一级佣金将加上该等级的加成。确定吗？",
        "en": "The level applies at once: distributors who reach it rise to it, and its bonus adds to their level-1 percentage commission. Go ahead?",
    },
    "dist_no_levels": {"zh-CN": "还没有分销员等级。", "en": "No levels yet."},
    "dist_new_level": {"zh-CN": "新建等级", "en": "New level"},
    "dist_done_level_created": {"zh-CN": "等级已创建。", "en": "Level created."},
    "dist_done_level_saved": {"zh-CN": "等级已保存。", "en": "Level saved."},
    "dist_edit_level": {"zh-CN": "编辑分销员等级", "en": "Edit a level"},
    "dist_level_edit_hint": {
        "zh-CN": "修改不会立即调整任何分销员的等级：分销员在下次发展下级或获得佣金时按新门槛升级；新的加成只用于之后支付的订单，已产生的佣金不变。",
        "en": "Nobody moves at once: distributors reach changed thresholds on their next recruit or commission; a changed bonus applies to orders paid from now on, and commission already earned stays as it is.",
    },
    "dist_confirm_level_edit": {
        "zh-CN": "修改后的加成只用于之后支付的订单；已产生的佣金保持不变。确定保存吗？",
        "en": "A changed bonus applies to orders paid from now on; commission already earned stays as it is. Save?",
    },
    # --- settings --------------------------------------------------------------------------
    "dist_self_purchase": {"zh-CN": "自购返佣", "en": "Own purchases earn commission"},
    "dist_self_purchase_hint": {
        "zh-CN": "分销员自己下单也获得一级佣金",
        "en": "A distributor's own orders earn them level-1 commission",
    },
    "dist_refund_window": {"zh-CN": "佣金结算期", "en": "Commission held for"},
    "dist_refund_window_days": {"zh-CN": "佣金结算期（天）", "en": "Commission held for (days)"},
    "dist_refund_window_hint": {
        "zh-CN": "订单支付后佣金先待结算这么多天（退款期），之后才可提现；0–365。",
        "en": "Commission stays pending this many days after the order was paid (the refund window) before it can be withdrawn; 0–365.",
    },
    "dist_n_days": {"zh-CN": "{n} 天", "en": "{n} days"},
    "dist_min_withdrawal": {"zh-CN": "最低提现金额", "en": "Smallest withdrawal"},
    "dist_min_withdrawal_yuan": {"zh-CN": "最低提现金额（元）", "en": "Smallest withdrawal (¥)"},
    "dist_task_entry": {"zh-CN": "完成任务成为分销员", "en": "Become a distributor by a task"},
    "dist_task_hint": {
        "zh-CN": "达到任一条件的会员自动成为分销员；留空表示不用该条件。每项 1–365。",
        "en": "A member who reaches either becomes a distributor; leave empty for no such task. Each 1–365.",
    },
    "dist_task_orders": {"zh-CN": "累计订单数", "en": "Orders placed"},
    "dist_task_streak": {"zh-CN": "连续签到天数", "en": "Check-in streak (days)"},
    "dist_task_orders_n": {"zh-CN": "累计 {n} 笔订单", "en": "{n} orders"},
    "dist_task_streak_n": {"zh-CN": "连续签到 {n} 天", "en": "a {n}-day check-in streak"},
    "dist_task_range": {
        "zh-CN": "请填写 1–365 之间的整数，或留空",
        "en": "A whole number from 1 to 365, or empty",
    },
    "dist_or": {"zh-CN": "或", "en": "or"},
    "dist_off": {"zh-CN": "未开启", "en": "Off"},
    "dist_gift_packs": {"zh-CN": "购买礼包成为分销员", "en": "Gift packs that make a distributor"},
    "dist_gift_packs_hint": {
        "zh-CN": "商品编号，用逗号分隔；购买其中任一商品的会员自动成为分销员。",
        "en": "Product ids separated by commas; a member who buys one becomes a distributor.",
    },
    "dist_bind_invitees": {"zh-CN": "绑定任务宝受邀人", "en": "Bind referral invitees"},
    "dist_bind_invitees_hint": {
        "zh-CN": "通过分销员的任务宝邀请入会的会员，成为该分销员的客户",
        "en": "A member who joins through a distributor's referral invitation becomes their customer",
    },
    "dist_yes": {"zh-CN": "是", "en": "Yes"},
    "dist_no": {"zh-CN": "否", "en": "No"},
    "dist_change_settings": {"zh-CN": "修改设置", "en": "Change the settings"},
    "dist_confirm_settings": {
        "zh-CN": "设置立即生效：影响之后的佣金结算期、提现门槛与成为分销员的条件。确定保存吗？",
        "en": "The settings apply at once: to when commission is released, the smallest withdrawal and how members become distributors. Save?",
    },
    "dist_done_settings_saved": {"zh-CN": "分销设置已保存。", "en": "Distribution settings saved."},
    "dist_per_unit": {"zh-CN": "/ 件", "en": "per unit"},
    "dist_bind_customer": {"zh-CN": "绑定客户", "en": "Bind a customer"},
    "dist_bind": {"zh-CN": "绑定", "en": "Bind"},
    "dist_bind_hint": {
        "zh-CN": "客户的手机号。客户只绑定第一位分销员：已绑定他人的客户会被拒绝，不会转移。",
        "en": "The customer's phone number. A customer stays with their first distributor: one bound to another is refused, not moved.",
    },
    "dist_confirm_bind": {
        "zh-CN": "绑定后，该客户此后的订单按佣金方案给这位分销员（及其上级）计佣。确定吗？",
        "en": "Once bound, the customer's orders from now on pay this distributor (and their recruiter) commission. Go ahead?",
    },
    "dist_done_one_bound": {"zh-CN": "客户已绑定。", "en": "The customer is bound."},
}
