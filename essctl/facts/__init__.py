"""Facts about the services, each in one place: limits, enums, names, ARN formats and the state tables."""
