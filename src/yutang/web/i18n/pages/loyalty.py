"""Strings of the console's loyalty module (忠诚度: earn rules, tiers, rewards, coupons,
paid membership, lotteries and auctions, stored value, the points ledger)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # --- the module ------------------------------------------------------------------------
    "loyalty_sections": {"zh-CN": "忠诚度栏目", "en": "Loyalty sections"},
    "tab_rules": {"zh-CN": "积分规则", "en": "Earn rules"},
    "enter_money": {"zh-CN": "请输入金额（元），例如 19.90", "en": "Enter an amount in yuan, e.g. 19.90"},
    "words_hint": {
        "zh-CN": "多个用逗号分隔；留空表示不限。",
        "en": "Separate several with commas; empty means any.",
    },
    "all_members": {"zh-CN": "全部会员", "en": "All members"},
    "from_now": {"zh-CN": "立即", "en": "Now"},
    "no_end": {"zh-CN": "长期", "en": "No end"},
    "starts_at": {"zh-CN": "开始时间", "en": "Starts"},
    "ends_at": {"zh-CN": "结束时间", "en": "Ends"},
    "ends_after_starts": {
        "zh-CN": "结束时间须晚于开始时间",
        "en": "The end must come after the start",
    },
    "pause": {"zh-CN": "暂停", "en": "Pause"},
    "resume": {"zh-CN": "恢复", "en": "Resume"},
    "done_paused": {"zh-CN": "已暂停。", "en": "Paused."},
    "done_resumed": {"zh-CN": "已恢复。", "en": "Resumed."},
    # --- earn rules --------------------------------------------------------------------------
    "earn_rules": {"zh-CN": "积分规则", "en": "Earn rules"},
    "new_earn_rule": {"zh-CN": "新建积分规则", "en": "New earn rule"},
    "earn_rules_intro": {
        "zh-CN": "会员在下单、入会、签到等时刻按规则获得积分；每条规则对每位会员、每次事件只发放一次。",
        "en": "Members earn points by these rules when they order, join, check in …; each rule pays each "
        "member once per event.",
    },
    "no_earn_rules": {"zh-CN": "还没有积分规则。", "en": "No earn rules yet."},
    "rule_name": {"zh-CN": "规则名称", "en": "Name"},
    "trigger": {"zh-CN": "触发事件", "en": "Trigger"},
    "earns": {"zh-CN": "发放积分", "en": "Pays"},
    "earns_fixed": {"zh-CN": "每次 {points} 积分", "en": "{points} points each time"},
    "earns_per_unit": {"zh-CN": "每消费 {money} 得 {points} 积分", "en": "{points} points per {money} spent"},
    "times_tier_multiplier": {"zh-CN": "× 会员等级倍数", "en": "× the tier's multiplier"},
    "min_spend_of": {"zh-CN": "订单满 {money}", "en": "Orders of {money} or more"},
    "only_categories": {"zh-CN": "仅限品类", "en": "Only these categories"},
    "only_products": {"zh-CN": "仅限商品编号", "en": "Only these product ids"},
    "only_tiers": {"zh-CN": "仅限等级", "en": "Only these tiers"},
    "only_tiers_hint": {"zh-CN": "都不勾选表示所有等级。", "en": "None ticked: every tier."},
    "only_segment": {"zh-CN": "仅限分群", "en": "Only this segment"},
    "rule_limits": {"zh-CN": "上限与有效期", "en": "Caps and expiry"},
    "rule_window": {"zh-CN": "生效时间", "en": "When it pays"},
    "rule_conditions": {"zh-CN": "条件", "en": "Conditions"},
    "cap_day": {"zh-CN": "每人每天最多 {points}", "en": "At most {points} a day each"},
    "cap_week": {"zh-CN": "每人每周最多 {points}", "en": "At most {points} a week each"},
    "cap_month": {"zh-CN": "每人每月最多 {points}", "en": "At most {points} a month each"},
    "cap_lifetime": {"zh-CN": "每人累计最多 {points}", "en": "At most {points} in all each"},
    "cap_field_day": {"zh-CN": "每人每天上限（积分）", "en": "Cap per member per day (points)"},
    "cap_field_week": {"zh-CN": "每人每周上限（积分）", "en": "Cap per member per week (points)"},
    "cap_field_month": {"zh-CN": "每人每月上限（积分）", "en": "Cap per member per month (points)"},
    "cap_field_lifetime": {"zh-CN": "每人累计上限（积分）", "en": "Cap per member in all (points)"},
    "pending_for": {"zh-CN": "{days} 天后到账", "en": "Credited after {days} days"},
    "expires_after": {"zh-CN": "{months} 个月后过期", "en": "Expire after {months} months"},
    "points_never_expire": {"zh-CN": "积分永久有效", "en": "Points never expire"},
    "rule_state_active": {"zh-CN": "生效中", "en": "Active"},
    "rule_state_paused": {"zh-CN": "已暂停", "en": "Paused"},
    "rule_state_scheduled": {"zh-CN": "未开始", "en": "Not started"},
    "rule_state_ended": {"zh-CN": "已结束", "en": "Ended"},
    "confirm_pause_rule": {
        "zh-CN": "暂停「{name}」后，会员在恢复之前不会再按此规则获得积分（已发放的积分不受影响）。确定暂停吗？",
        "en": "After pausing “{name}”, members earn nothing by it until it is resumed (points already "
        "paid stay). Pause it?",
    },
    "amount_type": {"zh-CN": "发放方式", "en": "Amount"},
    "amount_type_hint": {
        "zh-CN": "按消费金额只适用于“订单支付”。",
        "en": "Per amount spent applies to “Order paid” only.",
    },
    "rule_fixed_hint": {
        "zh-CN": "触发事件、发放方式、等级倍数和开始时间创建后不能修改；修改只影响之后的事件。",
        "en": "The trigger, amount type, tier multiplier and start stay as created; changes apply to "
        "events from now on.",
    },
    "event_name": {"zh-CN": "自定义事件名", "en": "Custom event name"},
    "event_name_hint": {
        "zh-CN": "仅“自定义事件”需要：与上报活动时的 name 相同。",
        "en": "For “Custom event” only: the name activities are reported with.",
    },
    "need_event_name": {
        "zh-CN": "自定义事件需要填写事件名",
        "en": "A custom event needs its name",
    },
    "per_unit_orders_only": {
        "zh-CN": "按消费金额发放只适用于“订单支付”",
        "en": "Per amount spent applies to “Order paid” only",
    },
    "unit_yuan": {"zh-CN": "每消费（元）", "en": "Per amount spent (yuan)"},
    "unit_yuan_hint": {
        "zh-CN": "按消费金额发放时：每消费这么多元得上面的积分，例如 1.00。",
        "en": "For per amount spent: the points above for each such amount, e.g. 1.00.",
    },
    "tier_multiplier": {"zh-CN": "乘以等级倍数", "en": "Multiply by the tier"},
    "tier_multiplier_hint": {
        "zh-CN": "按会员等级的积分倍数加倍发放。",
        "en": "Multiply by the member's tier points multiplier.",
    },
    "min_amount_yuan": {"zh-CN": "订单最低金额（元）", "en": "Minimum order (yuan)"},
    "min_amount_hint": {
        "zh-CN": "仅订单：符合条件的商品金额达到此数才发放。",
        "en": "Orders only: the eligible spend must reach this.",
    },
    "expiry_months": {"zh-CN": "有效期（月）", "en": "Expiry (months)"},
    "expiry_months_hint": {"zh-CN": "留空表示永久有效。", "en": "Empty: the points never expire."},
    "pending_days": {"zh-CN": "冻结天数", "en": "Pending days"},
    "pending_days_hint": {
        "zh-CN": "积分先冻结这么多天（例如退款期）再到账；0 表示立即到账。",
        "en": "Points wait this many days (e.g. the refund window) before they can be spent; 0: at once.",
    },
    "allow_negative": {"zh-CN": "退款可扣成负数", "en": "Refunds may go negative"},
    "allow_negative_hint": {
        "zh-CN": "订单退款时，即使积分已用掉也要扣回（余额可能为负）。",
        "en": "On a refund, take these points back even if spent (the balance may go below zero).",
    },
    "starts_at_hint": {"zh-CN": "留空表示立即开始。", "en": "Empty: from now."},
    "ends_at_hint": {"zh-CN": "留空表示长期有效。", "en": "Empty: no end."},
    "create_paused": {"zh-CN": "先暂停（创建后不发放）", "en": "Create paused (pays nothing yet)"},
    # --- tiers ------------------------------------------------------------------------------
    "tab_tiers": {"zh-CN": "会员等级", "en": "Tiers"},
    "tiers": {"zh-CN": "会员等级", "en": "Tiers"},
    "new_tier": {"zh-CN": "新建等级", "en": "New tier"},
    "no_tiers": {"zh-CN": "还没有会员等级。", "en": "No tiers yet."},
    "tier_rank": {"zh-CN": "级别", "en": "Rank"},
    "tier_rank_hint": {
        "zh-CN": "数字越大等级越高；创建后不能修改。",
        "en": "Higher is better; it stays as created.",
    },
    "tier_name": {"zh-CN": "等级名称", "en": "Name"},
    "threshold": {"zh-CN": "门槛", "en": "Threshold"},
    "threshold_yuan": {"zh-CN": "门槛（累计消费，元）", "en": "Threshold (spend, yuan)"},
    "threshold_points": {"zh-CN": "门槛（累计积分）", "en": "Threshold (points earned)"},
    "threshold_hint_spend": {
        "zh-CN": "统计周期内扣除退款后的消费达到此金额即升到该等级。",
        "en": "Members whose spend net of refunds over the window reaches this move up to the tier.",
    },
    "threshold_hint_points": {
        "zh-CN": "统计周期内获得的积分达到此数即升到该等级。",
        "en": "Members who earn this many points over the window move up to the tier.",
    },
    "threshold_must_rise": {
        "zh-CN": "级别越高门槛须越高",
        "en": "A higher rank needs a higher threshold",
    },
    "n_points": {"zh-CN": "{n} 积分", "en": "{n} points"},
    "n_days": {"zh-CN": "{n} 天", "en": "{n} days"},
    "benefits": {"zh-CN": "权益", "en": "Benefits"},
    "benefit_multiplier": {"zh-CN": "积分 ×{x}", "en": "Points ×{x}"},
    "benefit_discount": {"zh-CN": "购物优惠 {n}%", "en": "{n}% off purchases"},
    "benefit_birthday": {"zh-CN": "生日礼 {n} 积分", "en": "Birthday gift of {n} points"},
    "benefit_coupons": {"zh-CN": "升级礼券", "en": "Welcome coupons"},
    "benefit_distribution": {"zh-CN": "分销资格", "en": "May become a distributor"},
    "points_multiplier": {"zh-CN": "积分倍数", "en": "Points multiplier"},
    "points_multiplier_hint": {
        "zh-CN": "例如 1.5；勾选了“乘以等级倍数”的积分规则按此倍数发放。留空表示无。",
        "en": "E.g. 1.5; earn rules set to multiply by the tier pay this many times. Empty: none.",
    },
    "multiplier_range": {"zh-CN": "请输入 0 到 10 之间的数字", "en": "Enter a number above 0, up to 10"},
    "discount_percent": {"zh-CN": "购物优惠（%）", "en": "Discount (%)"},
    "discount_percent_hint": {
        "zh-CN": "0 到 99 的整数；留空表示无。",
        "en": "A whole number 0-99; empty: none.",
    },
    "discount_range": {"zh-CN": "请输入 0 到 99 的整数", "en": "Enter a whole number from 0 to 99"},
    "birthday_points": {"zh-CN": "生日礼（积分）", "en": "Birthday gift (points)"},
    "welcome_coupons": {"zh-CN": "升级礼券", "en": "Welcome coupons"},
    "welcome_coupons_hint": {
        "zh-CN": "会员升到该等级时各发一张。",
        "en": "One of each when a member moves up to the tier.",
    },
    "tier_nobody_moves": {
        "zh-CN": "保存后不会立即调整会员：会员在下次下单、获得积分或每日评估时按新设置升降级。",
        "en": "Nobody moves now: members move on their next order or earning, or at the daily evaluation.",
    },
    "tier_program": {"zh-CN": "等级规则", "en": "Tier programme"},
    "tier_program_intro": {
        "zh-CN": "达到门槛立即升级；低于门槛的会员在每日评估时进入保级期，保级期结束仍未达标则按降级方式处理。",
        "en": "Members move up at once; a member below their tier at the daily evaluation gets the grace "
        "period, and if still below when it ends the downgrade policy applies.",
    },
    "tier_metric": {"zh-CN": "定级依据", "en": "Measured by"},
    "tier_metric_hint": {
        "zh-CN": "改变依据后请检查各等级门槛的单位（元或积分）。",
        "en": "After changing it, check the tiers' thresholds (yuan or points).",
    },
    "tier_window": {"zh-CN": "统计周期", "en": "Window"},
    "tier_window_days": {"zh-CN": "统计周期（天）", "en": "Window (days)"},
    "tier_window_hint": {"zh-CN": "留空表示统计全部历史。", "en": "Empty: all time."},
    "all_time": {"zh-CN": "全部历史", "en": "All time"},
    "grace_days": {"zh-CN": "保级期（天）", "en": "Grace period (days)"},
    "grace_days_hint": {
        "zh-CN": "低于门槛后保留原等级的天数。",
        "en": "Days a member below their tier keeps it.",
    },
    "downgrade_policy": {"zh-CN": "降级方式", "en": "Downgrade policy"},
    "evaluate_now": {"zh-CN": "立即评估等级", "en": "Evaluate tiers now"},
    "confirm_evaluate": {
        "zh-CN": "现在按门槛评估全部会员：达标者立即升级并获得升级礼券，低于门槛者进入保级期，保级期已满者按降级方式降级。确定吗？",
        "en": "Evaluate every member now: those who qualify move up and get the welcome coupons, those "
        "below their tier start a grace period, and those whose grace has ended are downgraded by the "
        "policy. Go ahead?",
    },
    "done_evaluated": {"zh-CN": "已评估会员等级。", "en": "Tiers evaluated."},
    "done_evaluated_counts": {
        "zh-CN": "已评估 {checked} 位会员：升级 {upgraded} 位，降级 {downgraded} 位，进入保级期 {grace} 位。",
        "en": "Evaluated {checked} members: {upgraded} moved up, {downgraded} moved down, {grace} "
        "started a grace period.",
    },
}
