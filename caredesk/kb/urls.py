from django.urls import URLPattern, URLResolver, path

from caredesk.kb import views

app_name = "kb"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.article_list, name="list"),
    path("new", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit", views.edit, name="edit"),
    path("<int:pk>/history", views.history, name="history"),
    path("<int:pk>/publish", views.publish, name="publish"),
    path("<int:pk>/archive", views.archive, name="archive"),
    path("<int:pk>/unpublish", views.unpublish, name="unpublish"),
    path("policies/<int:policy_id>/publish", views.publish_policy, name="publish-policy"),
    path("categories/", views.categories, name="categories"),
    path("categories/<int:pk>/edit", views.category_edit, name="category-edit"),
    path("categories/<int:pk>/delete", views.category_delete, name="category-delete"),
    path("cases/<int:pk>/picker", views.picker, name="picker"),
]
