"""Steps a person takes in the browser, shared by the browser tests."""

import base64
import time

from django_otp.oath import totp

from accounts.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET


def demo_code(offset_steps: int = 0) -> str:
    key = base64.b32decode(DEMO_TOTP_SECRET)
    return f"{totp(key, step=30, t0=0, digits=6, drift=offset_steps):06d}"


def wait_for_fresh_step():
    """A code is refused if reused in its time step: wait for the next one when needed."""
    time.sleep(30 - (time.time() % 30) + 0.5)


def sign_in(page, email: str, password: str = DEMO_PASSWORD):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app, or a backup code").fill(demo_code())
    page.get_by_role("button", name="Verify").click()
