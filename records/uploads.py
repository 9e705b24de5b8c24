"""Uploaded documents are read for their label and then forgotten: they stay in memory, are never
written to disk, and nothing past the size limit is kept, however large the upload."""

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class LimitedMemoryUploadHandler(FileUploadHandler):
    """Keeps at most one byte more than the largest accepted upload (a document to check, or an
    inventory sheet) in memory and reports the file's true size, so a form refuses an oversized
    file by its size before reading any of it."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = BytesIO()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        room = max(settings.LABEL_CHECK_MAX_BYTES, settings.IMPORT_MAX_BYTES) + 1 - self.file.tell()
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
