"""Console strings in 简体中文 and English."""

from __future__ import annotations

from fastapi import Request

LANGS = ("zh-CN", "en")

STRINGS: dict[str, dict[str, str]] = {
    "title": {"zh-CN": "鱼塘 · 私域运营", "en": "Yutang · private-domain operations"},
    "tagline": {
        "zh-CN": "私域流量运营平台：短链、渠道、活码与点击分析。",
        "en": "Private-domain traffic operations: short links, channels, live codes and click analytics.",
    },
    "sign_in": {"zh-CN": "登录", "en": "Sign in"},
    "sign_out": {"zh-CN": "退出", "en": "Sign out"},
    "email": {"zh-CN": "邮箱", "en": "Email"},
    "password": {"zh-CN": "密码", "en": "Password"},
    "wrong_login": {"zh-CN": "邮箱或密码错误。", "en": "Wrong email or password."},
    "no_workspace": {"zh-CN": "该账号尚未加入任何品牌。", "en": "This account belongs to no workspace."},
    "dashboard": {"zh-CN": "概览", "en": "Overview"},
    "links": {"zh-CN": "短链", "en": "Links"},
    "api_docs": {"zh-CN": "API 文档", "en": "API docs"},
    "last_30": {"zh-CN": "近 30 天", "en": "Last 30 days"},
    "clicks": {"zh-CN": "点击", "en": "Clicks"},
    "uniques": {"zh-CN": "独立访客", "en": "Unique visitors"},
    "bots": {"zh-CN": "机器人访问", "en": "Bot hits"},
    "clicks_per_day": {"zh-CN": "每日点击", "en": "Clicks per day"},
    "channels": {"zh-CN": "渠道引流", "en": "Channels"},
    "channel": {"zh-CN": "渠道", "en": "Channel"},
    "type": {"zh-CN": "类型", "en": "Type"},
    "exposures": {"zh-CN": "曝光", "en": "Exposures"},
    "diversion": {"zh-CN": "引流率", "en": "Diversion rate"},
    "devices": {"zh-CN": "设备", "en": "Devices"},
    "short_url": {"zh-CN": "短链", "en": "Short URL"},
    "destination": {"zh-CN": "目标地址", "en": "Destination"},
    "title_col": {"zh-CN": "标题", "en": "Title"},
    "status": {"zh-CN": "状态", "en": "Status"},
    "active": {"zh-CN": "有效", "en": "Active"},
    "disabled": {"zh-CN": "已停用", "en": "Disabled"},
    "archived": {"zh-CN": "已归档", "en": "Archived"},
    "live_code": {"zh-CN": "活码", "en": "Live code"},
    "search": {"zh-CN": "搜索", "en": "Search"},
    "next_page": {"zh-CN": "下一页", "en": "Next page"},
    "no_links": {"zh-CN": "还没有短链。", "en": "No links yet."},
    "qr": {"zh-CN": "二维码", "en": "QR code"},
    "workspace": {"zh-CN": "品牌", "en": "Workspace"},
}

CHANNEL_TYPES = {
    "package_card": {"zh-CN": "包裹卡", "en": "Package card"},
    "store": {"zh-CN": "门店", "en": "Store"},
    "article": {"zh-CN": "文章", "en": "Article"},
    "sms": {"zh-CN": "短信", "en": "SMS"},
    "template_message": {"zh-CN": "模板消息", "en": "Template message"},
    "poster": {"zh-CN": "海报", "en": "Poster"},
    "live_stream": {"zh-CN": "直播", "en": "Live stream"},
    "other": {"zh-CN": "其他", "en": "Other"},
}


def pick_language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("yt_lang")
    if lang in LANGS:
        return str(lang)
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else "zh-CN"


def translator(lang: str):  # type: ignore[no-untyped-def]
    def t(key: str) -> str:
        return STRINGS.get(key, {}).get(lang, key)

    return t


def channel_type(kind: str, lang: str) -> str:
    return CHANNEL_TYPES.get(kind, {}).get(lang, kind)
