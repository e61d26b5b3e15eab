"""Strings of the console's revenue report (数据 › 收入) that its breakdowns by campaign
and by source add (the rest are the reports' shared strings, ``pages/reports.py``)."""

STRINGS: dict[str, dict[str, str]] = {
    "report_by_campaign": {"zh-CN": "首次触达活动", "en": "First-touch campaign"},
    "report_by_source": {"zh-CN": "入会方式", "en": "How they joined"},
    "report_key_none_campaign": {"zh-CN": "无活动", "en": "No campaign"},
    "report_key_none_source": {"zh-CN": "入会方式不明", "en": "Not known how they joined"},
    "revenue_by_campaign_help": {
        "zh-CN": "按会员首次触达的任务宝活动（其最早一条带活动的记录）拆分，自触达那一刻起计入；"
        "此前的订单、从未参与活动或已注销会员的订单计入“无活动”。",
        "en": "By the referral campaign that first touched the member (their earliest fact naming "
        "one), from that moment on; their earlier orders, and the orders of members who never "
        "touched a campaign or were erased, are under “No campaign”.",
    },
    "revenue_by_source_help": {
        "zh-CN": "按会员的入会方式（其首次入会记录）拆分；已注销会员或没有入会记录的会员计入“入会方式不明”。",
        "en": "By how the member joined (their first join); erased members and members with no "
        "join on record are under “Not known how they joined”.",
    },
}
