"""Settings that must not run in production: weak secret keys, refused in one
line at startup and in the CLI (app/config.py)."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import DEV_SECRET, MIN_SECRET_BITS, PROJECT_ROOT, Settings, secret_bits

WEAK = [
    "x",
    "   ",
    "",
    DEV_SECRET,
    "password1234" * 6,
    "a" * 200,
    "ab" * 60,
    "correct horse battery staple correct horse battery staple",
    "srUsW9yk-xoV7mpryb8ECn5uOLv42xTf",  # random, but only 24 bytes
]
"""Fixed values: pytest-xdist needs every worker to collect the same test ids."""


def production(key: str) -> Settings:
    return Settings(_env_file=None, environment="production", secret_key=key)  # type: ignore[call-arg, arg-type]


@pytest.mark.parametrize("key", WEAK)
def test_weak_keys_are_refused_in_production(key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        production(key)
    assert "VELDWERK_SECRET_KEY is too weak" in str(caught.value)
    assert "token_urlsafe(48)" in str(caught.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_urlsafe(48),
        lambda: secrets.token_hex(32),
        lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    ],
)
def test_random_keys_of_32_bytes_or_more_always_pass(make: object) -> None:
    for _ in range(500):
        key = make()  # type: ignore[operator]
        assert secret_bits(key) >= MIN_SECRET_BITS, key
    production(make())  # type: ignore[operator]


def test_weak_keys_are_fine_outside_production() -> None:
    Settings(_env_file=None, environment="development", secret_key="x")  # type: ignore[call-arg, arg-type]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VELDWERK_")}
    env.update(PYTHONPATH=str(PROJECT_ROOT), **extra)
    return env


@pytest.mark.parametrize("key", ["x", "   "])
def test_cli_and_server_refuse_a_weak_key_in_one_line(key: str, tmp_path: Path) -> None:
    env = _env(
        VELDWERK_ENVIRONMENT="production",
        VELDWERK_SECRET_KEY=key,
        VELDWERK_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x.db",
    )
    cli = subprocess.run(
        [sys.executable, "-m", "app.cli", "user", "list"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert cli.returncode == 1
    lines = cli.stderr.strip().splitlines()
    assert len(lines) == 1, cli.stderr
    assert "VELDWERK_SECRET_KEY is too weak for production" in lines[0]
    server = subprocess.run(
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:app_factory",
         "--port", "0"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert server.returncode != 0
    assert "Traceback" not in server.stderr, server.stderr
    assert "VELDWERK_SECRET_KEY is too weak for production" in server.stderr
