"""Steps a person takes in the browser, shared by the browser tests."""

import base64
import time

from django_otp.oath import totp

from devdata.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

_KEY = base64.b32decode(DEMO_TOTP_SECRET)
# A TOTP code is refused if it is used twice in its 30-second step: remember each login's step.
_last_step: dict[str, int] = {}


def demo_code() -> str:
    return f"{totp(_KEY, step=30, t0=0, digits=6):06d}"


def fresh_code_for(email: str) -> str:
    step = int(time.time() // 30)
    if _last_step.get(email) == step:
        time.sleep(30 - (time.time() % 30) + 0.5)
        step = int(time.time() // 30)
    _last_step[email] = step
    return demo_code()


def sign_in(page, email: str, password: str = DEMO_PASSWORD):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app, or a backup code").fill(fresh_code_for(email))
    page.get_by_role("button", name="Verify").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
