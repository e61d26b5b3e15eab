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
    "too_many_attempts": {
        "zh-CN": "登录尝试次数过多，请 {minutes} 分钟后再试。",
        "en": "Too many sign-in attempts. Try again in {minutes} minutes.",
    },
    "form_expired": {
        "zh-CN": "页面已过期或来源不明，请刷新页面后重试。",
        "en": "This page has expired or the request came from elsewhere. Reload the page and try again.",
    },
    "refused": {"zh-CN": "请求被拒绝", "en": "Request refused"},
    "not_found": {
        "zh-CN": "没有找到：它不存在，或不属于你。",
        "en": "Not found: it does not exist or is not yours.",
    },
    "forbidden": {"zh-CN": "你的角色不允许这样做。", "en": "Your role does not allow this."},
    "switch_workspace": {"zh-CN": "切换品牌", "en": "Switch workspace"},
    "switch": {"zh-CN": "切换", "en": "Switch"},
    "account": {"zh-CN": "账号", "en": "Account"},
    "invitations": {"zh-CN": "邀请", "en": "Invitations"},
    "no_invitations": {"zh-CN": "没有待处理的邀请。", "en": "No pending invitations."},
    "invited_as": {"zh-CN": "邀请你以「{role}」身份加入", "en": "invites you to join as {role}"},
    "accept": {"zh-CN": "接受", "en": "Accept"},
    "decline": {"zh-CN": "拒绝", "en": "Decline"},
    "invitation_invalid": {
        "zh-CN": "该邀请无效：已被使用、拒绝、撤销或已过期。",
        "en": "This invitation is not valid: it was used, declined, revoked or has expired.",
    },
    "invitation_other_email": {
        "zh-CN": "该邀请发给另一个邮箱。请退出后用该邮箱登录。",
        "en": "This invitation is for another e-mail address. Sign out and sign in with that address.",
    },
    "have_account": {
        "zh-CN": "已有鱼塘账号？登录后即可在「邀请」中接受。",
        "en": "Already have a Yutang account? Sign in and accept it under Invitations.",
    },
    "new_account": {"zh-CN": "新用户：设置姓名和密码", "en": "New here? Choose a name and password"},
    "new_password": {"zh-CN": "新密码（至少 8 位）", "en": "New password (8 characters or more)"},
    "current_password": {"zh-CN": "当前密码", "en": "Current password"},
    "create_account": {"zh-CN": "创建账号并加入", "en": "Create account and join"},
    "registered": {
        "zh-CN": "完成。请用该邮箱和密码登录。"
        "如果该邮箱之前已有鱼塘账号，请用原密码登录，并在「邀请」中接受。",
        "en": "Done. Sign in with this e-mail address and your password. If the address already had a "
        "Yutang account, sign in with that account's password and accept the invitation under Invitations.",
    },
    "password_too_short": {"zh-CN": "密码至少 8 位。", "en": "A password has at least 8 characters."},
    "change_password": {"zh-CN": "修改密码", "en": "Change password"},
    "password_changed": {
        "zh-CN": "密码已修改，其他设备上的登录已全部退出。",
        "en": "Password changed. Every other session of this account has been signed out.",
    },
    "wrong_password": {"zh-CN": "当前密码错误。", "en": "The current password is wrong."},
    "choose_workspace": {"zh-CN": "选择品牌", "en": "Choose a workspace"},
    "role_owner": {"zh-CN": "所有者", "en": "owner"},
    "role_admin": {"zh-CN": "管理员", "en": "admin"},
    "role_operator": {"zh-CN": "运营", "en": "operator"},
    "role_staff": {"zh-CN": "导购", "en": "staff"},
    "role_analyst": {"zh-CN": "分析师", "en": "analyst"},
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
    "members": {"zh-CN": "会员", "en": "Members"},
    "fission": {"zh-CN": "裂变", "en": "Fission"},
    "referral_campaigns": {"zh-CN": "任务宝活动", "en": "Referral campaigns"},
    "no_campaigns": {"zh-CN": "还没有任务宝活动。", "en": "No referral campaigns yet."},
    "live": {"zh-CN": "进行中", "en": "live"},
    "not_live": {"zh-CN": "未进行", "en": "not live"},
    "participants": {"zh-CN": "参与人数", "en": "Participants"},
    "new_members": {"zh-CN": "拉新人数", "en": "New members"},
    "fission_rate": {"zh-CN": "裂变率", "en": "Fission rate"},
    "k_factor": {"zh-CN": "K 因子", "en": "K-factor"},
    "cost_per_new": {"zh-CN": "拉新成本", "en": "Cost per new member"},
    "funnel": {"zh-CN": "邀请漏斗", "en": "Invitation funnel"},
    "shares": {"zh-CN": "分享点击", "en": "Link clicks"},
    "clicked": {"zh-CN": "落地页访问", "en": "Landing visits"},
    "joined_step": {"zh-CN": "入会", "en": "Joined"},
    "qualified": {"zh-CN": "达标", "en": "Qualified"},
    "rewarded": {"zh-CN": "已奖励", "en": "Rewarded"},
    "rejected_by_reason": {"zh-CN": "拒绝原因", "en": "Rejected, by reason"},
    "held_for_review": {"zh-CN": "待审核", "en": "Held for review"},
    "top_inviters": {"zh-CN": "邀请排行", "en": "Top inviters"},
    "distribution": {"zh-CN": "分销", "en": "Distribution"},
    "distributors": {"zh-CN": "分销员", "en": "Distributors"},
    "commission_pending": {"zh-CN": "待结算佣金", "en": "Commission pending"},
    "commission_available": {"zh-CN": "可提现佣金", "en": "Commission available"},
    "commission_withdrawn": {"zh-CN": "已提现", "en": "Withdrawn"},
    "commission_reversed": {"zh-CN": "已冲回", "en": "Reversed"},
    "sales": {"zh-CN": "销售额", "en": "Sales"},
    "team": {"zh-CN": "团队", "en": "Team"},
    "no_distributors": {"zh-CN": "还没有分销员。", "en": "No distributors yet."},
    "members_total": {"zh-CN": "会员总数", "en": "Members"},
    "joined_30": {"zh-CN": "近 30 天新增", "en": "Joined, last 30 days"},
    "active_30": {"zh-CN": "近 30 天活跃", "en": "Active, last 30 days"},
    "points_outstanding": {"zh-CN": "积分余额（负债）", "en": "Points outstanding"},
    "points_pending": {"zh-CN": "待入账积分", "en": "Points pending"},
    "sales_30": {"zh-CN": "近 30 天会员消费", "en": "Member sales, last 30 days"},
    "by_tier": {"zh-CN": "会员等级分布", "en": "Members by tier"},
    "by_channel": {"zh-CN": "入会渠道", "en": "Members by source channel"},
    "no_tier": {"zh-CN": "无等级", "en": "No tier"},
    "unknown_channel": {"zh-CN": "未知 / 直接加入", "en": "Unknown / direct"},
    "find_phone": {"zh-CN": "按手机号查找", "en": "Find by phone"},
    "invalid_phone": {"zh-CN": "手机号格式不正确", "en": "Not a phone number"},
    "no_members": {"zh-CN": "没有找到会员。", "en": "No members found."},
    "tier": {"zh-CN": "等级", "en": "Tier"},
    "points": {"zh-CN": "积分", "en": "Points"},
    "spend": {"zh-CN": "累计消费", "en": "Spend"},
    "orders": {"zh-CN": "订单", "en": "Orders"},
    "joined": {"zh-CN": "入会时间", "en": "Joined"},
    "tags": {"zh-CN": "标签", "en": "Tags"},
    "pii_masked": {
        "zh-CN": "个人信息已脱敏（需管理员权限查看）",
        "en": "Personal data masked (admins see it)",
    },
    "lots": {"zh-CN": "积分批次（先到期先用）", "en": "Point lots (soonest expiry used first)"},
    "ledger": {"zh-CN": "积分流水", "en": "Points ledger"},
    "expires": {"zh-CN": "到期", "en": "Expires"},
    "never": {"zh-CN": "永久", "en": "Never"},
    "coupons": {"zh-CN": "优惠券", "en": "Coupons"},
    "tier_history": {"zh-CN": "等级变化", "en": "Tier history"},
    "reason": {"zh-CN": "原因", "en": "Reason"},
    "when": {"zh-CN": "时间", "en": "When"},
    "amount": {"zh-CN": "金额", "en": "Amount"},
    # member-facing pages (H5)
    "join_title": {"zh-CN": "加入会员", "en": "Become a member"},
    "join_intro": {
        "zh-CN": "留下手机号，即可享受会员积分与专属福利。",
        "en": "Leave your phone number to earn points and enjoy member benefits.",
    },
    "phone": {"zh-CN": "手机号", "en": "Phone number"},
    "name": {"zh-CN": "称呼", "en": "Name"},
    "consent_marketing": {
        "zh-CN": "我同意接收会员活动与优惠信息",
        "en": "I agree to receive news of member events and offers",
    },
    "join_button": {"zh-CN": "立即加入", "en": "Join now"},
    "welcome": {"zh-CN": "欢迎加入！", "en": "Welcome aboard!"},
    "welcome_back": {"zh-CN": "欢迎回来！", "en": "Welcome back!"},
    "points_soon": {"zh-CN": "入会礼遇将在几秒内到账。", "en": "Your welcome gift arrives in a few seconds."},
    "submit": {"zh-CN": "提交", "en": "Submit"},
    "thanks": {"zh-CN": "提交成功，感谢参与！", "en": "Thank you — your answers were received."},
    "required": {"zh-CN": "必填", "en": "required"},
    "fix_errors": {"zh-CN": "请检查标红的内容。", "en": "Please check the fields marked in red."},
    "form_closed": {"zh-CN": "该表单已停止收集。", "en": "This form is closed."},
    "province": {"zh-CN": "省", "en": "Province"},
    "city": {"zh-CN": "市", "en": "City"},
    "district": {"zh-CN": "区", "en": "District"},
    "detail": {"zh-CN": "详细地址", "en": "Street address"},
    "choose": {"zh-CN": "请选择", "en": "Choose"},
    # referral campaigns (任务宝)
    "invited_by": {"zh-CN": "{name} 邀请你加入", "en": "{name} invites you to join"},
    "invite_intro": {
        "zh-CN": "留下手机号成为会员，你和好友都能获得奖励。",
        "en": "Leave your phone number to become a member; you and your friend both get rewards.",
    },
    "accept_invite": {"zh-CN": "接受邀请", "en": "Accept the invitation"},
    "campaign_over": {"zh-CN": "活动已结束，感谢关注。", "en": "This campaign has ended. Thank you!"},
    "stages": {"zh-CN": "邀请奖励", "en": "Rewards for inviting"},
    "invite_n": {"zh-CN": "邀请 {n} 位好友", "en": "Invite {n} friends"},
    "my_progress": {"zh-CN": "我的邀请进度", "en": "My invitations"},
    "stage_paid": {"zh-CN": "已发放", "en": "paid"},
    "stage_open": {"zh-CN": "未达成", "en": "not yet"},
    "share_poster": {
        "zh-CN": "长按保存海报，分享给好友",
        "en": "Press and hold to save the poster, then share it",
    },
    "leaderboard": {"zh-CN": "排行榜", "en": "Leaderboard"},
    "invite_code": {"zh-CN": "邀请码", "en": "Invite code"},
}

#: Why an answer was refused, by error code, in the member's language.
FIELD_ERRORS: dict[str, dict[str, str]] = {
    "required": {"zh-CN": "此项必填", "en": "This field is required"},
    "invalid_identity": {"zh-CN": "格式不正确", "en": "Not a valid value"},
    "invalid_id_number": {"zh-CN": "身份证号码不正确", "en": "Not a valid ID number"},
    "invalid_option": {"zh-CN": "请从选项中选择", "en": "Choose one of the options"},
    "invalid_number": {"zh-CN": "请输入数字", "en": "Enter a number"},
    "out_of_range": {"zh-CN": "数值超出范围", "en": "Out of range"},
    "invalid_date": {"zh-CN": "日期格式应为 YYYY-MM-DD", "en": "Use YYYY-MM-DD"},
    "too_long": {"zh-CN": "内容过长", "en": "Too long"},
    "invalid_address": {"zh-CN": "地址不正确", "en": "Not a valid address"},
    "unknown_field": {"zh-CN": "未知字段", "en": "Unknown field"},
}


def field_error(code: str, lang: str) -> str:
    return FIELD_ERRORS.get(code, {}).get(lang, code)


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
