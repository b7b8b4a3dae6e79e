"""The service's configuration: the file, the environment over it, typos refused by name, secrets hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.errors import ConfigError
from reportgen.service.config import Secret, TokenSet, load_config

TOKEN = "tok-0123456789abcdef"


def write(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "reportgen.toml"
    file.write_text(text, encoding="utf-8")
    return file


def test_defaults_put_the_queue_and_storage_under_the_data_folder(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'data_dir = "data"\n'), environ={})
    assert config.data_dir == tmp_path / "data"
    assert config.queue_url == f"sqlite://{tmp_path / 'data' / 'queue.sqlite3'}"
    assert config.storage_url == f"file://{tmp_path / 'data' / 'reports'}"
    assert config.credentials is None and not config.callback_secret and config.tokens.hashes == frozenset()
    assert config.brand(None).name == "default" and config.brand(None).email_to == ()


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        'queue_url = "sqlite:///from/file.db"\n[pave]\napi_key = "file-key"\n[callbacks]\nsecret = "file-secret"\n',
    )
    config = load_config(
        file,
        environ={
            "PAVE_API_KEY": "env-key",
            "REPORTGEN_QUEUE_URL": "redis://127.0.0.1:6390/0",
            "REPORTGEN_CALLBACK_SECRET": "env-secret",
            "REPORTGEN_API_TOKENS": f"{TOKEN}, {TOKEN}-2",
        },
    )
    assert config.credentials is not None and config.credentials.api_key == "env-key"
    assert config.queue_url == "redis://127.0.0.1:6390/0"
    assert config.callback_secret.matches("env-secret") and not config.callback_secret.matches("file-secret")
    assert config.tokens.accepts(TOKEN) and config.tokens.accepts(f"{TOKEN}-2") and not config.tokens.accepts("x" * 20)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("queu_url = 'redis://x'\n", "unknown key 'queu_url'"),
        ("[callbacks]\nsecrte = 'x'\n", "unknown key 'secrte' in [callbacks]"),
        ("[workers]\ncuont = 2\n", "unknown key 'cuont' in [workers]"),
        ("[brands.north]\nfile = 'b.toml'\nemail = ['a@example.com']\n", "unknown key 'email' in [brands.north]"),
        ("[workers]\ncount = 'many'\n", "workers.count must be a number"),
        ("queue_url = 'amqp://host'\n", "scheme 'amqp' not supported"),
        ("storage_url = 'ftp://host/x'\n", "scheme 'ftp' not supported"),
        ("[http]\napi_tokens = ['short']\n", "at least 16 characters"),
        ("default_brand = 'nowhere'\n", "default_brand 'nowhere'"),
        ("[brands.north]\nrates = 'gold'\n", "'gold' is not one of the [rates] tables"),
        ("[brands.north]\nemail_to = ['a@example.com']\n", "no mail.smtp_url"),
        ("[mail]\nsmtp_url = 'smtp://127.0.0.1:25'\n", "mail.from"),
    ],
)
def test_mistakes_are_refused_by_name(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), environ={})
    assert named in str(caught.value)
    assert str(tmp_path / "reportgen.toml") in str(caught.value)


def test_secrets_appear_nowhere(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        f"""
[pave]
api_key = "pave-key-SECRET1"
api_secret = "pave-secret-SECRET2"
username = "someone"
[http]
api_tokens = ["{TOKEN}SECRET3"]
[callbacks]
secret = "cb-SECRET4"
[mail]
smtp_url = "smtp://user:pw-SECRET5@127.0.0.1:2525"
from = "Desk <desk@example.com>"
""",
    )
    config = load_config(
        file,
        environ={
            "REPORTGEN_QUEUE_URL": "redis://:redis-SECRET6@127.0.0.1:6390/0",
            "REPORTGEN_STORAGE_URL": "s3://u:p%40SECRET7@bucket/x",
        },
    )
    shown = repr(config) + "\n".join(config.describe()) + str(config.callback_secret)
    assert "SECRET" not in shown
    assert "queue: redis://:***@127.0.0.1:6390/0" in config.describe()


def test_a_broken_brand_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "north.toml").write_text("colour = 'red'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="north.toml: unknown key 'colour'"):
        load_config(write(tmp_path, "[brands.north]\nfile = 'north.toml'\n"), environ={})


def test_token_hashes_can_be_given_instead_of_tokens(tmp_path: Path) -> None:
    hashed = TokenSet.hash(TOKEN)
    config = load_config(write(tmp_path, f"[http]\napi_token_hashes = ['{hashed}']\n"), environ={})
    assert config.tokens.accepts(TOKEN) and not config.tokens.accepts(TOKEN + "x")


def test_secret_compares_in_constant_time_and_hides() -> None:
    secret = Secret("abc")
    assert secret.matches("abc") and not secret.matches("abd") and not secret.matches("")
    assert "abc" not in f"{secret} {secret!r}"
