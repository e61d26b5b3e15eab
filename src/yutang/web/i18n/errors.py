"""What each declared error code means to an operator, in 简体中文 and English.

:data:`yutang.kit.errors.ERROR_CODES` says what a code means to a developer; these
words are for the brand's operator (运营) on a console page, or a member on an H5
page: what went wrong and, where it helps, what to do. One entry per declared code,
grouped by the module that declares it, in the catalogue's order. The texts are
fixed (no placeholders): the numbers of a particular refusal stay in its details.
"""

from __future__ import annotations

ERROR_WORDS: dict[str, dict[str, str]] = {
    # yutang.kit.errors — shared by every domain
    "validation_error": {
        "zh-CN": "提交的内容有误，请检查后重试。",
        "en": "Some of what was sent is not valid. Check it and try again.",
    },
    "bad_request": {
        "zh-CN": "请求无法处理，请检查后重试。",
        "en": "This request could not be handled. Check it and try again.",
    },
    "unauthenticated": {
        "zh-CN": "未登录或登录已过期，请重新登录。",
        "en": "You are not signed in, or your session has ended. Sign in again.",
    },
    "forbidden": {
        "zh-CN": "你的角色不允许这样做。",
        "en": "Your role does not allow this.",
    },
    "not_found": {
        "zh-CN": "没有找到：它不存在，或不属于当前品牌。",
        "en": "Not found: it does not exist or is not in this workspace.",
    },
    "conflict": {
        "zh-CN": "与现有数据冲突（例如名称已被使用），请刷新后重试。",
        "en": "This clashes with what already exists (a name already in use, for example). "
        "Reload and try again.",
    },
    "idempotency_key_reused": {
        "zh-CN": "这次提交与之前另一次不同的提交使用了同一个编号，未执行。请刷新页面后重新提交。",
        "en": "This submission reused the reference of an earlier, different one, so it was not "
        "carried out. Reload the page and submit again.",
    },
    "idempotency_key_invalid": {
        "zh-CN": "这次提交的编号无效（为空或过长），请刷新页面后重试。",
        "en": "This submission's reference is empty or too long. Reload the page and try again.",
    },
    "rate_limited": {
        "zh-CN": "操作太频繁，请稍后再试。",
        "en": "Too many requests. Wait a moment and try again.",
    },
    "method_not_allowed": {
        "zh-CN": "此处不支持该操作。",
        "en": "This action is not available here.",
    },
    "body_too_large": {
        "zh-CN": "提交的内容太大，请减少后重试。",
        "en": "What was sent is too large. Send less and try again.",
    },
    "internal_error": {
        "zh-CN": "系统出错了，本次操作没有保存任何内容，请稍后重试。",
        "en": "Something went wrong on our side. Nothing was saved; try again later.",
    },
    "bulk_invalid": {
        "zh-CN": "批量提交中有部分行有误，因此全部未保存。请按提示修改这些行后重新提交。",
        "en": "Some rows were refused, so none were saved. Fix the rows shown and submit again.",
    },
    "bulk_too_large": {
        "zh-CN": "一次最多批量提交 1,000 条，请分批提交。",
        "en": "A batch holds at most 1,000 rows. Split it into smaller batches.",
    },
    "invalid_funnel": {
        "zh-CN": "漏斗定义有误：步骤不足两步、所指步骤不存在，或不是漏斗。",
        "en": "The funnel is not valid: fewer than two steps, a step it does not have, or not a funnel at all.",
    },
    "unknown_event_type": {
        "zh-CN": "漏斗步骤中的事件类型不存在。",
        "en": "A funnel step names a type of fact that does not exist.",
    },
    "not_enough_data": {
        "zh-CN": "购买过的会员太少（或复购的会员太少），还无法预测客户价值。历史客户价值照常可看。",
        "en": "Too few members have bought (or bought again) to predict their value yet. "
        "The historic value is shown as usual.",
    },
    "fit_failed": {
        "zh-CN": "无法用这些订单拟合客户价值模型，请换一个时间单位或稍后再试。",
        "en": "The customer-value models could not be fitted to these orders. Try another time unit, "
        "or try again later.",
    },
    "invalid_range": {
        "zh-CN": "日期范围不正确：开始日期晚于结束日期，或跨度过长。",
        "en": "The date range is not valid: it starts after it ends, or it is too long.",
    },
    "invalid_cursor": {
        "zh-CN": "翻页信息已失效，请回到第一页重新浏览。",
        "en": "This page link is no longer valid. Go back to the first page.",
    },
    "invalid_amount": {
        "zh-CN": "金额、积分或数量不正确：须为大于 0 的整数，且在允许范围内。",
        "en": "The amount, points or quantity is not right: it must be a whole number above zero, "
        "within the allowed range.",
    },
    "reason_required": {
        "zh-CN": "请填写原因后再提交。",
        "en": "Give a reason for this, then submit again.",
    },
    # yutang.commerce.errors — orders, refunds, stored value (储值)
    "unknown_order": {
        "zh-CN": "没有找到该订单。",
        "en": "No such order in this workspace.",
    },
    "order_conflict": {
        "zh-CN": "该订单号之前已同步过，但内容不同，本次未更新。",
        "en": "An order with this order number was received before with different content; "
        "it was not changed.",
    },
    "refund_conflict": {
        "zh-CN": "该退款单号之前已记录过，但内容不同，本次未执行。",
        "en": "A refund with this reference was recorded before with different details; "
        "it was not carried out again.",
    },
    "refund_exceeds_order": {
        "zh-CN": "退款金额超过该订单剩余可退金额。",
        "en": "The refund is more than what is left to refund on this order.",
    },
    "invalid_signature": {
        "zh-CN": "订单推送的签名缺失、过期或不正确，已拒收。请检查商城对接的密钥和服务器时间。",
        "en": "The order notification's signature is missing, out of date or wrong, so it was refused. "
        "Check the shop integration's secret and clock.",
    },
    "dedupe_conflict": {
        "zh-CN": "这笔发放之前已记给另一位会员（或数额不同），本次未执行。",
        "en": "This grant was already made to another member (or for another amount); "
        "it was not carried out again.",
    },
    "payment_conflict": {
        "zh-CN": "该支付单号已用于另一笔购买（其他会员或不同金额）。",
        "en": "This payment reference was already recorded for another purchase (another member or amount).",
    },
    "insufficient_balance": {
        "zh-CN": "会员储值余额不足。",
        "en": "The member's stored-value balance is too low.",
    },
    "refund_exceeds_spend": {
        "zh-CN": "退款金额超过这笔储值消费剩余可退金额。",
        "en": "The refund is more than what is left of this stored-value payment.",
    },
    "unknown_top_up_rule": {
        "zh-CN": "没有找到该充值赠送规则。",
        "en": "No such top-up rule in this workspace.",
    },
    "unknown_wallet_entry": {
        "zh-CN": "没有找到这笔储值消费记录。",
        "en": "No such stored-value payment in this workspace.",
    },
    "spend_conflict": {
        "zh-CN": "该订单之前已用储值支付过，但会员或金额不同，本次未执行。",
        "en": "This order was already paid from stored value by another member or for another amount; "
        "it was not paid again.",
    },
    # yutang.links.errors — short links (短链), live codes (活码), channels (渠道)
    "invalid_destination": {
        "zh-CN": "目标地址无效，请填写以 http:// 或 https:// 开头的完整网址。",
        "en": "The destination must be a full web address starting with http:// or https://.",
    },
    "destination_too_long": {
        "zh-CN": "目标地址过长（连同推广参数最多 2,048 个字符）。",
        "en": "The destination is too long (2,048 characters at most, tracking parameters included).",
    },
    "destination_loop": {
        "zh-CN": "目标地址不能指向本品牌自己的短链域名，否则会循环跳转。",
        "en": "The destination cannot point at one of this workspace's own link domains; it would loop.",
    },
    "invalid_slug": {
        "zh-CN": "短链后缀只能使用字母、数字、下划线和短横线，最长 64 个字符。",
        "en": "A slug uses only letters, digits, '_' and '-', 64 characters at most.",
    },
    "reserved_slug": {
        "zh-CN": "该短链后缀为系统保留，请换一个。",
        "en": "That slug is reserved by the system; choose another.",
    },
    "slug_taken": {
        "zh-CN": "该短链后缀已被占用，请换一个。",
        "en": "That slug is taken on this domain; choose another.",
    },
    "unknown_domain": {
        "zh-CN": "该域名不是本品牌的短链域名，或本品牌尚未添加短链域名。",
        "en": "That is not one of this workspace's link domains, or none has been added yet.",
    },
    "domain_taken": {
        "zh-CN": "该域名已被添加为短链域名，不能重复添加。",
        "en": "That domain is already a link domain and cannot be added again.",
    },
    "invalid_host": {
        "zh-CN": "域名格式不正确。",
        "en": "That is not a valid domain name.",
    },
    "unknown_channel": {
        "zh-CN": "没有找到该渠道。",
        "en": "No such channel in this workspace.",
    },
    "channel_name_taken": {
        "zh-CN": "已有同名渠道，请换一个名称。",
        "en": "A channel of that name exists; choose another name.",
    },
    "cost_period_overlaps": {
        "zh-CN": "这些日期已录入过该渠道（或该链接）的曝光与花费，请修改原记录或换一段日期。",
        "en": "Exposures and spend are already entered for some of those days; edit that entry or choose other days.",
    },
    "invalid_live_code": {
        "zh-CN": "活码至少需要一个已启用且权重大于 0 的目标。",
        "en": "A live code needs at least one enabled target with a weight above zero.",
    },
    "wrong_link_kind": {
        "zh-CN": "该设置不适用于此类链接：普通短链设置目标地址，活码设置分流目标。",
        "en": "That does not fit this kind of link: a short link has one destination, "
        "a live code has targets.",
    },
    # yutang.members.errors — members (会员), tags, segments, forms
    "unknown_member": {
        "zh-CN": "没有找到该会员。",
        "en": "No such member in this workspace.",
    },
    "identity_required": {
        "zh-CN": "请至少填写一项会员身份信息：手机号、邮箱、微信 openid/unionid 或客户编号。",
        "en": "A member needs at least one way to be recognised: phone, email, WeChat openid/unionid "
        "or customer number.",
    },
    "invalid_identity": {
        "zh-CN": "手机号、邮箱等身份信息格式不正确。",
        "en": "The phone number, email or other identity is not valid.",
    },
    "identity_taken": {
        "zh-CN": "该手机号、邮箱等身份信息已属于另一位会员。",
        "en": "Another member already has that phone number, email or other identity.",
    },
    "identity_conflict": {
        "zh-CN": "填写的身份信息分属不同会员，不能用于同一位会员。",
        "en": "These identities belong to different members, so they cannot be used for one member.",
    },
    "invalid_id_number": {
        "zh-CN": "身份证号码不正确，请核对位数、出生日期和最后一位。",
        "en": "That ID card number is not valid. Check its length, birth date and last character.",
    },
    "invalid_attributes": {
        "zh-CN": "自定义属性不正确：最多 100 项，名称 1-64 个字符，取值须为简单的文字、数字或是否。",
        "en": "Custom attributes are not valid: at most 100, names of 1-64 characters, simple values only.",
    },
    "member_erased": {
        "zh-CN": "该会员已注销，不能再修改。",
        "en": "This member has been erased; nothing about them can change.",
    },
    "member_inactive": {
        "zh-CN": "该会员已被停用或已注销，不能获得或使用积分与权益。",
        "en": "This member is blocked or erased and cannot earn or spend.",
    },
    "tag_group_taken": {
        "zh-CN": "已有同名标签组。",
        "en": "A tag group of that name exists.",
    },
    "invalid_tag": {
        "zh-CN": "标签应写作「标签组/标签名」，两部分各 1-64 个字符。",
        "en": "A tag is written as group/name, each part 1-64 characters.",
    },
    "unknown_tag": {
        "zh-CN": "没有找到该标签。",
        "en": "No such tag in this workspace.",
    },
    "invalid_filter": {
        "zh-CN": "会员分群的筛选条件有误：条件项或运算方式不存在，或取值类型不对。",
        "en": "The segment's filter is not valid: an unknown condition or operator, "
        "or a value of the wrong type.",
    },
    "unknown_segment": {
        "zh-CN": "没有找到该会员分群。",
        "en": "No such segment in this workspace.",
    },
    "segment_in_use": {
        "zh-CN": "有积分规则或任务宝活动正在使用该分组，请先修改它们再删除。",
        "en": "Earn rules or referral campaigns use this segment; change them before deleting it.",
    },
    "segment_taken": {
        "zh-CN": "已有同名会员分群。",
        "en": "A segment of that name exists.",
    },
    "segment_is_list": {
        "zh-CN": "名单分群保存的是从报表中选出的会员，没有筛选条件可以修改或重新冻结。",
        "en": "A list segment keeps the members picked from a report: it has no conditions to change or freeze.",
    },
    "invalid_form": {
        "zh-CN": "表单设置有误，请检查字段、类型、选项及其对应的会员资料。",
        "en": "The form is not set up correctly. Check its fields, types, options "
        "and the member details they fill in.",
    },
    "form_taken": {
        "zh-CN": "已有相同链接后缀的表单，请换一个。",
        "en": "A form with that web address exists; choose another.",
    },
    "unknown_form": {
        "zh-CN": "没有找到该表单。",
        "en": "No such form.",
    },
    "form_closed": {
        "zh-CN": "该表单已停止收集。",
        "en": "This form is closed.",
    },
    "invalid_answers": {
        "zh-CN": "部分填写内容有误，请检查标红的内容。",
        "en": "Some answers are not valid. Please check the fields marked in red.",
    },
    "required": {
        "zh-CN": "此项必填。",
        "en": "This field is required.",
    },
    "invalid_option": {
        "zh-CN": "请从选项中选择。",
        "en": "Choose one of the options.",
    },
    "invalid_number": {
        "zh-CN": "请输入数字。",
        "en": "Enter a number.",
    },
    "out_of_range": {
        "zh-CN": "数值超出允许范围。",
        "en": "The number is out of the allowed range.",
    },
    "invalid_date": {
        "zh-CN": "请输入正确的日期，例如 2025-01-31。",
        "en": "Enter a valid date, such as 2025-01-31.",
    },
    "too_long": {
        "zh-CN": "内容过长。",
        "en": "This answer is too long.",
    },
    "invalid_address": {
        "zh-CN": "地址不正确。",
        "en": "Not a valid address.",
    },
    "unknown_field": {
        "zh-CN": "表单中没有这一项。",
        "en": "This form has no such field.",
    },
    # yutang.workspaces.errors — brands (品牌), accounts, invitations to join
    "last_owner": {
        "zh-CN": "品牌至少要保留一位所有者。",
        "en": "A workspace must keep at least one owner.",
    },
    "email_taken": {
        "zh-CN": "该邮箱已注册过账号。",
        "en": "An account with that email address already exists.",
    },
    "workspace_taken": {
        "zh-CN": "该品牌标识已被使用，请换一个。",
        "en": "That workspace short name is taken; choose another.",
    },
    "unknown_user": {
        "zh-CN": "该员工账号不属于本品牌。",
        "en": "That staff account is not in this workspace.",
    },
    "invitation_invalid": {
        "zh-CN": "该邀请无效：已被使用、拒绝、撤销或已过期。",
        "en": "This invitation is not valid: it was used, declined, revoked or has expired.",
    },
    # yutang.coupons.errors — coupons (优惠券)
    "invalid_coupon_template": {
        "zh-CN": "优惠券设置不完整：请设置有效期（领取后有效天数，或晚于开始时间的截止日期），"
        "礼品券还需注明礼品。",
        "en": "The coupon is not set up completely: give it a validity (days after claiming, or an end "
        "date after its start) and, for a gift coupon, the gift.",
    },
    "unknown_coupon_template": {
        "zh-CN": "没有找到该优惠券。",
        "en": "No such coupon template in this workspace.",
    },
    "coupon_template_issued": {
        "zh-CN": "该优惠券已发出券码，券的类型、面额、礼品和使用门槛不能再改；可新建一张优惠券。",
        "en": "Codes of this coupon exist: its kind, value, gift and minimum spend can no longer "
        "change. Create a new coupon instead.",
    },
    "coupon_template_inactive": {
        "zh-CN": "该优惠券已停用，不能发放。",
        "en": "This coupon template is switched off and cannot be issued.",
    },
    "unknown_coupon": {
        "zh-CN": "没有找到该券码。",
        "en": "No such coupon code.",
    },
    "coupon_taken": {
        "zh-CN": "该券码已被领取。",
        "en": "This code has already been claimed.",
    },
    "coupon_unclaimed": {
        "zh-CN": "该券码尚未被会员领取，不能核销。",
        "en": "This code has not been claimed by a member yet, so it cannot be used.",
    },
    "coupon_not_yours": {
        "zh-CN": "该优惠券属于其他会员。",
        "en": "This coupon belongs to another member.",
    },
    "coupon_not_yet_valid": {
        "zh-CN": "该优惠券还未到可用时间。",
        "en": "This coupon cannot be used yet.",
    },
    "coupon_expired": {
        "zh-CN": "该优惠券已过期。",
        "en": "This coupon has expired.",
    },
    "coupon_redeemed": {
        "zh-CN": "该优惠券已被使用。",
        "en": "This coupon has already been used.",
    },
    "coupon_voided": {
        "zh-CN": "该优惠券已作废。",
        "en": "This coupon was voided.",
    },
    "out_of_stock": {
        "zh-CN": "库存不足。",
        "en": "Not enough stock left.",
    },
    "limit_reached": {
        "zh-CN": "该会员已达到每人限领或限兑数量。",
        "en": "The member has reached the limit per member.",
    },
    # yutang.distribution.errors — distributors (分销员), commission (佣金), withdrawals (提现)
    "third_level_forbidden": {
        "zh-CN": "佣金最多设置两级，不能设置第三级。",
        "en": "Commission is paid on two levels at most; a third level is not allowed.",
    },
    "invalid_rate": {
        "zh-CN": "佣金比例或金额不正确：一级须大于 0，按比例时每级不超过 100%，两级合计不超过 50%。",
        "en": "The commission rates are not valid: level 1 must be above zero and, as percentages, "
        "each level at most 100 % and both together at most 50 %.",
    },
    "unknown_commission_plan": {
        "zh-CN": "没有找到该佣金方案。",
        "en": "No such commission plan in this workspace.",
    },
    "level_taken": {
        "zh-CN": "已有相同级别的分销员等级。",
        "en": "A distributor level of that rank exists.",
    },
    "unknown_distributor_level": {
        "zh-CN": "没有找到该分销员等级。",
        "en": "No such distributor level in this workspace.",
    },
    "not_a_distributor": {
        "zh-CN": "没有找到该分销员，或其不在正常状态。",
        "en": "No such distributor, or the distributor is not active.",
    },
    "not_an_application": {
        "zh-CN": "该分销员不是待审核的申请，或当前状态不能做此变更。",
        "en": "This distributor is not an application waiting for a decision, "
        "or cannot be changed that way now.",
    },
    "unknown_distributor_code": {
        "zh-CN": "推广码无效：没有正常状态的分销员使用该推广码。",
        "en": "No active distributor has that code.",
    },
    "self_binding": {
        "zh-CN": "会员不能绑定到自己，也不能由自己推荐。",
        "en": "A member cannot be bound to, or recruited by, themselves.",
    },
    "already_bound": {
        "zh-CN": "该会员已绑定其他分销员（以首次绑定为准）。",
        "en": "This member is already bound to another distributor; the first binding stays.",
    },
    "below_minimum_withdrawal": {
        "zh-CN": "提现金额低于最低提现额。",
        "en": "The withdrawal is below the minimum amount.",
    },
    "insufficient_commission": {
        "zh-CN": "可提现佣金不足。",
        "en": "The withdrawal is more than the commission available.",
    },
    "unknown_withdrawal": {
        "zh-CN": "没有找到该提现申请。",
        "en": "No such withdrawal in this workspace.",
    },
    "withdrawal_decided": {
        "zh-CN": "该提现申请已处理过（已打款或已驳回）。",
        "en": "This withdrawal was already paid or rejected.",
    },
    # yutang.referrals.errors — referral campaigns (任务宝/裂变活动)
    "unknown_campaign": {
        "zh-CN": "没有找到该任务宝活动。",
        "en": "No such referral campaign in this workspace.",
    },
    "campaign_ended": {
        "zh-CN": "活动已结束。",
        "en": "This campaign has ended.",
    },
    "campaign_paused": {
        "zh-CN": "活动已暂停。",
        "en": "This campaign is paused.",
    },
    "campaign_not_started": {
        "zh-CN": "活动尚未开始。",
        "en": "This campaign has not started yet.",
    },
    "not_eligible": {
        "zh-CN": "该会员不符合本活动的参与条件（会员分群或等级）。",
        "en": "This member may not take part in this campaign (segment or tier).",
    },
    "no_link_domain": {
        "zh-CN": "本品牌还没有短链域名，无法生成分享链接，请先添加短链域名。",
        "en": "This workspace has no link domain for share links yet. Add one first.",
    },
    "unknown_participant": {
        "zh-CN": "没有找到该活动参与者或邀请进度页。",
        "en": "No such participant or progress page.",
    },
    "unknown_invite_code": {
        "zh-CN": "邀请码无效。",
        "en": "No such invite code in this campaign.",
    },
    "unknown_invitation": {
        "zh-CN": "没有找到该邀请记录。",
        "en": "No such invitation in this workspace.",
    },
    "already_invited": {
        "zh-CN": "该会员已被其他人先邀请（以首次邀请为准）。",
        "en": "This member was invited by someone else first; the first invitation counts.",
    },
    "invitation_taken": {
        "zh-CN": "该邀请记录属于另一位会员。",
        "en": "This invitation belongs to another member.",
    },
    "invitation_not_held": {
        "zh-CN": "只有待审核的邀请可以通过或驳回。",
        "en": "Only invitations held for review can be approved or rejected.",
    },
    "invalid_art": {
        "zh-CN": "海报底图须为尺寸合适的 PNG 或 JPEG 图片。",
        "en": "The poster background must be a PNG or JPEG picture of a reasonable size.",
    },
    "art_too_large": {
        "zh-CN": "海报底图不能超过 2 MB。",
        "en": "The poster background may be 2 MB at most.",
    },
    "poster_font_missing": {
        "zh-CN": "服务器未安装中文字体，暂时无法生成海报，请联系管理员。",
        "en": "No Chinese font is installed on the server, so posters cannot be made. "
        "Contact your administrator.",
    },
    "code_exhausted": {
        "zh-CN": "暂时无法生成新的邀请码或推广码，请重试。",
        "en": "No free invite or distributor code could be found. Try again.",
    },
    "campaign_started": {
        "zh-CN": "已有会员参与本活动，开始时间、参与资格、达标条件、奖励阶梯、奖励和每人上限不能再修改。",
        "en": "Members have already taken part in this campaign, so its start, eligibility, goal, "
        "stages, rewards and cap can no longer change.",
    },
    # yutang.loyalty.errors — points (积分), earning rules, tiers (等级)
    "insufficient_points": {
        "zh-CN": "会员可用积分不足。",
        "en": "The member does not have enough points.",
    },
    "invalid_expiry": {
        "zh-CN": "积分的到期时间已过，请设置更晚的到期时间。",
        "en": "Those points would already have expired. Choose a later expiry date.",
    },
    "unknown_rule": {
        "zh-CN": "没有找到该积分规则。",
        "en": "No such earning rule in this workspace.",
    },
    "unknown_tier": {
        "zh-CN": "没有找到该会员等级。",
        "en": "No such tier in this workspace.",
    },
    "tier_taken": {
        "zh-CN": "已有相同级别或名称的会员等级。",
        "en": "A tier with that rank or name exists.",
    },
    "invalid_tier": {
        "zh-CN": "会员等级设置有误：级别越高门槛须越高，权益须有效且在允许范围内。",
        "en": "The tier is not valid: thresholds must rise with rank, and benefits must be known "
        "and within range.",
    },
    "not_reversible": {
        "zh-CN": "只有积分消耗、冻结或扣减可以撤回。",
        "en": "Only a points spend, hold or deduction can be reversed.",
    },
    # yutang.membership.errors — paid membership (付费会员)
    "invalid_plan": {
        "zh-CN": "付费会员方案设置有误：周期须为月、季或年，权益须为已有权益或勾选项。",
        "en": "The membership plan is not valid: the period is month, quarter or year, and benefits "
        "must be known ones or yes/no perks.",
    },
    "unknown_plan": {
        "zh-CN": "没有找到该付费会员方案。",
        "en": "No such membership plan in this workspace.",
    },
    "plan_inactive": {
        "zh-CN": "该付费会员方案已停售。",
        "en": "This membership plan is not on sale.",
    },
    "unknown_subscription": {
        "zh-CN": "没有找到该付费会员记录。",
        "en": "No such membership subscription in this workspace.",
    },
    # yutang.rewards.errors — points rewards (积分兑换), lotteries (抽奖), auctions (竞拍)
    "unknown_reward": {
        "zh-CN": "没有找到该兑换礼品。",
        "en": "No such reward in this workspace.",
    },
    "invalid_reward": {
        "zh-CN": "优惠券类礼品须关联一张已有的优惠券。",
        "en": "A coupon reward must name an existing coupon template.",
    },
    "reward_unavailable": {
        "zh-CN": "该礼品已下架或不在兑换时间内。",
        "en": "This reward is switched off or outside its redemption dates.",
    },
    "unlimited_stock": {
        "zh-CN": "该礼品库存不限，无需调整库存。",
        "en": "This reward has unlimited stock, so there is nothing to adjust.",
    },
    "unknown_redemption": {
        "zh-CN": "没有找到该兑换记录。",
        "en": "No such redemption in this workspace.",
    },
    "already_cancelled": {
        "zh-CN": "该兑换已取消过。",
        "en": "This redemption was already cancelled.",
    },
    "invalid_lottery": {
        "zh-CN": "抽奖设置有误：至少设置一个奖品，各奖品中奖概率合计不超过 100%。",
        "en": "The lottery is not valid: it needs at least one prize, and the prizes' chances add up "
        "to 100 % at most.",
    },
    "unknown_lottery": {
        "zh-CN": "没有找到该抽奖活动。",
        "en": "No such lottery in this workspace.",
    },
    "lottery_has_draws": {
        "zh-CN": "已有会员参与抽奖，奖品设置不能再改。",
        "en": "Members have already drawn in this lottery: its prizes can no longer change.",
    },
    "lottery_closed": {
        "zh-CN": "抽奖活动未开启或不在活动时间内。",
        "en": "This lottery is switched off or outside its dates.",
    },
    "draw_limit_reached": {
        "zh-CN": "今天的抽奖次数已用完，明天再来吧。",
        "en": "No draws left today. Come back tomorrow.",
    },
    "invalid_auction": {
        "zh-CN": "竞拍的结束时间须晚于开始时间。",
        "en": "An auction must end after it starts.",
    },
    "unknown_auction": {
        "zh-CN": "没有找到该积分竞拍。",
        "en": "No such auction in this workspace.",
    },
    "auction_closed": {
        "zh-CN": "该竞拍不在进行中（未开始、已结束或已取消）。",
        "en": "This auction is not open (not started, ended or cancelled).",
    },
    "auction_not_ended": {
        "zh-CN": "竞拍尚未到结束时间。",
        "en": "This auction has not reached its end time yet.",
    },
    "bid_too_low": {
        "zh-CN": "出价过低：须不低于起拍价；已有出价时，须不低于当前最高价加上加价幅度。",
        "en": "The bid is too low: it must reach the starting bid or, once there are bids, "
        "the leading bid plus the increment.",
    },
}
