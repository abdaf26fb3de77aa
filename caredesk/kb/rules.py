"""Who may do what with the knowledge base.

* Every staff member reads every article (internal ones and drafts too).
* Agents write drafts: they create articles and change those still in draft.
* Leads, managers and admins also publish, archive, change published articles, manage
  the categories and publish policies as articles.
* Customers and visitors read published public articles only (:mod:`caredesk.kb.selectors`).
"""

from __future__ import annotations

from caredesk.accounts.models import ROLE_LEVEL, Role, User
from caredesk.kb.models import Article, ArticleStatus

REFUSED_WRITE = "Only staff write help articles."
REFUSED_MANAGE = (
    "Only leads, managers and admins publish, archive or change published articles and "
    "categories; agents write drafts."
)


def can_write(user: User | None) -> bool:
    return user is not None and user.is_agent_staff


def can_manage(user: User | None) -> bool:
    return user is not None and user.is_agent_staff and user.level >= ROLE_LEVEL[Role.LEAD]


def may_edit(user: User | None, article: Article) -> bool:
    if article.status == ArticleStatus.DRAFT and article.policy_id is None:
        return can_write(user)
    return can_manage(user)
