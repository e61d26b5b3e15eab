"""Request and response models of the members domain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from yutang.kit.schemas import Bool, Id, In, Int

Gender = Literal["unknown", "male", "female"]
Status = Literal["active", "blocked"]
IdentityKind = Literal["phone", "email", "openid", "unionid", "customer_id"]

_TAG_OUT: dict[str, Any] = {"id": 12, "group": "兴趣", "name": "护肤"}
#: As a role without ``members:pii`` sees 王小明 (docs/members.md, "Who sees what").
_MEMBER_OUT: dict[str, Any] = {
    "id": 1024,
    "status": "active",
    "anonymous_id": "7f3c9a2e5b1d4c08a6e2f9b3d1c5a7e4",
    "name": "王**",
    "phone": "138****8000",
    "email": "x***@example.cn",
    "identities": {"phone": "138****8000", "email": "x***@example.cn", "openid": "oUpF…"},
    "gender": "male",
    "birthday": "1992-05-18",
    "address": {"province": "广东省", "city": "深圳市"},
    "id_number": None,
    "attributes": {"skin_type": "dry", "source_store": "深圳万象城店"},
    "tags": [_TAG_OUT, {"id": 31, "group": "阶段", "name": "新客"}],
    "source_channel_id": 3,
    "first_link_id": 57,
    "owner_user_id": 8,
    "consents": {"marketing": {"granted": True, "at": "2026-11-11T02:15:00Z"}},
    "joined_at": "2026-11-11T02:15:00Z",
    "last_active_at": "2026-11-28T12:40:00Z",
    "points_balance": 1280,
    "points_pending": 200,
    "total_spent_cents": 59800,
    "order_count": 3,
    "last_order_at": "2026-11-27T13:05:00Z",
    "pii_visible": False,
}
#: The documented filter language (docs/members.md, "Segments"): skincare fans who spent
#: ¥500 or bought within 30 days, not blocked.
_FILTER: dict[str, Any] = {
    "and": [
        {"field": "tag", "op": "has", "value": "兴趣/护肤"},
        {
            "or": [
                {"field": "total_spent_cents", "op": "gte", "value": 50000},
                {"field": "last_order_at", "op": "within_days", "value": 30},
            ]
        },
        {"not": {"field": "status", "op": "eq", "value": "blocked"}},
    ]
}


class Address(In):
    province: str | None = Field(default=None, max_length=32)
    city: str | None = Field(default=None, max_length=32)
    district: str | None = Field(default=None, max_length=32)
    detail: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, max_length=12)


class Identities(In):
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    openid: str | None = Field(default=None, max_length=64)
    unionid: str | None = Field(default=None, max_length=64)
    customer_id: str | None = Field(default=None, max_length=64)

    def given(self) -> dict[str, str]:
        """The identities that were given, by kind."""
        return {k: v for k in Identities.model_fields if (v := getattr(self, k))}


class MemberIn(Identities):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "phone": "13800138000",
                    "email": "xiaoming.wang@example.cn",
                    "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                    "name": "王小明",
                    "gender": "male",
                    "birthday": "1992-05-18",
                    "address": {
                        "province": "广东省",
                        "city": "深圳市",
                        "district": "南山区",
                        "detail": "科技园科苑路15号",
                        "postcode": "518057",
                    },
                    "attributes": {"skin_type": "dry", "source_store": "深圳万象城店"},
                    "tags": ["兴趣/护肤", "阶段/新客"],
                    "source_channel_id": 3,
                    "visitor_id": "v_9Kp2xQ7mL4aZ",
                    "owner_user_id": 8,
                    "consents": {"marketing": True},
                }
            ]
        }
    )
    name: str | None = Field(default=None, max_length=64)
    gender: Gender = "unknown"
    birthday: date | None = None
    address: Address | None = None
    id_number: str | None = Field(default=None, max_length=18)
    attributes: dict[str, Any] = Field(default_factory=dict, max_length=100)
    #: Tags as "group/name" (created when missing) or tag ids.
    tags: list[Annotated[str, Field(max_length=130)] | Id] = Field(default_factory=list, max_length=50)
    source_channel_id: Id | None = None
    #: The visitor cookie of the click that brought them: attributes the first link.
    visitor_id: str | None = Field(default=None, max_length=32)
    owner_user_id: Id | None = None
    #: Consent given now, by purpose: {"marketing": true}.
    consents: dict[Annotated[str, Field(max_length=32)], Bool] = Field(default_factory=dict, max_length=20)


class MemberPatch(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "address": {"province": "广东省", "city": "广州市", "district": "天河区"},
                    "attributes": {"skin_type": "combination", "source_store": None},
                    "consents": {"marketing": False},
                    "identities": {"email": "xm.wang@example.cn"},
                }
            ]
        }
    )
    name: str | None = Field(default=None, max_length=64)
    gender: Gender | None = None
    birthday: date | None = None
    address: Address | None = None
    id_number: str | None = Field(default=None, max_length=18)
    #: Merged into the stored attributes; a null value removes that attribute.
    attributes: dict[str, Any] | None = Field(default=None, max_length=100)
    status: Status | None = None
    owner_user_id: Id | None = None
    consents: dict[Annotated[str, Field(max_length=32)], Bool] | None = Field(default=None, max_length=20)
    identities: Identities | None = None


class TagOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_TAG_OUT]})
    id: int
    group: str
    name: str


class MemberOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_MEMBER_OUT]})
    id: int
    status: str
    anonymous_id: str
    name: str | None
    phone: str | None
    email: str | None
    identities: dict[str, str]
    gender: str
    birthday: date | None
    address: Address | None
    id_number: str | None
    attributes: dict[str, Any]
    tags: list[TagOut]
    source_channel_id: int | None
    first_link_id: int | None
    owner_user_id: int | None
    consents: dict[str, Any]
    joined_at: datetime
    last_active_at: datetime | None
    points_balance: int
    points_pending: int
    total_spent_cents: int
    order_count: int
    last_order_at: datetime | None
    #: False when PII is masked (the caller lacks ``members:pii``).
    pii_visible: bool


class TagGroupIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "肤质", "exclusive": True}]})
    name: str = Field(min_length=1, max_length=64)
    exclusive: Bool = False


class TagIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"group": "兴趣", "name": "护肤"}]})
    group: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)


class TagGroupOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "name": "兴趣",
                    "exclusive": False,
                    "tags": [_TAG_OUT, {"id": 13, "group": "兴趣", "name": "茶饮"}],
                }
            ]
        },
    )
    id: int
    name: str
    exclusive: bool
    tags: list[TagOut] = Field(default_factory=list)


class TaggingIn(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"add": ["兴趣/护肤", 31], "remove": ["阶段/新客"]}]}
    )
    add: list[Annotated[str, Field(max_length=130)] | Id] = Field(default_factory=list, max_length=50)
    remove: list[Annotated[str, Field(max_length=130)] | Id] = Field(default_factory=list, max_length=50)


class JoinOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"member": _MEMBER_OUT, "created": False}]})
    member: MemberOut
    created: bool


class FilterIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"filter": _FILTER}]})
    filter: dict[str, Any] = Field(description="A segment filter; see docs/members.md", max_length=50)


class PreviewOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"count": 3418, "sample_ids": [1024, 1019, 1003, 998, 990]}]}
    )
    count: int
    sample_ids: list[int]


class SegmentPatch(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "高价值会员（新）"}]})
    name: str | None = Field(default=None, min_length=1, max_length=120)
    filter: dict[str, Any] | None = Field(
        default=None, description="A segment filter; see docs/members.md", max_length=50
    )


class SegmentIn(FilterIn):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "护肤高价值会员", "filter": _FILTER, "static": False}]}
    )
    name: str = Field(min_length=1, max_length=120)
    #: Static: the members matching now are frozen in; dynamic: evaluated at each use.
    static: Bool = False


class SegmentOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "name": "护肤高价值会员",
                    "kind": "dynamic",
                    "filter": _FILTER,
                    "count": 3418,
                    "frozen_at": None,
                    "created_at": "2026-11-20T03:00:00Z",
                }
            ]
        }
    )
    id: int
    name: str
    #: ``dynamic`` (the filter, evaluated at each use), ``static`` (frozen from the filter)
    #: or ``list`` (members picked from a report's figure: ``/reports/…/members/segment``).
    kind: str
    filter: dict[str, Any]
    count: int
    frozen_at: datetime | None
    created_at: datetime


class FormField(In):
    key: str = Field(min_length=1, max_length=40)
    label: str = Field(min_length=1, max_length=120)
    label_en: str | None = Field(default=None, max_length=120)
    type: Literal[
        "text", "textarea", "phone", "email", "select", "multiselect", "number", "date", "address", "cn_id"
    ]
    required: Bool = False
    options: list[Annotated[str, Field(max_length=200)]] | None = Field(default=None, max_length=200)
    min: float | None = None
    max: float | None = None
    max_length: Int | None = Field(default=None, ge=1, le=5000)
    #: name, phone, email, gender, birthday, address, id_number, attribute.<name>, tag.<group>
    maps_to: str | None = Field(default=None, max_length=80)


#: A KOC recruitment form (选品达人招募), as seed 002 has one.
_FORM_IN: dict[str, Any] = {
    "slug": "koc-2026",
    "title": "达人招募报名表",
    "title_en": "KOC sign-up",
    "description": "填写资料，入选后将寄送新品试用装。",
    "fields": [
        {
            "key": "name",
            "label": "姓名",
            "label_en": "Name",
            "type": "text",
            "required": True,
            "maps_to": "name",
        },
        {
            "key": "phone",
            "label": "手机号",
            "label_en": "Phone",
            "type": "phone",
            "required": True,
            "maps_to": "phone",
        },
        {"key": "city", "label": "所在城市", "type": "address", "maps_to": "address"},
        {
            "key": "platforms",
            "label": "常用平台",
            "type": "multiselect",
            "options": ["小红书", "抖音", "微博", "B站"],
        },
        {"key": "followers", "label": "粉丝数", "type": "number", "min": 0, "max": 100000000},
        {
            "key": "skin",
            "label": "肤质",
            "type": "select",
            "options": ["干皮", "油皮", "混合皮"],
            "maps_to": "tag.肤质",
        },
    ],
}


class FormIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_FORM_IN]})
    slug: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=120)
    title_en: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    fields: list[FormField] = Field(min_length=1, max_length=40)


class FormPatch(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"active": False}, {"title": "KOC 招募 · 第二期"}]}
    )
    title: str | None = Field(default=None, min_length=1, max_length=120)
    title_en: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    fields: list[FormField] | None = Field(default=None, min_length=1, max_length=40)
    #: false closes the form (its page says so and takes no answers); true opens it again.
    active: Bool | None = None


class FormOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 2,
                    "slug": "koc-2026",
                    "title": _FORM_IN["title"],
                    "title_en": _FORM_IN["title_en"],
                    "description": _FORM_IN["description"],
                    "fields": _FORM_IN["fields"],
                    "active": True,
                    "submissions": 156,
                    "public_url": "https://go.brand.cn/forms/koc-2026",
                }
            ]
        }
    )
    id: int
    slug: str
    title: str
    title_en: str
    description: str
    fields: list[dict[str, Any]]
    active: bool
    submissions: int
    #: The public page, on the workspace's default link domain.
    public_url: str | None


class SubmissionIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answers": {
                        "name": "王小明",
                        "phone": "13800138000",
                        "city": {"province": "广东省", "city": "深圳市"},
                        "platforms": ["小红书", "抖音"],
                        "followers": 12000,
                        "skin": "干皮",
                    },
                    "visitor_id": "v_9Kp2xQ7mL4aZ",
                }
            ]
        }
    )
    answers: dict[str, Any] = Field(max_length=100)
    visitor_id: str | None = Field(default=None, max_length=32)


class SubmissionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 311,
                    "form_id": 2,
                    "member_id": 1024,
                    "via": "api",
                    "created_at": "2026-11-21T09:30:00Z",
                    "answers": None,
                }
            ]
        }
    )
    id: int
    form_id: int
    member_id: int
    via: str
    created_at: datetime
    #: The answers, only for callers with ``members:pii``.
    answers: dict[str, Any] | None
