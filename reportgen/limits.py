"""Limits on a source photo, shared by the downloader that fetches it and the decoder that opens it."""

__all__ = ["MAX_SOURCE_BYTES", "MAX_SOURCE_PIXELS"]

#: A photo file larger than this is neither downloaded nor decoded.
MAX_SOURCE_BYTES = 40 * 1024 * 1024
#: Larger than any phone camera (50 MP); a bigger image is refused before it is decoded.
MAX_SOURCE_PIXELS = 64_000_000
