"""Access control, region scoping, audit, passwords and request hardening."""
