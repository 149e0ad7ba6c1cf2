"""What essctl does, independent of the terminal: functions that take a CloudSession and return data."""
