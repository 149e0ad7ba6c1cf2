"""What ../shared/api-reference says about ESS, OOS and RAM, read into plain data (see its README.md):

- `api(service, action)`: the metadata of an API (openapi-meta/metadatas) with the en-US descriptions' valid values
  and ranges, where a description states them in a form that can be read without guessing;
- `page(service, action)`: the API's reference page (api-docs/<service>/<Api>.md, else .zh-CN.md): the response
  fields of its table and examples, and the error codes of its error table;
- `product_errors(service)`: every error code the product's pages document, with its HTTP status.

Only ESS and RAM have pages; OOS has metadata only."""
from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tests.support.cli import REPO

REFERENCE = Path(os.environ.get("ESSCTL_API_REFERENCE") or REPO.parent / "shared" / "api-reference")
META = REFERENCE / "openapi-meta"
DOCS = REFERENCE / "api-docs"
SERVICES = ("ess", "oos", "ram")


def available() -> bool:
    return (META / "metadatas" / "ess").is_dir() and (DOCS / "ess").is_dir()


# --- request metadata ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Constraint:
    """What an en-US description says a value may be."""

    values: tuple[str, ...] | None = None    # an enumeration
    low: int | None = None                   # a numeric range
    high: int | None = None
    max_items: int | None = None             # "Valid values of N: 1 to 20" for a RepeatList

    def __bool__(self) -> bool:
        return self != Constraint()


@dataclass
class Param:
    name: str
    type: str
    required: bool
    description: str = ""
    subs: dict[str, "Param"] = field(default_factory=dict)
    constraint: Constraint = Constraint()
    repeated: bool = False       # the metadata lists it as Name.1 ... Name.N (a list of strings)


@dataclass
class Api:
    service: str
    name: str
    params: dict[str, Param]


# Owner parameters the SDK sends when set; the metadata usually omits them (README, "How a test should use it").
OWNER_PARAMETERS = frozenset({"OwnerId", "OwnerAccount", "ResourceOwnerId", "ResourceOwnerAccount"})

_TOKEN = r"[A-Za-z0-9_.:\-]+"
_BULLET = re.compile(r"^\s*[*\-]\s+(.*)$")
_BULLET_TOKEN = re.compile(rf"^(?:\*\*|`)?({_TOKEN}?)(?:\*\*|`)?(?:\s*\(default\))?\s*(?::\s|：|$)")
_INLINE_TOKEN = re.compile(rf"^(?:\*\*|`)?({_TOKEN})(?:\*\*|`)?$")
_VALID = re.compile(r"(?:Valid values|Enumerated values)[ \t]*:[ \t]*", re.I)
_RANGE = re.compile(r"^(-?\d+)\s+to\s+(-?\d+)\b")
_COUNT = re.compile(r"Valid values of N\s*:\s*(\d+)\s+to\s+(\d+)", re.I)
_MAXIMUM = re.compile(r"Maximum value\s*:\s*(-?\d+)\b", re.I)
_MINIMUM = re.compile(r"Minimum value\s*:\s*(-?\d+)\b", re.I)
_NUMERIC = ("Integer", "Long")


def _enumeration(text: str) -> tuple[str, ...] | None:
    """The values listed right after "Valid values:": a bullet list whose every item starts with a clean token, or
    one sentence of tokens joined by commas and "and"/"or". Anything else is prose: no enumeration."""
    lines = text.split("\n")
    head = lines[0].strip()
    if head:   # inline: "Running, Started, and Skipped." / "`System` and `Custom`."
        sentence = re.split(r"\.(?:\s|$)", head, maxsplit=1)[0].strip()
        parts = [p.strip() for p in re.split(r",\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+", sentence) if p.strip()]
        tokens = [m.group(1) for p in parts if (m := _INLINE_TOKEN.match(p))]
        return tuple(tokens) if len(parts) >= 2 and len(tokens) == len(parts) else None
    values: list[str] = []
    for line in lines[1:]:
        if not line.strip():
            continue
        bullet = _BULLET.match(line)
        if not bullet:
            break
        token = _BULLET_TOKEN.match(bullet.group(1).strip())
        if not token or not token.group(1):
            return None
        values.append(token.group(1))
    return tuple(values) if len(values) >= 2 else None


def constraint_of(param_type: str, description: str) -> Constraint:
    """The machine-readable part of an en-US description (never a guess from prose)."""
    if not description:
        return Constraint()
    count = _COUNT.search(description)
    max_items = int(count.group(2)) if count else None
    values: tuple[str, ...] | None = None
    low = high = None
    found: set[tuple[str, ...]] = set()
    for match in _VALID.finditer(description):
        rest = description[match.end():]
        while (again := _VALID.match(rest)) is not None:   # "Valid values: Valid values:" (sic)
            rest = rest[again.end():]
        bounds = _RANGE.match(rest)
        if bounds and param_type in _NUMERIC:
            low, high = int(bounds.group(1)), int(bounds.group(2))
        elif param_type == "String" and (listed := _enumeration(rest)):
            found.add(listed)
    if len(found) == 1:   # two different lists in one description are conditional: read neither
        values = found.pop()
    if param_type in _NUMERIC:
        if high is None and (maximum := _MAXIMUM.search(description)):
            high = int(maximum.group(1))
        if low is None and (minimum := _MINIMUM.search(description)):
            low = int(minimum.group(1))
    return Constraint(values, low, high, max_items)


def _param(raw: dict, described: dict | None) -> Param:
    described = described or {}
    description = described.get("description") or raw.get("description") or ""
    subs_described = {s["name"]: s for s in described.get("sub_parameters") or []}
    subs = {s["name"]: _param(s, subs_described.get(s["name"])) for s in raw.get("sub_parameters") or []}
    return Param(raw["name"], raw["type"], bool(raw.get("required")), description, subs,
                 constraint_of(raw["type"], description))


@lru_cache(maxsize=None)
def api(service: str, action: str) -> Api | None:
    """The API's metadata, None when the product has no such API."""
    path = META / "metadatas" / service / f"{action}.json"
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    english = META / "en-US" / service / f"{action}.json"
    described = {p["name"]: p for p in json.loads(english.read_text(encoding="utf-8"))["parameters"]} \
        if english.is_file() else {}
    params: dict[str, Param] = {}
    repeated: dict[str, list[Param]] = {}
    for item in raw["parameters"]:
        base = re.fullmatch(r"(.+)\.(\d+)", item["name"])
        if base:   # ScalingGroupName.1 ... ScalingGroupName.20: one list of strings
            repeated.setdefault(base.group(1), []).append(_param(item, described.get(item["name"])))
            continue
        params[item["name"]] = _param(item, described.get(item["name"]))
    for name, items in repeated.items():
        key = f"{name}.N"
        params[key] = Param(name, "RepeatList", any(p.required for p in items), items[0].description,
                            repeated=True, constraint=Constraint(max_items=len(items)))
    return Api(service, action, params)


# --- reference pages -----------------------------------------------------------------------------------------------

@dataclass
class Field:
    name: str
    type: str
    example: str
    description: str
    values: tuple[str, ...] | None


@dataclass
class Page:
    service: str
    action: str
    paths: tuple[Path, ...]
    fields: dict[str, Field]                  # the response table, by name (the table does not show nesting)
    example_names: set[str]                   # every key of the JSON and XML response examples
    example_values: dict[str, set[str]]       # leaf values of the examples, by key
    errors: dict[str, set[int]]               # the page's error table: code -> HTTP statuses


_CODE = re.compile(r"[A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*")
_RESPONSE_HEADINGS = ("Response parameters", "返回数据", "返回参数")
_ERROR_HEADINGS = ("Error codes", "错误码")


def _sections(text: str) -> dict[str, str]:
    """Level-2 sections by heading text (anchors like {#x .section} dropped)."""
    parts = re.split(r"^##\s+(.+?)\s*$", text, flags=re.M)
    sections: dict[str, str] = {}
    for heading, body in zip(parts[1::2], parts[2::2]):
        sections[re.sub(r"\s*\{[^}]*\}\s*$", "", heading).strip()] = body
    return sections


def _rows(section: str) -> list[list[str]]:
    """Markdown table rows, where a cell may run over several lines until the next line that starts with '|'."""
    rows: list[str] = []
    for line in section.split("\n"):
        if line.startswith("|"):
            rows.append(line)
        elif rows and not line.startswith(("#", "```")):
            rows[-1] += "\n" + line
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _table(section: str) -> tuple[list[str], list[list[str]]]:
    """(header cells, data rows) of the first table in a section: the header is what stands above the |---| row."""
    rows = _rows(section)
    separator = next((i for i, row in enumerate(rows) if row and all(set(c) <= set("-: ") for c in row)), None)
    if separator is None:
        return [], []
    header = [c for row in rows[:separator] for c in row if c]
    return header, rows[separator + 1:]


_COLUMNS = {"name": ("Parameter", "名称"), "type": ("Type", "类型"), "example": ("Example", "Example value", "示例值"),
            "description": ("Description", "描述")}


def _response_fields(section: str) -> dict[str, Field]:
    header, rows = _table(section)
    column = {key: next((i for i, c in enumerate(header) if c in names), None) for key, names in _COLUMNS.items()}
    if column["name"] is None or column["type"] is None:
        return {}
    found: dict[str, Field] = {}
    for cells in rows:
        def cell(key: str) -> str:
            index = column[key]
            return cells[index] if index is not None and index < len(cells) else ""

        name = cell("name").lstrip("└").strip()
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name):
            continue
        description = cell("description")
        if column["description"] is not None:
            description = "|".join(cells[column["description"]:])
        values = _enumeration(_VALID.split(description, 1)[1]) if _VALID.search(description) else None
        found.setdefault(name, Field(name, cell("type"), _unescape(cell("example")), description, values))
    return found


def _examples(text: str) -> tuple[set[str], dict[str, set[str]]]:
    names: set[str] = set()
    values: dict[str, set[str]] = {}

    def walk(item: object) -> None:
        if isinstance(item, dict):
            for key, value in item.items():
                names.add(key)
                if isinstance(value, (dict, list)):
                    walk(value)
                else:
                    values.setdefault(key, set()).add(json.dumps(value) if not isinstance(value, str) else value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    def walk_xml(element: ET.Element) -> None:
        for child in element:
            names.add(child.tag)
            if len(child):
                walk_xml(child)
            elif child.text is not None:
                values.setdefault(child.tag, set()).add(child.text.strip())

    for block in re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S):
        stripped = block.strip()
        if stripped.startswith("{"):
            try:
                walk(json.loads(stripped))
            except ValueError:
                continue
        elif stripped.startswith("<") and "Response>" in stripped:
            try:
                walk_xml(ET.fromstring(re.sub(r"^<\?xml[^>]*>", "", stripped)))
            except ET.ParseError:
                continue
    return names, values


def _error_table(section: str) -> dict[str, set[int]]:
    """The codes of an error table, in either layout the pages use: one row a line (code, message, status,
    description), or one cell a line (status, code, message, description)."""
    found: dict[str, set[int]] = {}
    header, rows = _table(section)
    if not any(c in ("Error code", "错误码") for c in header):
        return found
    status: int | None = None
    for row in rows:
        codes = [c for c in row if _CODE.fullmatch(c)]
        statuses = [int(c) for c in row if re.fullmatch(r"\d{3}", c)]
        if len(codes) == 1 and len(statuses) == 1:      # one row a line
            found.setdefault(codes[0], set()).add(statuses[0])
            continue
        for cell in row:                                # one cell a line: the status comes first
            if re.fullmatch(r"\d{3}", cell):
                status = int(cell)
            elif _CODE.fullmatch(cell):
                found.setdefault(cell, set()).update({status} if status else set())
    return found


@lru_cache(maxsize=None)
def page(service: str, action: str) -> Page | None:
    paths = tuple(p for p in (DOCS / service / f"{action}.md", DOCS / service / f"{action}.zh-CN.md") if p.is_file())
    if not paths:
        return None
    fields: dict[str, Field] = {}
    names: set[str] = set()
    values: dict[str, set[str]] = {}
    errors: dict[str, set[int]] = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for heading, body in _sections(text).items():
            if heading in _RESPONSE_HEADINGS:
                for name, found in _response_fields(body).items():
                    fields.setdefault(name, found)
            elif heading in _ERROR_HEADINGS:
                for code, statuses in _error_table(body).items():
                    errors.setdefault(code, set()).update(statuses)
        more_names, more_values = _examples(text)
        names |= more_names
        for key, seen in more_values.items():
            values.setdefault(key, set()).update(seen)
    return Page(service, action, paths, fields, names, values, errors)


def _common_tables(path: Path) -> dict[str, set[int]]:
    """ESS's error-code pages: |message|code|description|status| or |code|message|status|description|."""
    found: dict[str, set[int]] = {}
    for cells in _rows(path.read_text(encoding="utf-8")):
        codes = [c for c in cells if _CODE.fullmatch(c) and not c.isdigit()]
        statuses = [int(c) for c in cells if re.fullmatch(r"\d{3}", c)]
        if len(codes) == 1 and statuses and codes[0] not in ("Error", "HTTP"):
            found.setdefault(codes[0], set()).update(statuses)
    return found


def _ram_error_messages(path: Path) -> dict[str, set[int]]:
    """RAM's _ErrorMessages.md: **Code** (or a "## Code" heading), then "HTTP status: N"."""
    found: dict[str, set[int]] = {}
    text = path.read_text(encoding="utf-8")
    marks = list(re.finditer(r"^(?:\*\*(.+)\*\*[ \t]*$|##\s+([A-Z][A-Za-z0-9.]+)\s*\{)", text, flags=re.M))
    for index, mark in enumerate(marks):
        names = [n for n in (mark.group(1) or mark.group(2)).split("****") if _CODE.fullmatch(n)]
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        status = re.search(r"HTTP status\s*[:：]\s*(\d{3})", text[mark.end():end], flags=re.I)
        section = re.findall(r"^## HTTP status (\d{3})", text[:mark.start()], flags=re.M)
        value = int(status.group(1)) if status else int(section[-1]) if section else None
        for name in names:
            found.setdefault(name, set()).update({value} if value else set())
    return found


@lru_cache(maxsize=None)
def common_errors(service: str) -> dict[str, set[int]]:
    """The product-wide error pages: ESS's client, server and common codes; RAM's error messages."""
    found: dict[str, set[int]] = {}
    if service == "ess":
        for name in ("_ErrorCodes-ClientErrors.md", "_ErrorCodes-ServerErrors.md", "_ResponseResults.md"):
            for code, statuses in _common_tables(DOCS / "ess" / name).items():
                found.setdefault(code, set()).update(statuses)
    elif service == "ram":
        found = _ram_error_messages(DOCS / "ram" / "_ErrorMessages.md")
        if "InvalidParameter" in (DOCS / "ram" / "_Responses.md").read_text(encoding="utf-8"):
            found.setdefault("InvalidParameter", set()).add(400)   # the error example of _Responses.md
    return found


@lru_cache(maxsize=None)
def product_errors(service: str) -> dict[str, set[int]]:
    """Every code any page of the product documents (common pages and every API's table)."""
    found = {code: set(statuses) for code, statuses in common_errors(service).items()}
    folder = DOCS / service
    if folder.is_dir():
        for path in folder.glob("*.md"):
            if path.name.startswith("_"):
                continue
            found_page = page(service, path.name.split(".")[0])
            for code, statuses in (found_page.errors if found_page else {}).items():
                found.setdefault(code, set()).update(statuses)
    return found
