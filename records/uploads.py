"""Uploaded documents are read for their label and then forgotten: they stay in memory, are never
written to disk, and nothing past the size limit is kept, however large the upload. Only the views
marked ``accepts_upload`` take a body larger than REQUEST_MAX_BODY_BYTES (records.middleware)."""

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


def accepts_upload(setting):
    """Mark a view as taking an upload of up to ``settings.<setting>`` bytes: its requests may be
    that much larger than REQUEST_MAX_BODY_BYTES (checked before the body is read)."""

    def mark(view):
        view.upload_limit_setting = setting
        return view

    return mark


class LimitedMemoryUploadHandler(FileUploadHandler):
    """Keeps at most one byte more than the view's body limit (at most the largest accepted upload
    without one) in memory and reports the file's true size, so a form refuses an oversized file
    by its size before reading any of it."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = BytesIO()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        largest = max(settings.LABEL_CHECK_MAX_BYTES, settings.IMPORT_MAX_BYTES)
        limit = min(getattr(self.request, "max_body_bytes", largest), largest)
        room = limit + 1 - self.file.tell()
        if room > 0:
            self.file.write(raw_data[:room])
        self.received += len(raw_data)
        return None  # this handler is the last: the chunk is consumed here

    def file_complete(self, file_size):
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file, field_name=self.field_name, name=self.file_name, content_type=self.content_type,
            size=self.received, charset=self.charset, content_type_extra=self.content_type_extra,
        )
