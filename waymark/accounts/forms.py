"""Sign-in forms. Field names ``username`` and ``password`` are fixed: django-axes reads
``username`` from the POST, and the browser journeys fill both by name."""

from __future__ import annotations

import re

from django import forms

from waymark.accounts.rules import TOTP_DIGITS
from waymark.core.forms import GovUKForm

SIGN_IN_FAILED = "Enter a correct username and password"


class SignInForm(GovUKForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        error_messages={"required": "Enter your username"},
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=4096,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].strip = False  # a password is exactly what was typed


class SecurityCodeForm(GovUKForm):
    code = forms.CharField(
        label="Security code",
        max_length=20,
        error_messages={"required": "Enter the security code from your authenticator app"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not code.isdigit() or len(code) != TOTP_DIGITS:
            raise forms.ValidationError(f"Enter the {TOTP_DIGITS}-digit security code")
        return code


class UnlockForm(GovUKForm):
    username = forms.CharField(
        max_length=150,
        widget=forms.HiddenInput,
        error_messages={"required": "Choose the account to unlock"},
    )
    reason = forms.CharField(
        label="Why are you unlocking this account?",
        max_length=500,
        error_messages={
            "required": "Enter why you are unlocking this account",
            "max_length": "Reason must be 500 characters or fewer",
        },
        widget=forms.Textarea(attrs={"rows": 2}),
    )
