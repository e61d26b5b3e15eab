"""Strings of the console's funnel report (数据 › 漏斗): its orders, the time to convert,
the trend, the breakdown and the members behind a step."""

STRINGS: dict[str, dict[str, str]] = {
    "funnel_order": {"zh-CN": "步骤顺序", "en": "Step order"},
    "funnel_order_sequential_help": {
        "zh-CN": "依次：每一步在上一步之后发生即可，中间可以有其他行为。",
        "en": "In order: each step comes after the one before; other facts may come in between.",
    },
    "funnel_order_strict_help": {
        "zh-CN": "严格连续：每一步必须是此人在上一步之后的下一条行为，中间有任何其他行为即止步。",
        "en": "Strictly in a row: each step must be the person's very next fact after the one before; any other fact in between stops them there.",
    },
    "funnel_order_any_help": {
        "zh-CN": "任意顺序：第 1 步进入后，其余步骤在窗口内以任意顺序完成即可；第 k 步计数的是完成了第 2 至 k 步的人。",
        "en": "Any order: after entering with step 1, the other steps may happen in any order within the window; step k counts the people who did steps 2 to k.",
    },
    "funnel_trend_per": {"zh-CN": "趋势周期", "en": "Trend per"},
    "funnel_trend": {"zh-CN": "转化趋势", "en": "Conversion trend"},
    "funnel_trend_help": {
        "zh-CN": "按进入漏斗的日期分组：整体转化率（末步 ÷ 首步）与每一步相对上一步的转化率；无人进入的周期留空。",
        "en": "By when people entered: the overall conversion (last step ÷ first) and each step's conversion from the one before; a period nobody entered is left blank.",
    },
    "funnel_overall_conversion": {"zh-CN": "整体转化率", "en": "Overall conversion"},
    "funnel_step_conversion_n": {"zh-CN": "第 {n} 步转化率", "en": "Step {n} conversion"},
    "funnel_time_to_convert": {"zh-CN": "转化用时分布", "en": "Time to convert"},
    "funnel_time_to_convert_help": {
        "zh-CN": "每一步距上一步的用时，按区间计人数（任意顺序时：距此前各步都已完成的时刻）。",
        "en": "How long each step took after the one before, in people per range (any order: after the moment the steps before were all done).",
    },
    "funnel_by_campaign": {"zh-CN": "邀请活动", "en": "Campaign"},
    "funnel_key_none_campaign": {"zh-CN": "无活动", "en": "No campaign"},
    "funnel_breakdown_help": {
        "zh-CN": "按进入漏斗那条行为（第 1 步）的渠道、短链、活动、等级或导购拆分。",
        "en": "Broken down by the channel, link, campaign, tier or owner staff of the fact people entered with (step 1).",
    },
    "funnel_members_at": {"zh-CN": "到达这一步的会员", "en": "The members who reached this step"},
    "funnel_members_dropped": {
        "zh-CN": "到达上一步、未到达这一步的会员",
        "en": "The members who reached the step before and not this one",
    },
    "funnel_drill_at": {"zh-CN": "漏斗第 {n} 步的会员", "en": "Members at step {n} of the funnel"},
    "funnel_drill_dropped": {
        "zh-CN": "漏斗第 {n} 步后流失的会员",
        "en": "Members who dropped off after step {n} of the funnel",
    },
}
