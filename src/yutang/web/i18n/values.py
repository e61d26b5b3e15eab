"""The words for enumerated values an operator can see, in 简体中文 and English.

Statuses, kinds, reasons, device types, identity kinds … are stored as codes
(``active``, ``earn``, ``known_member``); the console shows them through ``word()``
and never as the code. ``VALUES[group][value]`` holds the words per language; each
group names where its values are defined, and ``tests/web/test_value_words.py``
checks every group against that source, so a value added to the code without words
fails the tests.
"""

from __future__ import annotations

VALUES: dict[str, dict[str, dict[str, str]]] = {
    # --- workspaces and auth ---------------------------------------------------------------
    # yutang.models.workspaces.ROLES (= yutang.workspaces.schemas.Role,
    # yutang.auth.permissions.ROLE_PERMISSIONS)
    "workspace_role": {
        "owner": {"zh-CN": "所有者", "en": "Owner"},
        "admin": {"zh-CN": "管理员", "en": "Admin"},
        "operator": {"zh-CN": "运营", "en": "Operator"},
        "staff": {"zh-CN": "导购", "en": "Staff"},
        "analyst": {"zh-CN": "分析师", "en": "Analyst"},
    },
    # yutang.auth.permissions.Permission
    "role_permission": {
        "links:read": {"zh-CN": "查看短链", "en": "Read links"},
        "links:write": {"zh-CN": "管理短链", "en": "Manage links"},
        "stats:read": {"zh-CN": "查看数据统计", "en": "Read statistics"},
        "audit:read": {"zh-CN": "查看操作日志", "en": "Read the audit log"},
        "workspace:read": {"zh-CN": "查看品牌设置", "en": "Read workspace settings"},
        "workspace:manage": {"zh-CN": "修改品牌设置", "en": "Change workspace settings"},
        "members:read": {"zh-CN": "查看会员", "en": "Read members"},
        "members:write": {"zh-CN": "管理会员", "en": "Manage members"},
        "members:pii": {"zh-CN": "查看会员个人信息", "en": "See personal data"},
        "members:erase": {"zh-CN": "导出与注销会员数据", "en": "Export and erase member data"},
        "orders:read": {"zh-CN": "查看订单", "en": "Read orders"},
        "orders:write": {"zh-CN": "录入订单", "en": "Record orders"},
        "points:write": {"zh-CN": "积分与卡券操作", "en": "Use points and coupons"},
        "loyalty:manage": {"zh-CN": "管理会员权益", "en": "Manage the loyalty programme"},
        "referrals:manage": {"zh-CN": "管理任务宝", "en": "Manage referral campaigns"},
        "distribution:manage": {"zh-CN": "管理分销", "en": "Manage distribution"},
        "keys:manage": {"zh-CN": "管理 API 密钥", "en": "Manage API keys"},
        "users:manage": {"zh-CN": "管理后台账号", "en": "Manage console users"},
        "domains:manage": {"zh-CN": "管理短链域名", "en": "Manage link domains"},
        "webhooks:manage": {"zh-CN": "设置商城回调", "en": "Set up the shop webhook"},
    },
    # yutang.workspaces.schemas.InvitationOut.status (yutang.workspaces.invitations.status_of)
    "workspace_invitation_status": {
        "pending": {"zh-CN": "待接受", "en": "Pending"},
        "accepted": {"zh-CN": "已接受", "en": "Accepted"},
        "declined": {"zh-CN": "已拒绝", "en": "Declined"},
        "revoked": {"zh-CN": "已撤销", "en": "Revoked"},
        "expired": {"zh-CN": "已过期", "en": "Expired"},
    },
    # yutang.models.platform.AuditEntry.actor_type: the Actor(...) types of auth/service.py,
    # kit/cli.py, kit/context.py, web/public.py, web/console/frame.py, commerce/endpoints.py
    "audit_actor_type": {
        "api_key": {"zh-CN": "API 密钥", "en": "API key"},
        "user": {"zh-CN": "后台用户", "en": "Console user"},
        "cli": {"zh-CN": "命令行", "en": "Command line"},
        "system": {"zh-CN": "系统", "en": "System"},
        "public": {"zh-CN": "会员 H5 页面", "en": "Member page"},
        "webhook": {"zh-CN": "商城回调", "en": "Shop webhook"},
    },
    # --- links -------------------------------------------------------------------------------
    # yutang.models.links.CHANNEL_TYPES (= yutang.links.schemas.ChannelType), with the types
    # being added: wecom … offline_event
    "channel_type": {
        "package_card": {"zh-CN": "包裹卡", "en": "Package card"},
        "store": {"zh-CN": "门店", "en": "Store"},
        "article": {"zh-CN": "文章", "en": "Article"},
        "sms": {"zh-CN": "短信", "en": "SMS"},
        "template_message": {"zh-CN": "模板消息", "en": "Template message"},
        "poster": {"zh-CN": "海报", "en": "Poster"},
        "live_stream": {"zh-CN": "直播", "en": "Live stream"},
        "wecom": {"zh-CN": "企业微信", "en": "WeCom"},
        "community": {"zh-CN": "社群", "en": "Community group"},
        "mini_program": {"zh-CN": "小程序", "en": "Mini program"},
        "channels": {"zh-CN": "视频号", "en": "WeChat Channels"},
        "douyin": {"zh-CN": "抖音", "en": "Douyin"},
        "xiaohongshu": {"zh-CN": "小红书", "en": "Xiaohongshu"},
        "offline_event": {"zh-CN": "线下活动", "en": "Offline event"},
        "other": {"zh-CN": "其他", "en": "Other"},
    },
    # The state of a link, from yutang.models.links.Link: archived, disabled, expires_at
    # passed, max_clicks reached, else active
    "link_status": {
        "active": {"zh-CN": "生效中", "en": "Active"},
        "expired": {"zh-CN": "已过期", "en": "Expired"},
        "exhausted": {"zh-CN": "已达点击上限", "en": "Click limit reached"},
        "disabled": {"zh-CN": "已停用", "en": "Disabled"},
        "archived": {"zh-CN": "已归档", "en": "Archived"},
    },
    # yutang.models.links.Link.kind (link | live; set in yutang.links.service)
    "link_kind": {
        "link": {"zh-CN": "短链", "en": "Short link"},
        "live": {"zh-CN": "活码", "en": "Live code"},
    },
    # yutang.links.schemas.LinkIn.redirect_status (an HTTP status, as text)
    "link_redirect_status": {
        "301": {"zh-CN": "永久重定向（301）", "en": "Permanent redirect (301)"},
        "302": {"zh-CN": "临时重定向（302）", "en": "Temporary redirect (302)"},
    },
    # yutang.models.links.Click.device_type, from yutang.links.clicks.classify and record
    "device_type": {
        "mobile": {"zh-CN": "手机", "en": "Mobile"},
        "tablet": {"zh-CN": "平板", "en": "Tablet"},
        "desktop": {"zh-CN": "电脑", "en": "Desktop"},
        "bot": {"zh-CN": "机器人", "en": "Bot"},
        "other": {"zh-CN": "其他", "en": "Other"},
    },
    # yutang.links.schemas.Dimension
    "stats_dimension": {
        "day": {"zh-CN": "日期", "en": "Day"},
        "channel": {"zh-CN": "渠道", "en": "Channel"},
        "link": {"zh-CN": "短链", "en": "Link"},
        "device": {"zh-CN": "设备类型", "en": "Device type"},
        "os": {"zh-CN": "操作系统", "en": "Operating system"},
        "browser": {"zh-CN": "浏览器", "en": "Browser"},
        "referrer": {"zh-CN": "来源网站", "en": "Referrer"},
    },
    # --- members -----------------------------------------------------------------------------
    # yutang.models.members.MEMBER_STATUSES
    "member_status": {
        "active": {"zh-CN": "正常", "en": "Active"},
        "blocked": {"zh-CN": "已拉黑", "en": "Blocked"},
        "erased": {"zh-CN": "已注销", "en": "Erased"},
    },
    # yutang.models.members.GENDERS (= yutang.members.schemas.Gender)
    "member_gender": {
        "unknown": {"zh-CN": "未知", "en": "Unknown"},
        "male": {"zh-CN": "男", "en": "Male"},
        "female": {"zh-CN": "女", "en": "Female"},
    },
    # yutang.models.members.IDENTITY_KINDS (= yutang.members.schemas.IdentityKind)
    "identity_kind": {
        "phone": {"zh-CN": "手机号", "en": "Phone number"},
        "email": {"zh-CN": "邮箱", "en": "Email"},
        "openid": {"zh-CN": "微信 OpenID", "en": "WeChat OpenID"},
        "unionid": {"zh-CN": "微信 UnionID", "en": "WeChat UnionID"},
        "customer_id": {"zh-CN": "商城客户 ID", "en": "Shop customer ID"},
    },
    # yutang.members.schemas.FormField.type
    "form_field_type": {
        "text": {"zh-CN": "单行文本", "en": "Text"},
        "textarea": {"zh-CN": "多行文本", "en": "Long text"},
        "phone": {"zh-CN": "手机号", "en": "Phone number"},
        "email": {"zh-CN": "邮箱", "en": "Email"},
        "select": {"zh-CN": "单选", "en": "Single choice"},
        "multiselect": {"zh-CN": "多选", "en": "Multiple choice"},
        "number": {"zh-CN": "数字", "en": "Number"},
        "date": {"zh-CN": "日期", "en": "Date"},
        "address": {"zh-CN": "地址", "en": "Address"},
        "cn_id": {"zh-CN": "身份证号", "en": "Chinese ID number"},
    },
    # yutang.models.members.FormSubmission.via (api | page; yutang.members.forms.submit)
    "form_submission_via": {
        "api": {"zh-CN": "API 接口", "en": "API"},
        "page": {"zh-CN": "表单页面", "en": "Form page"},
    },
    # yutang.models.members.Segment.kind (dynamic | static | list; yutang.members.segments)
    "segment_kind": {
        "dynamic": {"zh-CN": "动态分群", "en": "Dynamic"},
        "static": {"zh-CN": "静态分群", "en": "Static"},
        "list": {"zh-CN": "名单分群", "en": "List"},
    },
    # The keys of yutang.models.members.Member.consents that Yutang itself writes
    # (yutang.members.importer, the join page's consent_marketing box)
    "consent_purpose": {
        "marketing": {"zh-CN": "营销信息", "en": "Marketing messages"},
    },
    # --- commerce ----------------------------------------------------------------------------
    # yutang.models.commerce.ORDER_STATUSES
    "order_status": {
        "paid": {"zh-CN": "已支付", "en": "Paid"},
        "partially_refunded": {"zh-CN": "部分退款", "en": "Partially refunded"},
        "refunded": {"zh-CN": "已退款", "en": "Refunded"},
    },
    # yutang.models.wallet.WalletEntry.kind (written in yutang.commerce.wallet)
    "wallet_entry_kind": {
        "topup": {"zh-CN": "充值", "en": "Top-up"},
        "spend": {"zh-CN": "消费", "en": "Spend"},
        "refund": {"zh-CN": "退款", "en": "Refund"},
        "grant": {"zh-CN": "品牌赠送", "en": "Grant"},
        "ungrant": {"zh-CN": "收回赠送", "en": "Grant taken back"},
    },
    # --- loyalty -----------------------------------------------------------------------------
    # yutang.models.loyalty.ENTRY_KINDS, and hold | unhold written by yutang.rewards.auctions
    "points_entry_kind": {
        "earn": {"zh-CN": "获得", "en": "Earned"},
        "release": {"zh-CN": "到账", "en": "Released"},
        "spend": {"zh-CN": "使用", "en": "Spent"},
        "expire": {"zh-CN": "过期", "en": "Expired"},
        "clawback": {"zh-CN": "扣回", "en": "Clawed back"},
        "adjust": {"zh-CN": "手动调整", "en": "Adjusted"},
        "reverse": {"zh-CN": "退回", "en": "Reversed"},
        "hold": {"zh-CN": "冻结", "en": "Held"},
        "unhold": {"zh-CN": "解冻", "en": "Hold released"},
    },
    # yutang.models.loyalty.LOT_STATES
    "points_lot_state": {
        "pending": {"zh-CN": "待入账", "en": "Pending"},
        "available": {"zh-CN": "可用", "en": "Available"},
        "closed": {"zh-CN": "已结清", "en": "Closed"},
    },
    # yutang.models.loyalty.TRIGGERS (= yutang.loyalty.schemas.Trigger)
    "earn_rule_trigger": {
        "order_paid": {"zh-CN": "订单支付", "en": "Order paid"},
        "signup": {"zh-CN": "注册入会", "en": "Sign-up"},
        "checkin": {"zh-CN": "签到", "en": "Check-in"},
        "post": {"zh-CN": "发帖", "en": "Post"},
        "share": {"zh-CN": "分享", "en": "Share"},
        "referral": {"zh-CN": "邀请好友", "en": "Referral"},
        "birthday": {"zh-CN": "生日", "en": "Birthday"},
        "form_submitted": {"zh-CN": "提交表单", "en": "Form submitted"},
        "custom": {"zh-CN": "自定义事件", "en": "Custom event"},
    },
    # yutang.loyalty.schemas.RuleIn.amount_type
    "earn_rule_amount_type": {
        "fixed": {"zh-CN": "固定积分", "en": "Fixed points"},
        "per_unit": {"zh-CN": "按消费金额", "en": "Per amount spent"},
    },
    # yutang.loyalty.schemas.TierProgramIn.metric
    "tier_metric": {
        "spend": {"zh-CN": "累计消费", "en": "Spend"},
        "points": {"zh-CN": "累计积分", "en": "Points earned"},
    },
    # yutang.loyalty.schemas.TierProgramIn.downgrade_policy
    "tier_downgrade_policy": {
        "none": {"zh-CN": "不降级", "en": "Never downgrade"},
        "one_level": {"zh-CN": "降一级", "en": "Down one tier"},
        "recompute": {"zh-CN": "按达标情况重新定级", "en": "Recalculate the tier"},
    },
    # yutang.models.loyalty.TierChange.reason (written by yutang.loyalty.tiers)
    "tier_change_reason": {
        "upgrade": {"zh-CN": "升级", "en": "Upgrade"},
        "downgrade": {"zh-CN": "降级", "en": "Downgrade"},
        "manual": {"zh-CN": "手动调整", "en": "Set by hand"},
        "grace_started": {"zh-CN": "进入保级期", "en": "Grace period started"},
        "grace_cleared": {"zh-CN": "保级成功", "en": "Grace period cleared"},
    },
    # --- coupons -----------------------------------------------------------------------------
    # yutang.coupons.schemas.CouponTemplateIn.kind
    "coupon_template_kind": {
        "amount_off": {"zh-CN": "代金券", "en": "Amount off"},
        "percent_off": {"zh-CN": "折扣券", "en": "Percent off"},
        "gift": {"zh-CN": "礼品券", "en": "Gift"},
    },
    # yutang.models.rewards.Coupon.status (written in yutang.coupons.service)
    "coupon_status": {
        "available": {"zh-CN": "未领取", "en": "Unassigned"},
        "issued": {"zh-CN": "已发放", "en": "Issued"},
        "redeemed": {"zh-CN": "已核销", "en": "Redeemed"},
        "voided": {"zh-CN": "已作废", "en": "Voided"},
    },
    # yutang.models.rewards.Coupon.source, the part before the colon ("reward:3" → reward):
    # yutang.coupons.service, rewards.service, rewards.lottery, membership.service,
    # loyalty.tiers, referrals.payouts
    "coupon_source": {
        "api": {"zh-CN": "接口发放", "en": "Issued through the API"},
        "console": {"zh-CN": "后台发放", "en": "Issued in the console"},
        "generated": {"zh-CN": "批量生成", "en": "Generated in bulk"},
        "reward": {"zh-CN": "积分兑换", "en": "Reward redemption"},
        "lottery": {"zh-CN": "抽奖", "en": "Lottery"},
        "plan": {"zh-CN": "付费会员礼包", "en": "Paid membership gift"},
        "tier": {"zh-CN": "等级礼遇", "en": "Tier benefit"},
        "referral": {"zh-CN": "任务宝奖励", "en": "Referral reward"},
    },
    # --- rewards -----------------------------------------------------------------------------
    # yutang.rewards.schemas.RewardIn.kind
    "reward_kind": {
        "gift": {"zh-CN": "实物礼品", "en": "Gift"},
        "coupon": {"zh-CN": "优惠券", "en": "Coupon"},
    },
    # yutang.models.rewards.Redemption.status (completed | cancelled; yutang.rewards.service)
    "redemption_status": {
        "completed": {"zh-CN": "已兑换", "en": "Completed"},
        "cancelled": {"zh-CN": "已取消", "en": "Cancelled"},
    },
    # yutang.rewards.schemas.PrizeIn.kind
    "lottery_prize_kind": {
        "points": {"zh-CN": "积分", "en": "Points"},
        "coupon": {"zh-CN": "优惠券", "en": "Coupon"},
        "gift": {"zh-CN": "实物礼品", "en": "Gift"},
    },
    # yutang.models.rewards.LotteryDraw.outcome (yutang.rewards.lottery)
    "lottery_draw_outcome": {
        "won": {"zh-CN": "中奖", "en": "Won"},
        "no_prize": {"zh-CN": "未中奖", "en": "No prize"},
        "out_of_stock": {"zh-CN": "奖品已抽完", "en": "Prize out of stock"},
    },
    # yutang.models.rewards.Auction.status (yutang.rewards.auctions)
    "auction_status": {
        "open": {"zh-CN": "竞拍中", "en": "Open"},
        "closed": {"zh-CN": "已结束", "en": "Closed"},
        "cancelled": {"zh-CN": "已取消", "en": "Cancelled"},
    },
    # yutang.models.rewards.AuctionBid.status (yutang.rewards.auctions)
    "auction_bid_status": {
        "leading": {"zh-CN": "领先", "en": "Leading"},
        "outbid": {"zh-CN": "已被超越", "en": "Outbid"},
        "won": {"zh-CN": "已拍得", "en": "Won"},
        "cancelled": {"zh-CN": "已取消", "en": "Cancelled"},
    },
    # --- paid membership ---------------------------------------------------------------------
    # yutang.models.membership.PERIODS (= yutang.membership.schemas.PlanIn.period)
    "membership_plan_period": {
        "month": {"zh-CN": "月卡", "en": "Monthly"},
        "quarter": {"zh-CN": "季卡", "en": "Quarterly"},
        "year": {"zh-CN": "年卡", "en": "Yearly"},
    },
    # yutang.models.membership.Subscription.status (yutang.membership.service)
    "subscription_status": {
        "active": {"zh-CN": "生效中", "en": "Active"},
        "expired": {"zh-CN": "已过期", "en": "Expired"},
        "cancelled": {"zh-CN": "已取消", "en": "Cancelled"},
    },
    # --- referrals (任务宝) ------------------------------------------------------------------
    # yutang.referrals.schemas.CampaignPatch.status (= yutang.models.referrals.ReferralCampaign.status)
    "referral_campaign_status": {
        "active": {"zh-CN": "已开启", "en": "Active"},
        "paused": {"zh-CN": "已暂停", "en": "Paused"},
        "ended": {"zh-CN": "已结束", "en": "Ended"},
    },
    # yutang.models.referrals.GOAL_KINDS (= yutang.referrals.schemas.GoalKind)
    "referral_goal_kind": {
        "join": {"zh-CN": "入会", "en": "Join"},
        "form": {"zh-CN": "提交表单", "en": "Submit a form"},
        "checkin": {"zh-CN": "签到", "en": "Check in"},
        "order": {"zh-CN": "下单", "en": "Place an order"},
        "event": {"zh-CN": "自定义事件", "en": "Custom event"},
    },
    # yutang.models.referrals.REWARD_KINDS (= yutang.referrals.schemas.RewardKind)
    "referral_reward_kind": {
        "points": {"zh-CN": "积分", "en": "Points"},
        "coupon": {"zh-CN": "优惠券", "en": "Coupon"},
        "reward": {"zh-CN": "礼品", "en": "Reward"},
        "wallet": {"zh-CN": "储值金", "en": "Stored value"},
        "lottery": {"zh-CN": "抽奖机会", "en": "Lottery draw"},
    },
    # yutang.models.referrals.INVITATION_STATUSES
    "referral_invitation_status": {
        "clicked": {"zh-CN": "已点击", "en": "Clicked"},
        "joined": {"zh-CN": "已入会", "en": "Joined"},
        "held": {"zh-CN": "待审核", "en": "Held for review"},
        "qualified": {"zh-CN": "已达标", "en": "Qualified"},
        "rewarded": {"zh-CN": "已奖励", "en": "Rewarded"},
        "rejected": {"zh-CN": "已拒绝", "en": "Rejected"},
        "revoked": {"zh-CN": "已失效", "en": "Revoked"},
    },
    # yutang.models.referrals.Invitation.reasons: yutang.referrals.fraud.REJECT_REASONS and
    # HOLD_REASONS, and those yutang.referrals.service and referrals.handlers add
    "referral_invitation_reason": {
        "self_invite": {"zh-CN": "自己邀请自己", "en": "Invited themselves"},
        "known_member": {"zh-CN": "已是老会员", "en": "Already a member"},
        "shared_device": {"zh-CN": "同一设备多次受邀", "en": "Shared device"},
        "shared_ip": {"zh-CN": "同一 IP 多次受邀", "en": "Shared IP address"},
        "invite_ring": {"zh-CN": "互相邀请", "en": "Invitation ring"},
        "burst": {"zh-CN": "短时间内邀请激增", "en": "Sudden burst of joins"},
        "cap_reached": {"zh-CN": "邀请人已达上限", "en": "Inviter's limit reached"},
        "rejected_by_review": {"zh-CN": "审核未通过", "en": "Rejected on review"},
        "invitee_blocked": {"zh-CN": "被邀请人已拉黑", "en": "Invitee blocked"},
        "invitee_erased": {"zh-CN": "被邀请人已注销", "en": "Invitee erased"},
    },
    # yutang.models.referrals.Invitation.via (cookie | code; yutang.referrals.service)
    "referral_invitation_via": {
        "cookie": {"zh-CN": "分享链接", "en": "Shared link"},
        "code": {"zh-CN": "邀请码", "en": "Invite code"},
    },
    # yutang.models.referrals.StageAward.status (yutang.referrals.service)
    "stage_award_status": {
        "paid": {"zh-CN": "已发放", "en": "Paid"},
        "clawed_back": {"zh-CN": "已扣回", "en": "Clawed back"},
    },
    # --- distribution (分销) -----------------------------------------------------------------
    # yutang.models.distribution.Distributor.status (yutang.distribution.service); pending and
    # rejected are the applications
    "distributor_status": {
        "pending": {"zh-CN": "待审核", "en": "Pending review"},
        "active": {"zh-CN": "正常", "en": "Active"},
        "suspended": {"zh-CN": "已暂停", "en": "Suspended"},
        "rejected": {"zh-CN": "已拒绝", "en": "Rejected"},
    },
    # yutang.models.distribution.ENTRY_PATHS
    "distributor_entry": {
        "approved": {"zh-CN": "审核通过", "en": "Approved"},
        "task": {"zh-CN": "完成任务", "en": "Task completed"},
        "purchase": {"zh-CN": "购买礼包", "en": "Gift pack bought"},
    },
    # yutang.models.distribution.DistributionBinding.via (yutang.distribution.endpoints, handlers)
    "distribution_binding_via": {
        "code": {"zh-CN": "分销码", "en": "Distributor code"},
        "referral": {"zh-CN": "任务宝邀请", "en": "Referral invitation"},
    },
    # yutang.distribution.schemas.PlanIn.kind
    "commission_plan_kind": {
        "percent": {"zh-CN": "按比例", "en": "Percentage"},
        "fixed": {"zh-CN": "固定金额", "en": "Fixed amount"},
    },
    # yutang.models.distribution.Commission.status (yutang.distribution.commissions)
    "commission_status": {
        "pending": {"zh-CN": "待结算", "en": "Pending"},
        "available": {"zh-CN": "可提现", "en": "Available"},
        "reversed": {"zh-CN": "已冲回", "en": "Reversed"},
    },
    # yutang.models.distribution.CommissionEntry.kind (yutang.distribution.commissions)
    "commission_entry_kind": {
        "earn": {"zh-CN": "获得佣金", "en": "Earned"},
        "release": {"zh-CN": "结算", "en": "Released"},
        "reverse": {"zh-CN": "冲回", "en": "Reversed"},
        "withdraw": {"zh-CN": "申请提现", "en": "Withdrawal requested"},
        "paid": {"zh-CN": "提现到账", "en": "Withdrawal paid"},
        "returned": {"zh-CN": "提现退回", "en": "Withdrawal returned"},
    },
    # yutang.models.distribution.Withdrawal.status (yutang.distribution.commissions)
    "withdrawal_status": {
        "requested": {"zh-CN": "待审核", "en": "Requested"},
        "paid": {"zh-CN": "已打款", "en": "Paid"},
        "rejected": {"zh-CN": "已驳回", "en": "Rejected"},
    },
    # --- analytics ---------------------------------------------------------------------------
    # yutang.kit.events.CATALOGUE (every declared event type), and the facts of
    # yutang.analytics: link.clicked (a click), referral.friend_joined (seen from the inviter)
    "fact_type": {
        "auction.bid": {"zh-CN": "竞拍出价", "en": "Bid in an auction"},
        "auction.closed": {"zh-CN": "竞拍结束", "en": "Auction closed"},
        "channel.created": {"zh-CN": "新建渠道", "en": "Channel created"},
        "commission.earned": {"zh-CN": "获得佣金", "en": "Commission earned"},
        "commission.reversed": {"zh-CN": "佣金冲回", "en": "Commission reversed"},
        "coupon.issued": {"zh-CN": "获得优惠券", "en": "Coupon issued"},
        "coupon.redeemed": {"zh-CN": "核销优惠券", "en": "Coupon used"},
        "distribution.bound": {"zh-CN": "绑定分销员", "en": "Bound to a distributor"},
        "distributor.activated": {"zh-CN": "成为分销员", "en": "Became a distributor"},
        "distributor.level_up": {"zh-CN": "分销员升级", "en": "Distributor levelled up"},
        "form.submitted": {"zh-CN": "提交表单", "en": "Submitted a form"},
        "invitation.held": {"zh-CN": "邀请待审核", "en": "Invitation held for review"},
        "invitation.joined": {"zh-CN": "受邀加入", "en": "Joined by invitation"},
        "invitation.qualified": {"zh-CN": "邀请达标", "en": "Invitation qualified"},
        "invitation.rejected": {"zh-CN": "邀请被拒", "en": "Invitation rejected"},
        "invitation.revoked": {"zh-CN": "邀请撤销", "en": "Invitation revoked"},
        "link.archived": {"zh-CN": "短链归档", "en": "Link archived"},
        "link.clicked": {"zh-CN": "点击短链", "en": "Clicked a link"},
        "link.created": {"zh-CN": "新建短链", "en": "Link created"},
        "link.updated": {"zh-CN": "短链修改", "en": "Link changed"},
        "lottery.drawn": {"zh-CN": "参与抽奖", "en": "Drew in a lottery"},
        "member.activity": {"zh-CN": "会员互动（签到等）", "en": "Activity (check-in …)"},
        "member.erased": {"zh-CN": "会员注销", "en": "Member erased"},
        "member.joined": {"zh-CN": "入会", "en": "Joined"},
        "member.tagged": {"zh-CN": "打标签", "en": "Tagged"},
        "member.updated": {"zh-CN": "资料更新", "en": "Profile changed"},
        "membership.expired": {"zh-CN": "付费会员到期", "en": "Paid membership ended"},
        "membership.expiring": {"zh-CN": "付费会员即将到期", "en": "Paid membership ending soon"},
        "membership.purchased": {"zh-CN": "开通付费会员", "en": "Bought a paid membership"},
        "membership.renewed": {"zh-CN": "续费付费会员", "en": "Renewed a paid membership"},
        "order.paid": {"zh-CN": "下单支付", "en": "Paid an order"},
        "order.refunded": {"zh-CN": "订单退款", "en": "Order refunded"},
        "points.clawed_back": {"zh-CN": "积分追回", "en": "Points clawed back"},
        "points.earned": {"zh-CN": "获得积分", "en": "Earned points"},
        "points.expired": {"zh-CN": "积分过期", "en": "Points expired"},
        "points.reversed": {"zh-CN": "积分冲回", "en": "Points reversed"},
        "points.spent": {"zh-CN": "使用积分", "en": "Spent points"},
        "referral.friend_joined": {"zh-CN": "邀请的好友已加入", "en": "A friend they invited joined"},
        "referral.participant_joined": {"zh-CN": "参与任务宝", "en": "Took part in a referral campaign"},
        "referral.stage_reached": {"zh-CN": "任务宝阶段达成", "en": "Reached a referral stage"},
        "reward.redeemed": {"zh-CN": "兑换奖品", "en": "Redeemed a reward"},
        "tier.changed": {"zh-CN": "等级变化", "en": "Tier changed"},
        "wallet.granted": {"zh-CN": "获赠储值", "en": "Stored value granted"},
        "wallet.refunded": {"zh-CN": "储值退款", "en": "Stored value refunded"},
        "wallet.spent": {"zh-CN": "储值消费", "en": "Paid with stored value"},
        "wallet.topped_up": {"zh-CN": "储值充值", "en": "Topped up stored value"},
        "withdrawal.paid": {"zh-CN": "提现已打款", "en": "Withdrawal paid"},
        "withdrawal.rejected": {"zh-CN": "提现被驳回", "en": "Withdrawal rejected"},
        "withdrawal.requested": {"zh-CN": "申请提现", "en": "Asked to withdraw"},
    },
    # yutang.analytics.funnel.ORDERS
    "funnel_order": {
        "sequential": {"zh-CN": "依次（中间可有其他行为）", "en": "In order (other facts between)"},
        "strict": {"zh-CN": "严格连续", "en": "Strictly in a row"},
        "any": {"zh-CN": "任意顺序", "en": "Any order"},
    },
    # yutang.analytics.funnel.BUCKETS
    "funnel_bucket": {
        "lt_1m": {"zh-CN": "< 1 分钟", "en": "< 1 min"},
        "1m_10m": {"zh-CN": "1–10 分钟", "en": "1–10 min"},
        "10m_1h": {"zh-CN": "10–60 分钟", "en": "10–60 min"},
        "1h_6h": {"zh-CN": "1–6 小时", "en": "1–6 h"},
        "6h_24h": {"zh-CN": "6–24 小时", "en": "6–24 h"},
        "1d_3d": {"zh-CN": "1–3 天", "en": "1–3 d"},
        "3d_7d": {"zh-CN": "3–7 天", "en": "3–7 d"},
        "gt_7d": {"zh-CN": "> 7 天", "en": "> 7 d"},
    },
    # yutang.analytics.rfm.GROUPS (the named groups of the recency × frequency grid; also
    # the tags of the group "RFM" the daily refresh keeps)
    "rfm_group": {
        "champions": {"zh-CN": "核心客户", "en": "Champions"},
        "loyal": {"zh-CN": "忠诚客户", "en": "Loyal"},
        "potential": {"zh-CN": "潜力客户", "en": "Potential loyalists"},
        "new": {"zh-CN": "新客户", "en": "New customers"},
        "promising": {"zh-CN": "待培养新客", "en": "Promising"},
        "need_attention": {"zh-CN": "需要关注", "en": "Need attention"},
        "about_to_sleep": {"zh-CN": "即将沉睡", "en": "About to sleep"},
        "cant_lose": {"zh-CN": "不能流失", "en": "Can't lose them"},
        "at_risk": {"zh-CN": "流失风险", "en": "At risk"},
        "hibernating": {"zh-CN": "沉睡客户", "en": "Hibernating"},
        "lost": {"zh-CN": "已流失", "en": "Lost"},
    },
    # yutang.analytics.revenue.SOURCES (how a member joined: ``via`` of member.joined, and
    # ``other`` for a value the report does not know)
    "member_join_via": {
        "api": {"zh-CN": "API 接口", "en": "API"},
        "console": {"zh-CN": "后台录入", "en": "Added in the console"},
        "csv": {"zh-CN": "CSV 导入", "en": "CSV import"},
        "form": {"zh-CN": "表单", "en": "Form"},
        "page": {"zh-CN": "入会页面", "en": "Join page"},
        "invite": {"zh-CN": "好友邀请", "en": "Friend's invitation"},
        "demo": {"zh-CN": "演示数据", "en": "Demo data"},
        "other": {"zh-CN": "其他方式", "en": "Other"},
    },
    # yutang.analytics.value.LTV_MISSING (why the value formula has no LTV; {n}, {as_of}
    # and {through} are filled in by the page)
    "value_ltv_missing": {
        "no_old_cohort": {
            "zh-CN": "生命周期价值暂不可用：到 {as_of} 还没有入会满 {n} 个整月的会员（需在 {through} 或更早入会），所以企业价值也算不出来。可以选更少的月数。",
            "en": "LTV not available: by {as_of} no member had been one for {n} whole months (joined in {through} or before), so the value cannot be computed either. Choose fewer months.",
        },
    },
}


def word(group: str, value: str, lang: str) -> str:
    """The words for ``value`` of ``group`` in ``lang`` (简体中文 for a language without
    words). An unknown value is shown as it is; an unknown group is a KeyError."""
    words = VALUES[group].get(value)
    if words is None:
        return value
    return words.get(lang) or words["zh-CN"]
