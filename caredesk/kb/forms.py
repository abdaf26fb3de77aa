"""The article and category forms of the staff pages. Length limits are checked by the
actions (a clear message with the size and the limit); the form only shapes the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caredesk.kb.models import Category, Visibility
from caredesk.kb.text import MAX_BODY, MAX_TITLE

# Generous: the action refuses oversized text with its size, the form keeps what was typed.
_SLACK = 10


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=MAX_TITLE * _SLACK)
    slug = forms.CharField(
        max_length=400,
        required=False,
        label=_("Address"),
        help_text=_("Leave empty to make one from the title."),
    )
    category = forms.ChoiceField(required=False, label=_("Category"))
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)
    language = forms.CharField(max_length=40, initial="en", label=_("Language code"))
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "class": "article-body"}),
        max_length=MAX_BODY * _SLACK,
        label=_("Text"),
        strip=False,
    )

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "— none —")] + [(str(c.pk), c.name) for c in categories]
        self.categories = {str(c.pk): c for c in categories}

    def chosen_category(self) -> Category | None:
        return self.categories.get(self.cleaned_data.get("category") or "")


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=1000)
    description = forms.CharField(max_length=3000, required=False)
    position = forms.IntegerField(min_value=0, max_value=10_000, initial=0, required=False)
