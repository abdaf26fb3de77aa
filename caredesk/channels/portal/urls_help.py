"""The help centre at /help/ (open to visitors for public articles)."""

from django.urls import URLPattern, URLResolver, path

from caredesk.channels.portal import views_help

app_name = "help"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_help.help_home, name="home"),
    path("search/", views_help.help_search, name="search"),
    path("c/<slug:slug>/", views_help.help_category, name="category"),
    path("articles/<slug:slug>/", views_help.help_article, name="article"),
]
