"""The conformance summary: what the corpus holds and how much of it conforms."""
from tests.conformance.capture import Corpus


def summary_lines(corpus: Corpus) -> list[str]:
    return [f"captured {len(corpus.requests)} requests essctl or a test sent, {len(corpus.received)} the sandbox "
            f"received, {len(corpus.bodies)} bodies and {len(corpus.errors)} error answers it served"]
