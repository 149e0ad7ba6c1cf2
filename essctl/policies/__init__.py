"""RAM policy documents: building and comparing them, and evaluating what a set of them allows."""
