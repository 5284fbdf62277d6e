"""政策计算器: match an enterprise profile against the reviewed policies.

A profile is a flat mapping of the fields of :data:`PROFILE_FIELDS` (any of them
may be unknown: a conversation fills it in one answer at a time). Each machine
condition of a policy gets a verdict — met, not_met or unknown — with a Chinese
explanation, so the user sees *why* a policy is or is not for them:

- eligible: every condition met;
- near miss: exactly one condition not met or unknown (all others met);
- pending: nothing fails yet, but two or more conditions are unknown.

Which question to ask next is decided by simulation: for every unknown field the
engine tries each possible answer and counts the candidate policies whose
outcome changes; the field that changes the most outcomes is asked first, so the
bot never asks something that cannot change the answer.

Validity is decided by the ``today`` argument (tests freeze it): a policy whose
``effective_to`` has passed is 已失效 and is never offered as current — it only
appears in the separate expired list of a search by name or 文号.

Modules, in the order they depend on each other:

- ``conditions``: a policy's criteria compiled into checks (met / not_met / unknown);
- ``regions``: 注册地 against the region a policy applies to;
- ``profile``: parsing a profile from what a channel sends, and the facts derived from it;
- ``results``: what the engine returns (verdicts, matches, deadlines, search hits);
- ``windows``: validity (有效 / 未生效 / 已失效) and application windows (申报中, 即将截止 …);
- ``explanation``: the Chinese explanation of each verdict;
- ``questions``: which unknown field to ask next, by simulation;
- ``names``: names and 文号 as search keys: normalising, segmenting, fuzzy comparison;
- ``search``: a search by name, 文号 or topic words;
- ``engine``: :class:`~app.services.policies.engine.PolicyEngine`, which ties them together.
"""
