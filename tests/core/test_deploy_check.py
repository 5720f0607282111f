"""`enishi check --deploy` passes with the production settings documented in operations.md."""

import os
import subprocess
import sys

PRODUCTION = {
    "ENISHI_SECRET_KEY": "k" * 20 + "-production-secret-from-the-environment-0123456789",
    "ENISHI_ALLOWED_HOSTS": "iga-shu.example.jp",
    "ENISHI_CSRF_TRUSTED_ORIGINS": "https://iga-shu.example.jp",
    "ENISHI_HTTPS": "1",
    "ENISHI_BEHIND_HTTPS_PROXY": "1",
    "EMAIL_URL": "smtp://enishi:secret@mail.example.jp:587?tls=1",
}


def run_check(extra: dict, var_dir) -> subprocess.CompletedProcess:
    # Only what the documented production environment sets (the browser tests' event loop
    # sets DJANGO_ALLOW_ASYNC_UNSAFE in this process, which a deployment must never have).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ENISHI_", "DJANGO_", "DATABASE_URL", "EMAIL_URL"))
    }
    env.update(extra, ENISHI_VAR_DIR=str(var_dir))
    return subprocess.run(
        [sys.executable, "-m", "enishi", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run_check(PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_catches_a_missing_https_setup(tmp_path):
    result = run_check({k: v for k, v in PRODUCTION.items() if k != "ENISHI_HTTPS"}, tmp_path)
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stdout + result.stderr
