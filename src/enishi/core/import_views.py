"""The staff pages of a file import, for any importer (`enishi.core.imports.Importer`): upload,
the mapping step with its preview, the progress bar (htmx) and result, and the history.

A section that imports something describes its pages once with `ImportPages` (its importer,
the permission, the task that runs an import, its URL namespace, titles and tabs) and takes
the views and URL patterns from it. Donations (/staff/donations/import/) and registrations
(/staff/residency/import/) are the two users; the templates are core/staff/import_*.html.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enishi.communities.permissions import Perm, staff_required

from . import imports
from .models import ImportRecord


def store_upload(chunks, suffix: str) -> Path:
    """Copy an upload to the private import folder (not MEDIA: it is personal data)."""
    folder = Path(settings.ENISHI_IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}{suffix}"
    with open(path, "wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
    return path


class UploadForm(forms.Form):
    file = forms.FileField()

    def __init__(self, *args, label, help_text, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = label
        self.fields["file"].help_text = help_text


class MappingForm(forms.Form):
    """One choice of column per field of the importer, the name to keep the mapping under,
    and what to do with rows that cannot be read."""

    name = forms.CharField(
        label=gettext_lazy("この対応付けの名前"), max_length=80, required=False,
        help_text=gettext_lazy("名前を付けると、同じ列のファイルで次回から自動で使われます。"),
    )  # fmt: skip
    mode = forms.ChoiceField(
        label=gettext_lazy("読めない行があったとき"),
        choices=ImportRecord.Mode.choices,
        initial=ImportRecord.Mode.GOOD_ROWS,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, headers: list[str], fields: list[imports.Field], **kwargs):
        super().__init__(*args, **kwargs)
        self.import_fields = fields
        choices = [("", _("（使わない）"))] + [(h, h) for h in headers if h]
        for field in reversed(fields):
            self.fields = {
                f"col_{field.name}": forms.ChoiceField(
                    label=field.label, choices=choices, required=field.required,
                    error_messages={"required": _("「%(field)s」の列を選んでください。")
                                    % {"field": field.label}},
                ),
                **self.fields,
            }  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        used = [v for k, v in cleaned.items() if k.startswith("col_") and v]
        if len(used) != len(set(used)):
            raise ValidationError(_("同じ列を二つの項目に選んでいます。"))
        return cleaned

    def mapping(self) -> dict[str, str]:
        return {f.name: self.cleaned_data[f"col_{f.name}"] for f in self.import_fields
                if self.cleaned_data.get(f"col_{f.name}")}  # fmt: skip


def encoding_label(record: ImportRecord) -> str:
    if record.file_format == "xlsx":
        return "Excel (.xlsx)"
    names = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "cp932": "Shift_JIS (cp932)"}
    kind = "JSON Lines" if record.file_format == "jsonl" else "CSV"
    return f"{kind} · {names.get(record.encoding, record.encoding)}"


def _mapping_initial(record: ImportRecord) -> dict:
    initial = {f"col_{name}": header for name, header in record.mapping.items()}
    initial["name"] = record.mapping_name
    initial["mode"] = record.mode
    return initial


@dataclass(frozen=True)
class ImportPages:
    """One section's import pages. URL names are `<namespace>:import_upload`, `import_list`,
    `import_detail` and `import_progress`; `nav_template` is included with tab="import" or
    "imports"; `result_links` (a template, optional) is shown under a result."""

    namespace: str
    importer: Callable[[], imports.Importer]
    permission: Perm
    task: Any  # a django task taking record_id
    nav_template: str
    title: Any  # the upload page's heading
    intro: Any  # what to upload, on the upload page
    file_label: Any
    file_help: Any
    result_links: str = ""
    # Called after a file is mapped and queued, and can audit it: (request, record).
    on_queue: Callable | None = None

    @cached_property
    def kind(self) -> str:
        return self.importer().kind

    def url(self, name: str) -> str:
        return f"{self.namespace}:import_{name}"

    def _records(self, request):
        return ImportRecord.objects.filter(community=request.community, kind=self.kind)

    def _context(self, **context) -> dict:
        return {"pages": self, "urls": {n: self.url(n) for n in
                                        ("upload", "list", "detail", "progress", "resume")},
                **context}  # fmt: skip

    # -- views --

    def upload(self, request):
        form = UploadForm(request.POST or None, request.FILES or None,
                          label=self.file_label, help_text=self.file_help)  # fmt: skip
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            stored = store_upload(upload.chunks(), Path(upload.name).suffix.lower()[:7])
            try:
                record = imports.record_create(
                    community=request.community, kind=self.kind, path=stored,
                    file_name=upload.name, by=request.user, importer=self.importer(),
                )  # fmt: skip
            except imports.ImportFileError as error:
                stored.unlink(missing_ok=True)
                form.add_error("file", str(error))
            else:
                return redirect(self.url("detail"), pk=record.pk)
        return render(request, "core/staff/import_upload.html", self._context(form=form),
                      status=400 if form.errors else 200)  # fmt: skip

    def detail(self, request, pk: int):
        """The mapping step while the file waits for one; afterwards its progress and result."""
        record = get_object_or_404(self._records(request), pk=pk)
        if record.status != ImportRecord.Status.UPLOADED:
            return render(request, "core/staff/import_result.html", self._context(
                record=record, percent=imports.progress_percent(record)))  # fmt: skip
        importer = self.importer()
        form = MappingForm(request.POST or None, headers=record.headers,
                           fields=importer.fields, initial=_mapping_initial(record))  # fmt: skip
        if request.method == "POST" and form.is_valid():
            imports.mapping_save(record=record, mapping=form.mapping(),
                                 name=form.cleaned_data["name"].strip(),
                                 mode=form.cleaned_data["mode"])  # fmt: skip
            if self.on_queue is not None:
                self.on_queue(request, record)
            self.task.enqueue(record_id=record.pk)
            return redirect(self.url("detail"), pk=record.pk)
        return render(
            request,
            "core/staff/import_mapping.html",
            self._context(record=record, form=form, saved=bool(record.mapping_name),
                          encoding_label=encoding_label(record)),
            status=400 if form.errors else 200,
        )  # fmt: skip

    def resume(self, request, pk: int):
        """POST: an import that stopped on an unexpected error goes on from its last batch."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        record = get_object_or_404(self._records(request), pk=pk)
        if imports.record_resume(record=record):
            self.task.enqueue(record_id=record.pk)
            messages.success(request, _("続きから取り込みを再開しました。"))
        else:
            messages.error(request, _("この取り込みは再開できません。"))
        return redirect(self.url("detail"), pk=record.pk)

    def progress(self, request, pk: int):
        record = get_object_or_404(self._records(request), pk=pk)
        return render(request, "core/staff/_import_progress.html", self._context(
            record=record, percent=imports.progress_percent(record)))  # fmt: skip

    def history(self, request):
        records = self._records(request).select_related("created_by")
        page = Paginator(records, settings.ENISHI_STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "core/staff/import_list.html", self._context(page=page))

    def views(self) -> tuple[Callable, ...]:
        """(upload, list, detail, progress, resume), each guarded by the permission."""
        guard = staff_required(self.permission)
        return (guard(self.upload), guard(self.history), guard(self.detail),
                guard(self.progress), guard(self.resume))  # fmt: skip

    def urls(self, prefix: str) -> list:
        """URL patterns under `prefix` (e.g. "staff/residency/"): import/, imports/,
        imports/<pk>/, imports/<pk>/progress/ and imports/<pk>/resume/."""
        upload, history, detail, progress, resume = self.views()
        return [
            path(f"{prefix}import/", upload, name="import_upload"),
            path(f"{prefix}imports/", history, name="import_list"),
            path(f"{prefix}imports/<int:pk>/", detail, name="import_detail"),
            path(f"{prefix}imports/<int:pk>/progress/", progress, name="import_progress"),
            path(f"{prefix}imports/<int:pk>/resume/", resume, name="import_resume"),
        ]
