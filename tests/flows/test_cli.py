"""``veldwerk questionnaire publish|try`` (the flows' commands) as a staff member runs them, and the startup check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager

from app.config import Settings
from app.main import create_app
from tests.fixtures.surveys import MINI


def veldwerk(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "VELDWERK_DATABASE_URL": settings.database_url,
        "VELDWERK_SECRET_KEY": settings.secret_key.get_secret_value(),
        "VELDWERK_QUESTIONNAIRES_DIR": str(settings.questionnaires_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def write(settings: Settings, text: str) -> Path:
    path = settings.questionnaires_dir / "mini" / "1.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_publish_then_edit_is_refused(settings: Settings) -> None:
    write(settings, MINI)
    first = veldwerk(settings, "questionnaire", "publish", "mini/1")
    assert first.returncode == 0, first.stderr
    assert "mini/1: published" in first.stdout
    again = veldwerk(settings, "questionnaire", "publish", "mini/1")
    assert "already published, unchanged" in again.stdout
    write(settings, MINI.replace("Dank u wel.", "Dank!"))
    edited = veldwerk(settings, "questionnaire", "publish", "mini/1")
    assert edited.returncode == 1
    assert "already published and cannot change" in edited.stderr
    listed = veldwerk(settings, "questionnaire", "versions")
    assert listed.stdout.count("mini/1") == 1


def test_broken_file_fails_with_file_line_and_reason(settings: Settings) -> None:
    path = write(
        settings, MINI.replace("response_from: q_count", "response_from: q_nowhere")
    )
    result = veldwerk(settings, "questionnaire", "publish", str(path))
    assert result.returncode == 1
    assert f"{path}:" in result.stderr and "q_nowhere" in result.stderr


@pytest.mark.asyncio
async def test_app_refuses_to_start_with_a_broken_file(settings: Settings) -> None:
    write(settings, MINI.replace("type: scale", "type: scael"))
    app = create_app(
        settings.model_copy(update={"check_questionnaires_on_startup": True})
    )
    with pytest.raises(RuntimeError, match=r"mini/1.yaml:\d+"):
        async with LifespanManager(app):
            pass


def test_try_prints_a_test_link_for_a_draft(settings: Settings) -> None:
    path = write(settings, MINI)
    result = veldwerk(
        settings, "questionnaire", "try", str(path), "--attr", "function=raadslid"
    )
    assert result.returncode == 0, result.stderr
    assert "Proefinvulling (telt nooit mee): http" in result.stdout
    assert "/s/" in result.stdout
    listed = veldwerk(settings, "questionnaire", "versions")
    assert "mini/1" not in listed.stdout  # a draft is no version
    broken = write(settings, MINI.replace("type: scale", "type: scael"))
    refused = veldwerk(settings, "questionnaire", "try", str(broken))
    assert refused.returncode == 1 and f"{broken}:" in refused.stderr
