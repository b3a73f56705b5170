"""The login form under an enumerating attacker (issue #16): whatever name is typed, however many failures came
before, a real account's name gets exactly the answer any other string gets — status, message and whether it is
told to wait. Any text the browser can send is tried as the other name and as the password."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from support.hostile import fast_user, fuzz, hostile_text, ran
from support.web import csrf_token

FORM_TEXT = hostile_text(nul=True, surrogates=False)
# A name with NUL is refused as a bad request (400) before any login work: that says something about the text typed,
# not about the accounts, so the names compared carry none (the password may).
NAME_TEXT = hostile_text(nul=False, surrogates=False)


@pytest.fixture
def known(database):
    return fast_user(database, "operator")["username"]


def _answer(client, token: str, username: str, password: str) -> tuple:
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    message = re.search(r'id="login-error">([^<]*)<', response.get_data(as_text=True))
    return response.status_code, message.group(1) if message else "", "Retry-After" in response.headers


@fuzz(0.3)  # up to 16 scrypt checks an example
@given(other=NAME_TEXT, password=FORM_TEXT, failures=st.integers(min_value=0, max_value=7))
def test_a_real_name_answers_like_any_other_text_after_any_number_of_failures(app, client, known, other, password,
                                                                             failures):
    token = csrf_token(client, "/login")
    answers = []
    for name in (known, other if other.strip().lower() != known else other + "x"):
        app.server.extensions["qcorner_limiter"].reset()  # each name starts from the same count
        for _ in range(failures):
            _answer(client, token, name, password)
        answers.append(_answer(client, token, name, password))
    assert answers[0] == answers[1], (other, failures, answers)
    assert answers[0][0] in (400, 401, 429)
    ran("page /login (known name vs any text)")
