"""Strings of the console's RFM page (数据 › RFM)."""

STRINGS: dict[str, dict[str, str]] = {
    "reports_rfm": {"zh-CN": "RFM 分层", "en": "RFM"},
    "rfm_as_of": {"zh-CN": "截至 {day}", "en": "As of {day}"},
    "rfm_scored": {"zh-CN": "已评分会员", "en": "Members scored"},
    "rfm_grid": {"zh-CN": "最近购买 × 购买频次", "en": "Recency × frequency"},
    "rfm_grid_hint": {
        "zh-CN": "行：最近购买得分（5 = 最近）；列：购买频次得分（5 = 最多）。点数字查看这些会员。",
        "en": "Rows: recency score (5 = most recent); columns: frequency score (5 = most orders). "
        "A number opens its members.",
    },
    "rfm_r_score": {"zh-CN": "R {n}", "en": "R {n}"},
    "rfm_f_score": {"zh-CN": "F {n}", "en": "F {n}"},
    "rfm_recency_axis": {"zh-CN": "最近购买得分", "en": "Recency score"},
    "rfm_frequency_axis": {"zh-CN": "购买频次得分", "en": "Frequency score"},
    "rfm_groups": {"zh-CN": "客户分层", "en": "Groups"},
    "rfm_group": {"zh-CN": "分层", "en": "Group"},
    "rfm_who": {"zh-CN": "是谁", "en": "Who they are"},
    "rfm_share": {"zh-CN": "占比", "en": "Share"},
    "rfm_net": {"zh-CN": "净消费", "en": "Net spend"},
    "rfm_tag": {"zh-CN": "标签", "en": "Tag"},
    "rfm_see_members": {"zh-CN": "查看会员", "en": "Members"},
    "rfm_tag_filter": {"zh-CN": "按标签筛选", "en": "Filter by the tag"},
    "rfm_tag_not_yet": {"zh-CN": "标签未生成", "en": "No tag yet"},
    "rfm_refresh": {"zh-CN": "立即更新标签", "en": "Refresh tags now"},
    "rfm_confirm_refresh": {
        "zh-CN": "按现在的数据重新计算每位会员的 RFM 分层，并更新标签组「RFM」中的标签（其他标签不变）。继续吗？",
        "en": "Score every member again from the data as it is now and re-assign the tags of the "
        "tag group “RFM” (no other tag changes). Go on?",
    },
    "rfm_last_refresh": {"zh-CN": "标签最近更新：{at}（{who}）", "en": "Tags last refreshed: {at} ({who})"},
    "rfm_never_refreshed": {
        "zh-CN": "标签尚未生成：每天自动更新一次，也可立即更新。",
        "en": "No tags yet: they are refreshed daily, or now with the button.",
    },
    "rfm_refreshed": {
        "zh-CN": "标签已更新：{tagged} 位会员有 RFM 标签，{changed} 位有变化。",
        "en": "Tags refreshed: {tagged} members carry an RFM tag, {changed} changed.",
    },
    "rfm_definitions": {
        "zh-CN": "只统计有支付订单的会员。R：距最后一次支付的天数；F：支付订单数；M：净消费（支付 − 退款）。"
        "每项按工作区内排名分成五档（5 最好，并列同分）。分层由 R 和 F 得分决定。"
        "每天自动把分层写入标签组「RFM」，可用于分群、活动和群发。",
        "en": "Only members with a paid order count. R: days since their last paid order; F: their "
        "paid orders; M: their net spend (paid − refunded). Each is scored 1–5 by rank within the "
        "workspace (5 best, ties share a score); the group follows from R and F. The groups are "
        "written daily to the tag group “RFM”, for segments, campaigns and broadcasts.",
    },
    "rfm_about_champions": {"zh-CN": "最近买过，买得最多", "en": "Bought recently, and most often"},
    "rfm_about_loyal": {"zh-CN": "经常购买，近期也买过", "en": "Buy often, and not long ago"},
    "rfm_about_potential": {"zh-CN": "最近买过，已买过几次", "en": "Recent buyers with a few orders"},
    "rfm_about_new": {"zh-CN": "刚刚第一次购买", "en": "Just bought for the first time"},
    "rfm_about_promising": {"zh-CN": "近期买过一次", "en": "Bought once, fairly recently"},
    "rfm_about_need_attention": {
        "zh-CN": "买过几次，有一阵没买了",
        "en": "A few orders, but not lately",
    },
    "rfm_about_about_to_sleep": {"zh-CN": "买过一次，有一阵没买了", "en": "One order, a while ago"},
    "rfm_about_cant_lose": {"zh-CN": "曾经买得最多，很久没买了", "en": "Used to buy the most, long gone"},
    "rfm_about_at_risk": {"zh-CN": "曾经常买，很久没买了", "en": "Used to buy often, long gone"},
    "rfm_about_hibernating": {"zh-CN": "买得少，很久没买了", "en": "Few orders, long ago"},
    "rfm_about_lost": {"zh-CN": "买得少，最久没买", "en": "Few orders, longest ago"},
    "rfm_drill_group": {"zh-CN": "RFM：{group}", "en": "RFM: {group}"},
    "rfm_drill_cell": {"zh-CN": "RFM：R {r} · F {f}", "en": "RFM: R {r} · F {f}"},
    #: The page's language, so a drill-down's title (given a translator only) can name a
    #: group in that language's words.
    "rfm_lang": {"zh-CN": "zh-CN", "en": "en"},
    "rfm_drill_all": {"zh-CN": "RFM：全部已评分会员", "en": "RFM: every member scored"},
}
