"""Request and response models of the members domain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from yutang.kit.schemas import Bool, Id, In, Int

Gender = Literal["unknown", "male", "female"]
Status = Literal["active", "blocked"]
IdentityKind = Literal["phone", "email", "openid", "unionid", "customer_id"]


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
    id: int
    group: str
    name: str


class MemberOut(BaseModel):
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
    name: str = Field(min_length=1, max_length=64)
    exclusive: Bool = False


class TagIn(In):
    group: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)


class TagGroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    exclusive: bool
    tags: list[TagOut] = Field(default_factory=list)


class TaggingIn(In):
    add: list[Annotated[str, Field(max_length=130)] | Id] = Field(default_factory=list, max_length=50)
    remove: list[Annotated[str, Field(max_length=130)] | Id] = Field(default_factory=list, max_length=50)


class JoinOut(BaseModel):
    member: MemberOut
    created: bool


class FilterIn(In):
    filter: dict[str, Any] = Field(description="A segment filter; see docs/members.md", max_length=50)


class PreviewOut(BaseModel):
    count: int
    sample_ids: list[int]


class SegmentIn(FilterIn):
    name: str = Field(min_length=1, max_length=120)
    #: Static: the members matching now are frozen in; dynamic: evaluated at each use.
    static: Bool = False


class SegmentOut(BaseModel):
    id: int
    name: str
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


class FormIn(In):
    slug: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=120)
    title_en: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    fields: list[FormField] = Field(min_length=1, max_length=40)


class FormOut(BaseModel):
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
    answers: dict[str, Any] = Field(max_length=100)
    visitor_id: str | None = Field(default=None, max_length=32)


class SubmissionOut(BaseModel):
    id: int
    form_id: int
    member_id: int
    via: str
    created_at: datetime
    #: The answers, only for callers with ``members:pii``.
    answers: dict[str, Any] | None
