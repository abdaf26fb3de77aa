"""Portal forms: explicit field allow-lists; the actions do the real validation."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from caredesk.core.errors import DomainError
from caredesk.core.text import normalize_filename
from caredesk.tickets.attachments import IncomingFile
from caredesk.tickets.models import Ticket

MAX_SUBJECT = Ticket._meta.get_field("subject").max_length or 255


class SignInForm(forms.Form):
    email = forms.CharField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": _("Enter your email address."),
            "max_length": _("That email address is too long."),
        },
    )


class CaseForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        max_length=MAX_SUBJECT,
        error_messages={"required": _("Give your case a short subject.")},
    )
    body = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        strip=False,
        error_messages={"required": _("Tell us what happened.")},
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 5, "id": "portal-reply"}),
        strip=False,
        error_messages={"required": _("Write a reply before sending.")},
    )


def incoming_files(uploads: list[UploadedFile]) -> list[IncomingFile]:
    """Uploaded files as IncomingFile, refusing too many or too large ones *before*
    reading them into memory. The same limits as ``check_files``, the same wording."""
    limit = settings.CAREDESK_MAX_ATTACHMENTS
    if len(uploads) > limit:
        raise DomainError(
            gettext("Too many attachments (%(count)d); at most %(limit)d per message.")
            % {"count": len(uploads), "limit": limit},
            code="too_many_attachments",
        )
    max_bytes = settings.CAREDESK_MAX_ATTACHMENT_BYTES
    files = []
    for upload in uploads:
        name = normalize_filename(upload.name or "")
        size = upload.size or 0
        if size > max_bytes:
            raise DomainError(
                gettext("“%(name)s” is %(size).1f MB; the limit is %(limit).0f MB per file.")
                % {"name": name, "size": size / 1048576, "limit": max_bytes / 1048576},
                code="attachment_too_large",
            )
        files.append(
            IncomingFile(
                filename=name, content=upload.read(), content_type=upload.content_type or ""
            )
        )
    return files


class AnswerForm(forms.Form):
    """ "No, it is not": the customer's optional words (they become a customer message)."""

    words = forms.CharField(
        label=_("What is still wrong? (optional)"),
        required=False,
        max_length=5000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5, "id": "solved-words", "maxlength": 5000}),
        error_messages={
            "max_length": _("Please keep it under 5,000 characters (you wrote %(show_value)s).")
        },
    )
