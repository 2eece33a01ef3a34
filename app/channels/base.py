"""The gateway interface and the default gateway that only records messages."""
from app.extensions import db
from app.models.notification import OutboundMessage


class Gateway:
    """Send a message to one recipient; subclasses implement `deliver` for a real provider."""

    channel = "sms"
    name = "base"

    def deliver(self, recipient: str, subject: str, body: str) -> None:
        """Hand the message to the provider; raise on failure."""
        raise NotImplementedError

    def send(self, recipient: str, subject: str, body: str) -> bool:
        """Deliver and log the attempt in the caller's transaction; failures are logged, not raised."""
        row = OutboundMessage(channel=self.channel, gateway=self.name, recipient=recipient[:255],
                              subject=subject[:255], body=body)
        try:
            self.deliver(recipient, subject, body)
        except Exception as exc:  # a provider outage must not undo the user's work
            row.status, row.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        db.session.add(row)
        return row.status == "sent"


class LogGateway(Gateway):
    """Default gateway: the message is only recorded (admins read it under 消息日志), so demos work offline."""

    name = "log"

    def __init__(self, channel: str = "sms"):
        self.channel = channel

    def deliver(self, recipient: str, subject: str, body: str) -> None:
        """Nothing to hand over: the log row is the delivery."""
