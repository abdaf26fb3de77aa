from django.urls import URLPattern, URLResolver, path

from caredesk.workspace import (
    account_views,
    auth_views,
    case_views,
    forward_views,
    merge_views,
    notification_views,
    views,
)

app_name = "workspace"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox, name="inbox"),
    path("login/", auth_views.login_view, name="login"),
    path("login/verify/", auth_views.login_verify_view, name="login-verify"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("account/", account_views.account, name="account"),
    path("account/totp/start", account_views.totp_start, name="totp-start"),
    path("account/totp/confirm", account_views.totp_confirm, name="totp-confirm"),
    path("account/totp/disable", account_views.totp_disable, name="totp-disable"),
    path("account/totp/recovery", account_views.recovery_codes, name="totp-recovery"),
    path("account/tokens", account_views.token_create, name="token-create"),
    path("account/tokens/<int:pk>/revoke", account_views.token_revoke, name="token-revoke"),
    path("account/away", account_views.away, name="away"),
    path(
        "account/notifications",
        notification_views.preferences,
        name="notification-preferences",
    ),
    path("notifications/", notification_views.center, name="notifications"),
    path("notifications/count", notification_views.badge, name="notification-count"),
    path("notifications/read-all", notification_views.mark_all_read, name="notifications-read"),
    path(
        "notifications/<int:pk>/read",
        notification_views.mark_read,
        name="notification-read",
    ),
    path("search", views.search, name="search"),
    path("cases/<int:pk>/", case_views.case_detail, name="case"),
    path("cases/<int:pk>/panels/<slug:slug>", case_views.case_panel, name="case-panel"),
    path("cases/<int:pk>/timeline", case_views.case_timeline, name="case-timeline"),
    path("cases/<int:pk>/reply", case_views.reply, name="case-reply"),
    path("cases/<int:pk>/note", case_views.note, name="case-note"),
    path("cases/<int:pk>/forward", forward_views.forward_case, name="case-forward"),
    path("cases/<int:pk>/assign", case_views.assign, name="case-assign"),
    path("cases/<int:pk>/status", case_views.change_status, name="case-status"),
    path("cases/<int:pk>/priority", case_views.change_priority, name="case-priority"),
    path("cases/<int:pk>/tags", case_views.set_tags, name="case-tags"),
    path("cases/<int:pk>/presence", case_views.presence_ping, name="case-presence"),
    path("cases/<int:pk>/merge", merge_views.merge_case, name="case-merge"),
    path("cases/<int:pk>/merge/lookup", merge_views.merge_lookup, name="case-merge-lookup"),
    path("cases/<int:pk>/split", merge_views.split_message, name="case-split"),
    path("cases/<int:pk>/links", merge_views.link_case, name="case-link"),
    path(
        "cases/<int:pk>/links/<int:link_id>/remove",
        merge_views.unlink_case,
        name="case-unlink",
    ),
    path(
        "cases/<int:pk>/resolve-children",
        merge_views.resolve_children,
        name="case-resolve-children",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
