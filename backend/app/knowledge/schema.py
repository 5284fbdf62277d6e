"""Schema of the reviewed knowledge in ``knowledge/`` (see ``knowledge/README.md``).

Every YAML file is parsed into these models; a typo in a field name, a missing
reference or an unknown question id in a condition fails validation instead of
silently producing a wrong materials list.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.knowledge.policy_schema import Policy
from app.knowledge.provenance import Provenance

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stage(Strict):
    id: Identifier
    name: Text
    order: int


class Department(Strict):
    id: Identifier
    name: Text
    short_name: Text
    aliases: list[Text] = Field(default_factory=list)
    address: Text
    window: Text
    phone: Text
    hours: Text
    online_url: Text | None = None
    service_center: bool = False
    """The 政务服务中心 itself: the fallback contact for anything not covered."""
    handles: list[Literal["policy", "appeal"]] = Field(default_factory=list)
    """Topics this department is the first contact for (惠企政策咨询, 企业诉求)."""


class Industry(Strict):
    id: Identifier
    name: Text
    description: Text
    lead_department: Identifier
    aliases: list[Text] = Field(default_factory=list)
    bundle: Identifier


class Material(Strict):
    id: Identifier
    name: Text
    source: Text
    """来源/获取渠道: where the applicant gets it."""
    notes: Text | None = None
    """填报须知 / 审查要点."""


Form = Literal["原件", "复印件", "原件及复印件", "电子件", "原件或电子证照"]

# A condition over the answers of a bundle's questions:
#   {question_id: value}              equals
#   {question_id: [v1, v2]}           one of
#   {question_id: {gte: 300}}         comparison (gt, gte, lt, lte, ne)
#   {any: [cond, ...]} / {all: [...]} / {not: cond}
# Several keys in one mapping must all hold.
Condition = dict[str, Any]


class MatterMaterial(Strict):
    material: Identifier
    form: Form = "原件"
    copies: int = Field(default=1, ge=1, le=20)
    note: Text | None = None
    tolerated_absence: bool = False
    """容缺受理: may be handed in later; the application is accepted meanwhile."""
    by_commitment: bool = False
    """告知承诺: a signed commitment replaces the proof."""
    exempt_shared: bool = False
    """免提交: the department obtains it by data sharing (电子证照/部门共享)."""
    when: Condition | None = None


class Matter(Provenance):
    id: Identifier
    name: Text
    stage: Identifier
    department: Identifier
    legal_time_limit: Text
    """法定办结时限, as published (e.g. "20个工作日")."""
    promised_time_limit: Text
    """承诺办结时限 of the sample district."""
    fee: Text
    online_url: Text | None = None
    basis: Text
    """设定依据: the law or regulation that requires this matter."""
    notes: Text | None = None
    materials: list[MatterMaterial] = Field(min_length=1)
    aliases: list[Text] = Field(default_factory=list)
    """The words people use for it (食经证, 特行证); kept in ``knowledge/matter_aliases.yml``."""


class Option(Strict):
    value: str | int | bool
    label: Text
    keywords: list[Text] = Field(default_factory=list)
    """Words that, anywhere in the user's message, select this option."""


class Question(Strict):
    id: Identifier
    text: Text
    help: Text | None = None
    type: Literal["choice", "boolean", "number"]
    options: list[Option] = Field(default_factory=list)
    unit: Text | None = None
    unit_words: list[Text] = Field(default_factory=list)
    """For numbers: a number followed by one of these words answers the question unasked."""
    ask_if: Condition | None = None

    @model_validator(mode="after")
    def _check_shape(self) -> Question:
        if self.type == "choice" and len(self.options) < 2:
            raise ValueError(f"choice question {self.id} needs at least two options")
        if self.type == "boolean":
            values = sorted(str(o.value) for o in self.options)
            if values != ["False", "True"]:
                raise ValueError(f"boolean question {self.id} needs exactly the options true and false")
        if self.type == "number" and (self.options or not self.unit):
            raise ValueError(f"number question {self.id} takes a unit and no options")
        return self


class BundleMatter(Strict):
    matter: Identifier
    when: Condition | None = None


class Bundle(Strict):
    id: Identifier
    name: Text
    short_name: Text
    industry: Identifier | None = None
    stages: list[Identifier] = Field(min_length=1)
    description: Text
    aliases: list[Text] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    matters: list[BundleMatter] = Field(min_length=1)
    notes: list[Text] = Field(default_factory=list)
    """Notices printed on the checklist (e.g. 简易注销公示期20天)."""


class KnowledgeBase(Strict):
    stages: list[Stage]
    departments: list[Department]
    industries: list[Industry]
    materials: list[Material]
    matters: list[Matter]
    bundles: list[Bundle]
    policies: list[Policy] = []
    sample_departments: bool = True
