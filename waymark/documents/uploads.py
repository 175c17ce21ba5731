"""Refuse an oversize upload while the request body is parsed, before it reaches disk or memory.

Django's multipart parser hands each upload to ``request.upload_handlers`` chunk by chunk and, by
default, writes the whole file to a temporary file before any view sees it, whatever its size.
``SizeLimitUploadHandler`` goes first in that chain: it passes chunks on while the file is within
``MAX_DOCUMENT_BYTES`` and, from the chunk that passes the limit, keeps nothing (the rest of the
body is read off the connection and dropped, so the browser still gets the page with the error).
The file then arrives as an ``OversizeUpload`` whose ``size`` is over the limit, which
``services.upload_read`` refuses without reading: the usual GOV.UK "must be smaller than" error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from waymark.documents.rules import MAX_DOCUMENT_BYTES


class OversizeUpload(UploadedFile):
    """An upload refused for its size while it was parsed: a name and a size, no content."""

    def __init__(self, name: str, content_type: str | None, size: int):
        super().__init__(file=None, name=name, content_type=content_type, size=size)

    def open(self, mode=None):  # pragma: no cover - nothing to open; upload_read never does
        raise ValueError("An oversize upload keeps no content")

    def chunks(self, chunk_size=None):
        return iter(())

    def multiple_chunks(self, chunk_size=None):
        return False

    def close(self):
        pass


class SizeLimitUploadHandler(FileUploadHandler):
    """First upload handler: stops the chain keeping any file once it passes ``limit`` bytes."""

    def __init__(self, request=None, limit: int = MAX_DOCUMENT_BYTES):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.oversize = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.oversize = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.oversize = True
        # None stops the chunk here: the handlers after this one (memory, temporary file) never
        # get a byte past the limit.
        return None if self.oversize else raw_data

    def file_complete(self, file_size):
        if not self.oversize:
            return None  # the next handler's file is the upload
        return OversizeUpload(self.file_name, self.content_type, self.received)


def upload_size_limited(view: Callable) -> Callable:
    """Decorate a view taking a document upload so its body is parsed with the size limit first.

    Upload handlers must be set before anything reads ``request.POST``, and the CSRF check reads
    it, so (as Django documents for changing handlers on the fly) the view is CSRF-exempt only
    until the handler is in place, and the CSRF check then runs as usual.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and not hasattr(request, "_files"):
            request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
        return protected(request, *args, **kwargs)

    return wrapped
