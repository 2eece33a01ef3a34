"""The gateway interface and the default gateway that only records messages."""
from app.extensions import db
from app.models.notification import OutboundMessage
from app.security import pii
from app.security.redact import mask_numbers, without_secret


class Gateway:
    """Send a message to one recipient; subclasses implement `deliver` for a real provider."""

    channel = "sms"
    name = "base"

    def deliver(self, recipient: str, subject: str, body: str) -> None:
        """Hand the message to the provider; raise on failure."""
        raise NotImplementedError

    # True when the log row is the only delivery (it then keeps the full message, encrypted).
    seals = False

    def send(self, recipient: str, subject: str, body: str, secret: str | None = None) -> bool:
        """Deliver and log the attempt in the caller's transaction; failures are logged, not raised.

        The log keeps the phone masked and `secret` (a one-time code) starred out."""
        sms = self.channel == "sms"
        row = OutboundMessage(channel=self.channel, gateway=self.name,
                              recipient=(pii.mask_phone(recipient) if sms else recipient)[:255],
                              recipient_hash=pii.blind_index(recipient) if sms else None,
                              subject=subject[:255], body=mask_numbers(without_secret(body, secret)),
                              sealed=pii.encrypt(f"{recipient}\n{body}") if self.seals else None)
        try:
            self.deliver(recipient, subject, body)
        except Exception as exc:  # a provider outage must not undo the user's work
            error = without_secret(f"{type(exc).__name__}: {exc}", secret).replace(recipient, row.recipient)
            row.status, row.error = "failed", mask_numbers(error)[:2000]
        db.session.add(row)
        return row.status == "sent"


class LogGateway(Gateway):
    """Default gateway: the message is only recorded (admins read it under 消息日志), so demos work offline."""

    name = "log"
    seals = True

    def __init__(self, channel: str = "sms"):
        self.channel = channel

    def deliver(self, recipient: str, subject: str, body: str) -> None:
        """Nothing to hand over: the log row is the delivery."""
