"""`reportgen serve --check` and `reportgen worker` as commands: one line and an exit code, never a secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPORTGEN = str(Path(sys.executable).parent / "reportgen")
SECRETS = {
    "PAVE_API_KEY": "pave-key-HIDDEN1",
    "PAVE_API_SECRET": "pave-secret-HIDDEN2",
    "PAVE_USERNAME": "fleet",
    "REPORTGEN_API_TOKENS": "api-token-HIDDEN3-0000",
    "REPORTGEN_CALLBACK_SECRET": "callback-HIDDEN4",
    "REPORTGEN_SMTP_URL": "smtp://user:smtp-HIDDEN5@127.0.0.1:2525",
    "REPORTGEN_MAIL_FROM": "desk@example.com",
}


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PAVE_", "REPORTGEN_"))}
    return subprocess.run([REPORTGEN, *args], env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_check_prints_the_configuration_without_a_secret(tmp_path: Path) -> None:
    result = run("serve", "--check", "--data-dir", str(tmp_path / "data"), env=SECRETS)
    assert result.returncode == 0, result.stderr
    assert "configuration OK" in result.stdout and "API tokens: 1" in result.stdout
    assert "HIDDEN" not in result.stdout + result.stderr
    assert (tmp_path / "data").is_dir()


def test_check_refuses_what_cannot_work_in_one_line(tmp_path: Path) -> None:
    no_credentials = {k: v for k, v in SECRETS.items() if not k.startswith("PAVE_")}
    for env, says in [
        (no_credentials, "PAVE credentials are missing"),
        ({**SECRETS, "REPORTGEN_API_TOKENS": "", "REPORTGEN_CALLBACK_SECRET": ""}, "nothing may use the API"),
        ({**SECRETS, "REPORTGEN_QUEUE_URL": "amqp://127.0.0.1"}, "scheme 'amqp' not supported"),
    ]:
        result = run("serve", "--check", "--data-dir", str(tmp_path / "data"), env=env)
        assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
        assert says in result.stderr and "Traceback" not in result.stderr and "HIDDEN" not in result.stderr
    typo = tmp_path / "reportgen.toml"
    typo.write_text("[workers]\ncuont = 3\n", encoding="utf-8")
    result = run("serve", "--check", "--config", str(typo), env=SECRETS)
    assert result.returncode == 1 and "unknown key 'cuont' in [workers]" in result.stderr


def test_a_redis_that_is_not_there_is_named_by_check(tmp_path: Path) -> None:
    from ..support.service import free_port

    env = {**SECRETS, "REPORTGEN_QUEUE_URL": f"redis://:redis-HIDDEN6@127.0.0.1:{free_port()}/0"}
    result = run("serve", "--check", "--data-dir", str(tmp_path / "data"), env=env)
    assert result.returncode == 1 and "queue cannot be used" in result.stderr
    assert "HIDDEN" not in result.stderr
