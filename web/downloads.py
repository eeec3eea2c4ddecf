"""Serving a stored attachment: always as a download (Content-Disposition: attachment, never
inline, so an uploaded HTML page cannot run on our origin), with the type sniffed at upload and
the RFC 6266 filename werkzeug writes (ASCII `filename=` fallback + `filename*=UTF-8''…`);
a sandboxing CSP in case a browser renders it anyway."""
from __future__ import annotations

import io

from flask import Response, send_file

from engine.base.models import Attachment
from engine.work.attachments import clean_name


def attachment_response(attachment: Attachment) -> Response:
    response = send_file(io.BytesIO(attachment.content), mimetype=attachment.content_type or "application/octet-stream",
                         as_attachment=True, download_name=clean_name(attachment.name), max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
