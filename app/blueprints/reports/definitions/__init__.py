"""Report definitions: importing this package registers every report module in it."""
from app.blueprints.reports.definitions import (  # noqa: F401
    credit_records, key_groups, moves_monthly, population, ticket_sla, usage, visit_coverage)
