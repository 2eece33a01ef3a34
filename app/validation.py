"""Validation failures raised by services and shown next to form fields."""


class Invalid(Exception):
    """A service refused its input; `errors` maps field names ('' for the whole form) to Chinese messages."""

    def __init__(self, errors: dict[str, list[str] | str] | str):
        if isinstance(errors, str):
            errors = {"": [errors]}
        self.errors = {field: [msgs] if isinstance(msgs, str) else list(msgs) for field, msgs in errors.items()}
        super().__init__("; ".join(m for msgs in self.errors.values() for m in msgs))

    def attach(self, form) -> list[str]:
        """Put field messages on the form's fields; return the messages that belong to no field."""
        general = []
        for field, messages in self.errors.items():
            target = getattr(form, field, None) if field else None
            if target is not None and hasattr(target, "errors"):
                target.errors = list(target.errors) + messages
            else:
                general.extend(messages)
        return general
