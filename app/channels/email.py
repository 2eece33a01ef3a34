"""E-mail over SMTP, used when PORTAL_SMTP_HOST is configured."""
import smtplib
from email.message import EmailMessage

from app.channels.base import Gateway


class SmtpGateway(Gateway):
    """Plain SMTP with optional STARTTLS and login."""

    channel = "email"
    name = "smtp"

    def __init__(self, config):
        self.host = config["SMTP_HOST"]
        self.port = int(config.get("SMTP_PORT") or 25)
        self.user = config.get("SMTP_USER")
        self.password = config.get("SMTP_PASSWORD")
        self.sender = config.get("SMTP_FROM") or "portal@localhost"
        self.starttls = bool(config.get("SMTP_STARTTLS"))

    def deliver(self, recipient: str, subject: str, body: str) -> None:
        """Send one message, failing within 10 seconds when the server does not answer."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, recipient, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)
