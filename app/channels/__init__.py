"""Outgoing channels (SMS, e-mail) behind one small interface each; every message is logged."""
from importlib import import_module

from flask import current_app

from app.channels.base import Gateway, LogGateway
from app.channels.email import SmtpGateway


def _load(spec: str, channel: str) -> Gateway:
    """'log', 'smtp', or 'package.module:Class' for a real provider."""
    if spec == "log":
        return LogGateway(channel)
    if spec == "smtp":
        return SmtpGateway(current_app.config)
    module, _, name = spec.partition(":")
    return getattr(import_module(module), name)(current_app.config)


def sms_gateway() -> Gateway:
    """The configured SMS gateway (PORTAL_SMS_GATEWAY; default: the log table an admin can read)."""
    return _load(current_app.config.get("SMS_GATEWAY", "log"), "sms")


def email_gateway() -> Gateway:
    """SMTP when PORTAL_SMTP_HOST is set, else the log table."""
    return _load("smtp" if current_app.config.get("SMTP_HOST") else "log", "email")


def send_sms(phone: str, text: str, *, secret: str | None = None) -> bool:
    """Send one SMS; True when the gateway accepted it. Never raises: failures are logged.

    `secret` is a one-time code inside the text: it reaches the phone but never the message log."""
    return sms_gateway().send(phone, "", text, secret=secret)


def send_email(address: str, subject: str, text: str) -> bool:
    """Send one e-mail; True when accepted."""
    return email_gateway().send(address, subject, text)
