"""Reads for the import pages: the list of imports, one import, and its rejected rows. Every
import page needs ``linkage.import_records``; an import is not about one person, so there is no
object-level check beyond that."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from waymark.linkage.models import ImportJob, ImportRejection, ImportWarning


def import_list() -> QuerySet[ImportJob]:
    """Every import, newest first, without the stored files."""
    return ImportJob.objects.select_related("created_by").defer("content")


def access_import(pk: int) -> ImportJob:
    """One import, or 404."""
    return get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)


def import_rejections(job: ImportJob) -> QuerySet[ImportRejection]:
    """The import's rejected rows, in file order."""
    return job.rejections.all()


def import_warnings(job: ImportJob) -> QuerySet[ImportWarning]:
    """The import's rows kept with a warning, in file order."""
    return job.row_warnings.all()
