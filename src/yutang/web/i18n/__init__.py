"""Console strings in 简体中文 and English."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from yutang.web.i18n.errors import ERROR_WORDS
from yutang.web.i18n.pages import counter as pages_counter
from yutang.web.i18n.pages import distribution as pages_distribution
from yutang.web.i18n.pages import fission as pages_fission
from yutang.web.i18n.pages import loyalty as pages_loyalty
from yutang.web.i18n.pages import members as pages_members
from yutang.web.i18n.pages import reports as pages_reports
from yutang.web.i18n.pages import reports_channels as pages_reports_channels
from yutang.web.i18n.pages import reports_fission as pages_reports_fission
from yutang.web.i18n.pages import reports_funnel as pages_reports_funnel
from yutang.web.i18n.pages import reports_ltv as pages_reports_ltv
from yutang.web.i18n.pages import reports_revenue as pages_reports_revenue
from yutang.web.i18n.pages import reports_rfm as pages_reports_rfm
from yutang.web.i18n.pages import settings as pages_settings
from yutang.web.i18n.values import VALUES
from yutang.web.i18n.values import word as values_word

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
    # --- the frame -----------------------------------------------------------------------
    "skip_to_content": {"zh-CN": "跳到正文", "en": "Skip to content"},
    "language": {"zh-CN": "语言", "en": "Language"},
    "modules": {"zh-CN": "功能模块", "en": "Modules"},
    "mod_acquire": {"zh-CN": "引流", "en": "Acquire"},
    "mod_members": {"zh-CN": "会员", "en": "Members"},
    "mod_loyalty": {"zh-CN": "忠诚度", "en": "Loyalty"},
    "mod_fission": {"zh-CN": "裂变", "en": "Fission"},
    "mod_settings": {"zh-CN": "设置", "en": "Settings"},
    "loyalty": {"zh-CN": "积分与权益", "en": "Points & rewards"},
    "distribution_module": {"zh-CN": "分销", "en": "Distribution"},
    "workspace_settings": {"zh-CN": "品牌设置", "en": "Workspace settings"},
    # --- shared words of pages and forms ---------------------------------------------------
    "all": {"zh-CN": "全部", "en": "All"},
    "none": {"zh-CN": "无", "en": "None"},
    "apply": {"zh-CN": "应用", "en": "Apply"},
    "filter": {"zh-CN": "筛选", "en": "Filter"},
    "clear": {"zh-CN": "清除筛选", "en": "Clear filters"},
    "save": {"zh-CN": "保存", "en": "Save"},
    "create": {"zh-CN": "创建", "en": "Create"},
    "cancel": {"zh-CN": "取消", "en": "Cancel"},
    "edit": {"zh-CN": "编辑", "en": "Edit"},
    "enable": {"zh-CN": "启用", "en": "Enable"},
    "disable": {"zh-CN": "停用", "en": "Disable"},
    "archive": {"zh-CN": "归档", "en": "Archive"},
    "restore": {"zh-CN": "恢复", "en": "Restore"},
    "download": {"zh-CN": "下载", "en": "Download"},
    "import": {"zh-CN": "导入", "en": "Import"},
    "select": {"zh-CN": "选择", "en": "Select"},
    "select_all": {"zh-CN": "全选", "en": "Select all"},
    "with_selected": {"zh-CN": "对选中项：", "en": "With the selected:"},
    "bulk_actions": {"zh-CN": "批量操作", "en": "Bulk actions"},
    "kind": {"zh-CN": "类型", "en": "Kind"},
    "tag": {"zh-CN": "标签", "en": "Tag"},
    "created": {"zh-CN": "创建时间", "en": "Created"},
    "updated": {"zh-CN": "更新时间", "en": "Updated"},
    "created_from": {"zh-CN": "创建日期从", "en": "Created from"},
    "created_to": {"zh-CN": "创建日期至", "en": "Created to"},
    "date_range": {"zh-CN": "日期范围", "en": "Date range"},
    "last_n_days": {"zh-CN": "近 {n} 天", "en": "Last {n} days"},
    "from": {"zh-CN": "从", "en": "From"},
    "to": {"zh-CN": "至", "en": "To"},
    "today": {"zh-CN": "今日", "en": "Today"},
    "trend": {"zh-CN": "趋势", "en": "Trend"},
    "rows": {"zh-CN": "行数", "en": "Rows"},
    "line": {"zh-CN": "行号", "en": "Line"},
    "done_created": {"zh-CN": "已创建。", "en": "Created."},
    "done_saved": {"zh-CN": "已保存。", "en": "Saved."},
    "done_disabled": {"zh-CN": "已停用。", "en": "Disabled."},
    "done_enabled": {"zh-CN": "已启用。", "en": "Enabled."},
    "done_archived": {"zh-CN": "已归档。", "en": "Archived."},
    "done_disable": {"zh-CN": "已停用所选短链", "en": "Disabled the selected links"},
    "done_enable": {"zh-CN": "已启用所选短链", "en": "Enabled the selected links"},
    "done_archive": {"zh-CN": "已归档所选短链", "en": "Archived the selected links"},
    "done_none": {"zh-CN": "没有选中任何短链。", "en": "No link was selected."},
    # --- links & channels ---------------------------------------------------------------------
    "new_link": {"zh-CN": "新建短链", "en": "New link"},
    "new_live_code": {"zh-CN": "新建活码", "en": "New live code"},
    "import_csv": {"zh-CN": "CSV 导入", "en": "Import CSV"},
    "search_links_hint": {"zh-CN": "标题、后缀或目标网址", "en": "Title, slug or destination"},
    "all_not_archived": {"zh-CN": "全部（不含已归档）", "en": "All but archived"},
    "confirm_bulk": {
        "zh-CN": "确定对选中的短链执行此操作吗？",
        "en": "Apply this to the selected links?",
    },
    "confirm_archive": {
        "zh-CN": "归档后短链不再跳转（返回“已失效”页面），后缀保留、数据保留，且不能恢复。确定归档吗？",
        "en": "An archived link stops redirecting (visitors see a “gone” page); its slug and clicks are kept. This cannot be undone. Archive it?",
    },
    "slug": {"zh-CN": "短链后缀", "en": "Slug"},
    "slug_hint": {
        "zh-CN": "留空将自动生成 7 位后缀；可用字母、数字、- 和 _。",
        "en": "Leave empty for a generated 7-character slug; letters, digits, - and _.",
    },
    "link_domain": {"zh-CN": "短链域名", "en": "Link domain"},
    "destination_hint": {
        "zh-CN": "完整网址，以 https:// 或 http:// 开头。",
        "en": "A full address starting with https:// or http://.",
    },
    "tags_hint": {"zh-CN": "用逗号分隔多个标签。", "en": "Separate tags with commas."},
    "targets": {"zh-CN": "分流目标", "en": "Targets"},
    "targets_hint": {
        "zh-CN": "按权重轮流分配访客；达到每日上限的目标当天不再分配。留空的行会被忽略。",
        "en": "Visitors are shared by weight; a target at its daily cap gets none for the rest of the day. Empty rows are ignored.",
    },
    "target_label": {"zh-CN": "名称", "en": "Label"},
    "weight": {"zh-CN": "权重", "en": "Weight"},
    "daily_cap": {"zh-CN": "每日上限", "en": "Daily cap"},
    "paused": {"zh-CN": "暂停", "en": "Paused"},
    "target_on": {"zh-CN": "分流中", "en": "Receiving"},
    "fallback_url": {"zh-CN": "兜底网址", "en": "Fallback address"},
    "fallback_hint": {
        "zh-CN": "所有目标都满额或暂停时跳转到这里；留空则显示“已满”页面。",
        "en": "Where visitors go when every target is full or paused; empty shows a “full” page.",
    },
    "limits": {"zh-CN": "有效期与上限", "en": "Expiry and limits"},
    "expires_at": {"zh-CN": "到期时间", "en": "Expires at"},
    "expired_url": {"zh-CN": "到期后跳转", "en": "After expiry, go to"},
    "expired_url_hint": {
        "zh-CN": "留空则到期后显示“已失效”页面。",
        "en": "Empty shows a “gone” page after expiry.",
    },
    "max_clicks": {"zh-CN": "点击上限", "en": "Click limit"},
    "max_clicks_hint": {
        "zh-CN": "达到此点击数后不再跳转到目标网址（机器人点击不计）。",
        "en": "After this many clicks the link stops going to its destination (bots are not counted).",
    },
    "exhausted_url": {"zh-CN": "达到上限后跳转", "en": "At the limit, go to"},
    "exhausted_url_hint": {
        "zh-CN": "留空则达到上限后显示“已失效”页面。",
        "en": "Empty shows a “gone” page at the limit.",
    },
    "redirect_status": {"zh-CN": "跳转方式", "en": "Redirect"},
    "redirect_302": {
        "zh-CN": "302 临时跳转（推荐，可统计每次点击）",
        "en": "302 temporary (recommended: every click is counted)",
    },
    "redirect_301": {
        "zh-CN": "301 永久跳转（浏览器可能缓存）",
        "en": "301 permanent (browsers may cache it)",
    },
    "qr_size": {"zh-CN": "尺寸", "en": "Size"},
    "qr_format": {"zh-CN": "格式", "en": "Format"},
    "qr_ecc": {"zh-CN": "容错级别", "en": "Error correction"},
    "referrers": {"zh-CN": "来源网站", "en": "Referrers"},
    "no_referrer": {"zh-CN": "直接访问 / 无来源", "en": "Direct / none"},
    "no_clicks": {"zh-CN": "这段时间没有点击。", "en": "No clicks in this period."},
    "csv_file": {"zh-CN": "CSV 文件", "en": "CSV file"},
    "import_hint": {
        "zh-CN": "UTF-8 编码，首行为列名，至少包含 url 列。可用的列：",
        "en": "UTF-8, a header row with at least a url column. Columns:",
    },
    "import_report": {"zh-CN": "导入结果", "en": "Import report"},
    "created_n": {"zh-CN": "新建", "en": "Created"},
    "already_there": {"zh-CN": "已存在（跳过）", "en": "Already there (skipped)"},
    "refused_rows": {"zh-CN": "被拒绝的行", "en": "Refused rows"},
    "channels_intro": {
        "zh-CN": "渠道是引流触点（包裹卡、门店、企业微信、社群……）。填写曝光量即可看到导流率：点击 ÷ 曝光。",
        "en": "Channels are touchpoints (package cards, stores, WeCom, groups …). Enter exposures to see the diversion rate: clicks ÷ exposures.",
    },
    "clicks_30": {"zh-CN": "近 30 天点击", "en": "Clicks, last 30 days"},
    "no_channels": {"zh-CN": "还没有渠道。", "en": "No channels yet."},
    "page_problem": {"zh-CN": "出了点问题", "en": "Something went wrong"},
    "gmv": {"zh-CN": "成交额（GMV）", "en": "GMV"},
    "gmv_yuan": {"zh-CN": "成交额（元）", "en": "GMV (¥)"},
    "live_campaigns": {"zh-CN": "进行中的裂变活动", "en": "Live campaigns"},
    "now": {"zh-CN": "当前", "en": "now"},
    "no_previous": {"zh-CN": "上期无数据", "en": "nothing before"},
    "vs_previous": {"zh-CN": "较上期", "en": "vs. the period before"},
    "previous_period": {"zh-CN": "上期", "en": "Period before"},
    "points_issued": {"zh-CN": "发放积分", "en": "Points issued"},
    "points_redeemed": {"zh-CN": "消耗积分", "en": "Points redeemed"},
    "traffic": {"zh-CN": "流量", "en": "Traffic"},
    "overview_definitions": {
        "zh-CN": "点击不含机器人；独立访客按访客 Cookie 去重；成交额为当日支付订单金额减去其退款；发放积分含冻结中的积分与手动增加；消耗积分为兑换使用的积分。",
        "en": "Clicks leave bots out; unique visitors are counted by visitor cookie; GMV is the day's paid orders less their refunds; points issued include pending points and additions by hand; points redeemed are points spent.",
    },
    "channel_name": {"zh-CN": "渠道名称", "en": "Name"},
    "new_channel": {"zh-CN": "新建渠道", "en": "New channel"},
    "exposures_hint": {
        "zh-CN": "触达人数，例如包裹卡印刷数量；用于计算导流率。",
        "en": "How many people it reaches, e.g. package cards printed; gives the diversion rate.",
    },
    "confirm_archive_channel": {
        "zh-CN": "归档后新建短链时不再可选；已有短链照常跳转和统计。确定归档吗？",
        "en": "An archived channel is no longer offered for new links; its links keep working and counting. Archive it?",
    },
    "archive_channel_hint": {
        "zh-CN": "归档不影响已有短链。",
        "en": "Archiving does not affect existing links.",
    },
}

for _module in (
    pages_counter,
    pages_distribution,
    pages_fission,
    pages_loyalty,
    pages_members,
    pages_reports,
    pages_reports_channels,
    pages_reports_fission,
    pages_reports_funnel,
    pages_reports_ltv,
    pages_reports_revenue,
    pages_reports_rfm,
    pages_settings,
):
    for _key in _module.STRINGS:
        if _key in STRINGS:
            raise ValueError(f"string {_key!r} defined twice ({_module.__name__})")
    STRINGS.update(_module.STRINGS)


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


def pick_language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("yt_lang")
    if lang in LANGS:
        return str(lang)
    accept = request.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") else "zh-CN"


#: The tests turn this on: a missing string or value word is then an error, not the
#: key shown on the page (tests/conftest.py).
strict = False


class MissingWords(KeyError):
    """A string key or enumerated value has no words in the page's language."""


def translator(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        words = STRINGS.get(key, {}).get(lang)
        if words is None:
            if strict:
                raise MissingWords(f"no {lang} words for string {key!r}")
            return key
        return words

    return t


def worder(lang: str) -> Callable[[str, object], str]:
    """``word(group, value)`` for templates: the words of an enumerated value."""

    def word(group: str, value: object) -> str:
        if value is None or value == "":
            return "–"
        key = str(value)
        if strict and (group not in VALUES or key not in VALUES[group]):
            raise MissingWords(f"no words for {group} {key!r}")
        return values_word(group, key, lang) if group in VALUES else key

    return word


def error_words(code: str, lang: str, fallback: str) -> str:
    """What an error code means to an operator or a member, in ``lang``."""
    words = ERROR_WORDS.get(code, {}).get(lang)
    if words is None:
        if strict:
            raise MissingWords(f"no {lang} words for error {code!r}")
        return fallback
    return words


def channel_type(kind: str, lang: str) -> str:
    return worder(lang)("channel_type", kind)


#: Why a form field was refused by the schema (Pydantic's error types), in words.
VALIDATION_WORDS: dict[str, dict[str, str]] = {
    "missing": {"zh-CN": "此项必填", "en": "This field is required"},
    "string_too_short": {"zh-CN": "此项不能为空", "en": "This field cannot be empty"},
    "string_too_long": {
        "zh-CN": "内容过长（最多 {max_length} 个字符）",
        "en": "Too long (at most {max_length} characters)",
    },
    "too_long": {
        "zh-CN": "条目过多（最多 {max_length} 项）",
        "en": "Too many entries (at most {max_length})",
    },
    "too_short": {"zh-CN": "至少需要 {min_length} 项", "en": "At least {min_length} needed"},
    "int_parsing": {"zh-CN": "请输入整数", "en": "Enter a whole number"},
    "int_type": {"zh-CN": "请输入整数", "en": "Enter a whole number"},
    "greater_than_equal": {"zh-CN": "不能小于 {ge}", "en": "Must be at least {ge}"},
    "greater_than": {"zh-CN": "必须大于 {gt}", "en": "Must be more than {gt}"},
    "less_than_equal": {"zh-CN": "不能大于 {le}", "en": "Must be at most {le}"},
    "less_than": {"zh-CN": "必须小于 {lt}", "en": "Must be less than {lt}"},
    "literal_error": {"zh-CN": "请从选项中选择", "en": "Choose one of the options"},
    "enum": {"zh-CN": "请从选项中选择", "en": "Choose one of the options"},
    "datetime_parsing": {"zh-CN": "时间格式不正确", "en": "Not a valid date and time"},
    "datetime_from_date_parsing": {"zh-CN": "时间格式不正确", "en": "Not a valid date and time"},
    "date_from_datetime_parsing": {"zh-CN": "日期格式不正确", "en": "Not a valid date"},
    "date_parsing": {"zh-CN": "日期格式不正确", "en": "Not a valid date"},
    "timezone_aware": {"zh-CN": "时间需带时区", "en": "The time needs a timezone"},
    "bool_parsing": {"zh-CN": "请选择是或否", "en": "Choose yes or no"},
    "extra_forbidden": {"zh-CN": "未知字段", "en": "Unknown field"},
    "value_error": {"zh-CN": "内容不正确", "en": "Not a valid value"},
}


def validation_words(kind: str, lang: str, context: dict[str, object] | None = None) -> str:
    """Words for a Pydantic error type, its limits filled in (a generic phrase for a type
    without words of its own)."""
    words = VALIDATION_WORDS.get(kind, VALIDATION_WORDS["value_error"])[lang]
    try:
        return words.format(**(context or {}))
    except (KeyError, IndexError):
        return VALIDATION_WORDS["value_error"][lang]
