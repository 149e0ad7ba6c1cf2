"""Following a scaling activity or an OOS execution until it ends."""
