"""Where finished reports are kept: a local folder, or an S3-compatible object store shared by many machines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from ..errors import ConfigError, ReportgenError
from ..files import ensure_directory, write_atomic

__all__ = ["FileStorage", "S3Storage", "Storage", "StorageError", "open_storage"]

# Keys are made by the service (job id / file name), never by a client; anything else is a bug.
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,3}")


class StorageError(ReportgenError):
    """The storage could not be reached or refused an operation."""


class Storage(Protocol):
    """What the service keeps reports in: whole objects by key."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing what was there (a reader sees old or new, never half)."""

    def get(self, key: str) -> bytes | None:
        """The object under `key`, or None when there is none."""

    def check(self) -> None:
        """Raise StorageError unless the storage can be used right now (the readiness probe)."""


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class FileStorage:
    """Objects as files under a folder of their own, written atomically; for one machine."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the file atomically (a crash leaves the old file or none, never half of one)."""
        write_atomic(self.root / _checked(key), data)

    def get(self, key: str) -> bytes | None:
        """Read the file, or None when it is not there."""
        try:
            return (self.root / _checked(key)).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StorageError(f"storage {self.root}: cannot read {key}: {error.strerror}") from None

    def check(self) -> None:
        """The folder exists (made if missing) and is writable."""
        try:
            ensure_directory(self.root)
        except ReportgenError as error:
            raise StorageError(str(error)) from None
        if not _writable(self.root):
            raise StorageError(f"storage {self.root}: not writable")

    def __repr__(self) -> str:
        return f"FileStorage({self.root})"


class S3Storage:
    """Objects in a bucket of an S3-compatible store (AWS S3, MinIO, Ceph…), through boto3.

    Credentials come from boto3's usual places (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a
    profile, an instance role), never from the URL, so they stay out of configuration dumps.
    """

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None, region: str | None = None):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        # Bounded, so a dead store makes /readyz answer 503 quickly instead of hanging a worker.
        config = Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})
        self._client: Any = boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{_checked(key)}" if self.prefix else _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """PUT the object: S3 makes a whole object visible at once, never half of one."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"storage s3://{self.bucket}: cannot store {key}: {_reason(error)}") from None

    def get(self, key: str) -> bytes | None:
        """GET the object, or None when there is none."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            reply = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            body: bytes = reply["Body"].read()
            return body
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise StorageError(f"storage s3://{self.bucket}: cannot read {key}: {_reason(error)}") from None
        except BotoCoreError as error:
            raise StorageError(f"storage s3://{self.bucket}: cannot read {key}: {_reason(error)}") from None

    def check(self) -> None:
        """The bucket answers (HEAD bucket)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"storage s3://{self.bucket}: {_reason(error)}") from None

    def __repr__(self) -> str:
        return f"S3Storage(s3://{self.bucket}/{self.prefix}, endpoint={self.endpoint_url})"


def open_storage(url: str) -> Storage:
    """`file:///path` or `s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1`."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ConfigError(f"storage URL {url}: a file URL names a local folder (file:///path)")
        return FileStorage(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        if parts.username or parts.password:
            raise ConfigError(
                "storage URL: put S3 credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, not the URL"
            )
        if not parts.hostname:
            raise ConfigError(f"storage URL {url}: no bucket (s3://bucket/prefix)")
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        unknown = sorted(set(query) - {"endpoint", "region"})
        if unknown:
            raise ConfigError(f"storage URL {url}: unknown parameter {unknown[0]!r} (known: endpoint, region)")
        return S3Storage(parts.hostname, parts.path, endpoint_url=query.get("endpoint"), region=query.get("region"))
    raise ConfigError(f"storage URL {url}: scheme must be file or s3")


def _writable(folder: Path) -> bool:
    import os

    return os.access(folder, os.W_OK | os.X_OK)


def _reason(error: Exception) -> str:
    # botocore's messages name the operation and the code; never the credentials.
    return str(error).splitlines()[0][:200]
