"""Report storage: a local folder and an S3-compatible store (moto's server on 127.0.0.1), the same contract."""

from __future__ import annotations

import uuid
from pathlib import Path

import boto3
import pytest

from reportgen.errors import ConfigError
from reportgen.service.storage import FileStorage, S3Storage, StorageError, open_storage


@pytest.fixture
def bucket(s3_endpoint: str, s3_credentials: None) -> str:
    name = f"reports-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


def exercise(storage: FileStorage | S3Storage) -> None:
    storage.check()
    assert storage.get("job-1/report.pdf") is None
    storage.put("job-1/report.pdf", b"%PDF-1.7 first", "application/pdf")
    storage.put("job-1/report.pdf", b"%PDF-1.7 second", "application/pdf")
    assert storage.get("job-1/report.pdf") == b"%PDF-1.7 second"
    for bad in ("../escape", "/abs", "a/../../b", "", "a//b"):
        with pytest.raises(ValueError, match="not a storage key"):
            storage.put(bad, b"x", "text/plain")


def test_file_storage_keeps_objects_as_files(tmp_path: Path) -> None:
    storage = open_storage(f"file://{tmp_path / 'reports'}")
    assert isinstance(storage, FileStorage)
    exercise(storage)
    assert (tmp_path / "reports" / "job-1" / "report.pdf").read_bytes() == b"%PDF-1.7 second"
    assert [p.name for p in (tmp_path / "reports" / "job-1").iterdir()] == ["report.pdf"]  # no temporary left


def test_file_storage_that_cannot_be_made_is_not_ready(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("someone's file", encoding="utf-8")
    with pytest.raises(StorageError, match="a-file"):
        FileStorage(tmp_path / "a-file" / "reports").check()
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "someone's file"


def test_s3_storage_against_a_real_server(s3_endpoint: str, bucket: str) -> None:
    storage = open_storage(f"s3://{bucket}/prefix/x?endpoint={s3_endpoint}&region=us-east-1")
    assert isinstance(storage, S3Storage)
    exercise(storage)
    raw = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    stored = raw.get_object(Bucket=bucket, Key="prefix/x/job-1/report.pdf")
    assert stored["ContentType"] == "application/pdf" and stored["Body"].read() == b"%PDF-1.7 second"


def test_s3_storage_names_a_missing_bucket_and_a_dead_endpoint(s3_endpoint: str, s3_credentials: None) -> None:
    with pytest.raises(StorageError, match="s3://no-such-bucket"):
        open_storage(f"s3://no-such-bucket?endpoint={s3_endpoint}&region=us-east-1").check()
    from ..support.service import free_port

    dead = open_storage(f"s3://b?endpoint=http://127.0.0.1:{free_port()}&region=us-east-1")
    with pytest.raises(StorageError, match="s3://b"):
        dead.check()


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("s3://key:secret@bucket", "AWS_ACCESS_KEY_ID"),
        ("s3://bucket?endpont=http://x", "unknown parameter 'endpont'"),
        ("file://elsewhere/x", "local folder"),
        ("gs://bucket", "file or s3"),
    ],
)
def test_storage_urls_are_checked(url: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named) as caught:
        open_storage(url)
    assert "secret" not in str(caught.value)
