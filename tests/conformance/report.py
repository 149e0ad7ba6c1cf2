"""The conformance summary over a corpus: requests checked / passed by action, bodies checked / passed, error codes
documented / known exceptions, and every problem left.

    .venv/bin/python -m tests.conformance.report [CORPUS.json]

reads the corpus the last pytest session kept (.pytest_cache/d/conformance/corpus.json) and prints the same summary
the session printed; exit status 1 when a problem is left."""
from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tests.conformance import checks, known
from tests.conformance import reference as ref
from tests.conformance.capture import REPO, Corpus

SANDBOX = REPO / "essctl" / "sandbox"
DEFAULT_CORPUS = REPO / ".pytest_cache" / "d" / "conformance" / "corpus.json"
# What a check of a request reports for a value or a missing parameter (the real service refuses those); an unknown
# parameter is ignored by the gateway, so the sandbox need not refuse it.
REFUSED = re.compile(r"required and missing|is not one of|is outside|is not an? |is not JSON|items, at most")


@dataclass
class Tally:
    checked: int = 0
    passed: int = 0

    def add(self, ok: bool) -> None:
        self.checked += 1
        self.passed += ok


@dataclass
class Summary:
    requests: Tally = field(default_factory=Tally)                        # the ones essctl built
    requests_by_action: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    replayed: int = 0                                                      # of them answered from a tape
    aliased: Counter = field(default_factory=Counter)                      # ESS alias table uses
    test_requests: Tally = field(default_factory=Tally)                    # requests tests built themselves
    refused: Tally = field(default_factory=Tally)                          # invalid requests the sandbox refused
    bodies: Tally = field(default_factory=Tally)
    bodies_by_action: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    documented_fields: set[str] = field(default_factory=set)
    sdk_only_fields: set[str] = field(default_factory=set)
    answers: Tally = field(default_factory=Tally)                          # error answers served
    answer_codes: dict[str, str] = field(default_factory=dict)             # service:code -> where documented
    codes: Tally = field(default_factory=Tally)                            # codes the sandbox's source can emit
    codes_documented: set[str] = field(default_factory=set)
    codes_excepted: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    excepted: Counter = field(default_factory=Counter)                     # entry label -> problems it accepted
    exceptions: known.Exceptions | None = None


def _accept(exceptions: known.Exceptions, kind: str, service: str, action: str, problems: list[str],
            summary: Summary) -> list[str]:
    left = []
    for problem in problems:
        entry = exceptions.matching(kind, service, action, problem)
        if entry is None:
            left.append(problem)
        else:
            summary.excepted[entry.label] += 1
    return left


def sandbox_codes() -> dict[str, set[str]]:
    """code -> the services whose answers may carry it, read from the sandbox's source: ApiError("Code", ...), the
    missing_parameter / invalid_parameter helpers, and literal {"Code": ...} answers. Code under ess/, oos/ or
    ram/ answers for that service; the rest (server, signature, faults, params) for all three."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(SANDBOX.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        part = path.relative_to(SANDBOX).parts[0]
        services = {part} if part in ref.SERVICES else set(ref.SERVICES)
        codes = set(re.findall(r"ApiError\(\s*\"([^\"]+)\"", text)) | set(re.findall(r"\"Code\":\s*\"([^\"]+)\"", text))
        if re.search(r"\bmissing_parameter\(", text) and path.name != "errors.py":
            codes.add("MissingParameter")
        if re.search(r"\binvalid_parameter\(", text) and path.name != "errors.py":
            codes.add("InvalidParameter")
        for code in codes:
            found[code] |= services
    for code in ("MissingParameter", "InvalidParameter"):   # Params raises them for whichever service is called
        found[code] |= set(ref.SERVICES)
    return dict(found)


def evaluate(corpus: Corpus, exceptions: known.Exceptions | None = None) -> Summary:
    exceptions = exceptions or known.load()
    summary = Summary(exceptions=exceptions)
    for request in corpus.requests:
        result = checks.check_request(request.service, request.action, request.parameters, exceptions)
        key = f"{request.service}:{request.action}"
        if request.origin != "essctl":
            summary.test_requests.add(not result.problems)
            continue
        left = _accept(exceptions, "request", request.service, request.action, result.problems, summary)
        summary.requests.add(not left)
        summary.requests_by_action[key].add(not left)
        summary.replayed += request.replayed
        summary.aliased.update(f"{key} {name}" for name in result.aliased)
        summary.problems += [f"request {key} from {request.caller} ({request.test}): {p}" for p in left]
    for received in corpus.received:
        if received.service not in ref.SERVICES or ref.api(received.service, received.action) is None:
            continue
        result = checks.check_request(received.service, received.action, received.parameters, exceptions)
        invalid = [p for p in result.problems if REFUSED.search(p)]
        if invalid:
            summary.refused.add(received.status >= 400)
            if received.status < 400:
                summary.problems.append(f"the sandbox accepted {received.service}:{received.action} "
                                        f"({received.test}): {'; '.join(invalid)}")
    for body in corpus.bodies:
        result = checks.check_body(body.service, body.action, body.body, exceptions)
        key = f"{body.service}:{body.action}"
        left = _accept(exceptions, "body", body.service, body.action, result.problems, summary)
        summary.bodies.add(not left)
        summary.bodies_by_action[key].add(not left)
        summary.documented_fields |= {f"{key}.{name}" for name in result.documented}
        summary.sdk_only_fields |= {f"{key}.{name}" for name in result.sdk_only}
        summary.problems += [f"body {key} ({body.test}): {p}" for p in left]
    for answer in corpus.errors:
        result = checks.check_error(answer.service, answer.action, answer.code, answer.status, exceptions)
        summary.answers.add(not result.problems)
        if result.exception:
            summary.excepted[result.exception] += 1
        summary.answer_codes[f"{answer.service}:{answer.code}"] = result.exception and "known exception" \
            or result.documented
        summary.problems += [f"error {answer.service}:{answer.action} HTTP {answer.status} ({answer.test}): {p}"
                             for p in result.problems]
        if sorted(answer.fields) != ["Code", "HostId", "Message", "Recommend", "RequestId"]:
            summary.problems.append(f"error {answer.service}:{answer.action}: envelope {answer.fields} is not "
                                    "RequestId, HostId, Code, Message (+ Recommend)")
    for code, services in sorted(sandbox_codes().items()):
        for service in sorted(services):
            label = f"{service}:{code}"
            if exceptions.error_code(service, code, None) is not None:
                summary.codes_excepted.add(label)
                summary.codes.add(True)
            elif code in ref.product_errors(service):
                summary.codes_documented.add(label)
                summary.codes.add(True)
            else:
                summary.codes.add(False)
                summary.problems.append(f"the sandbox can answer {code} for {service}: no page documents it and "
                                        f"{known.TABLE.name} does not list it")
    return summary


def _tally(tally: Tally) -> str:
    return f"{tally.checked} checked, {tally.passed} passed"


def summary_lines(corpus: Corpus) -> list[str]:
    lines = [f"captured {len(corpus.requests)} requests essctl or a test sent, {len(corpus.received)} the sandbox "
             f"received, {len(corpus.bodies)} bodies and {len(corpus.errors)} error answers it served"]
    if not ref.available():
        return lines + [f"not checked: {ref.REFERENCE} is absent (a user's clone)"]
    summary = evaluate(corpus)
    entries = summary.exceptions.entries
    lines += [
        f"requests essctl sent: {_tally(summary.requests)} ({summary.replayed} replayed from tapes, "
        f"{sum(summary.aliased.values())} matched through the ESS alias table)",
        *(f"  {key}: {_tally(tally)}" for key, tally in sorted(summary.requests_by_action.items())),
        f"requests tests built themselves: {_tally(summary.test_requests)}; invalid ones the sandbox received: "
        f"{summary.refused.checked}, refused {summary.refused.passed}",
        f"bodies the sandbox served: {_tally(summary.bodies)} ({len(summary.documented_fields)} fields documented "
        f"by the pages, {len(summary.sdk_only_fields)} known to the 2022 SDK models only)",
        *(f"  {key}: {_tally(tally)}" for key, tally in sorted(summary.bodies_by_action.items())),
        f"error answers served: {_tally(summary.answers)}, codes "
        + ", ".join(f"{code} ({where})" for code, where in sorted(summary.answer_codes.items())),
        f"error codes the sandbox can answer: {summary.codes.checked} (code, service) pairs, "
        f"{len(summary.codes_documented)} documented, {len(summary.codes_excepted)} known exceptions, "
        f"{summary.codes.checked - summary.codes.passed} neither",
        f"known exceptions: {len(entries)} entries, {len(summary.exceptions.used)} used this session",
        f"problems: {len(summary.problems)}",
        *(f"  {problem}" for problem in summary.problems[:50]),
    ]
    return lines


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_CORPUS
    if not path.is_file():
        print(f"no corpus at {path}: run the test suite first (make test)", file=sys.stderr)
        return 2
    lines = summary_lines(Corpus.load(path))
    print("\n".join(lines))
    return 1 if any(line.startswith("problems: ") and line != "problems: 0" for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
