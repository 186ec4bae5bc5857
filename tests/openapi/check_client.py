#!/usr/bin/env python3
"""Check that openapi-python-client reads our OpenAPI document completely.

Generates a Python client from the document into a temporary directory and fails
(exit status 1) when

  * the generator reports anything: every warning it prints means a schema, a
    response or a whole operation is missing from the generated client; or
  * an operation of the document has no generated function: openapi-python-client
    writes each operation to `<package>/api/<first tag>/<operationId>.py`
    (both names snake_cased); or
  * an operation has no operationId (the generator would invent a name for it).

Usage (from the repository root; `deploy/local/test` runs it after the cargo
tests, and `deploy/local/test openapi-client` runs it alone):
    python3 tests/openapi/check_client.py [DOCUMENT] [--generator CMD] [--keep DIR]

DOCUMENT defaults to tests/snapshots/openapi.json, the snapshot test's copy of the
document the server serves (the snapshot test keeps them equal). The generator is
taken from --generator, else $OPENAPI_PYTHON_CLIENT, else `openapi-python-client`
on PATH (pinned: `pip install openapi-python-client==0.29.1`). Exit status: 0
clean, 1 problems found, 2 the check could not run.

Only the standard library is used; the generator is run as a subprocess.
"""

from __future__ import annotations

import argparse
import builtins
import json
import keyword
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_DOCUMENT = Path("tests/snapshots/openapi.json")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Generator configuration (written to a temporary config file).
GENERATOR_CONFIG = {
    # The generator understands JSON, text/*, and application/octet-stream bodies
    # only; any other response media type is dropped with a warning. Binary
    # responses are read as bytes (a `File`) through this mapping. A new binary
    # media type must be added here on purpose, so the check fails until it is.
    "content_type_overrides": {
        "application/pdf": "application/octet-stream",
        # The CSV export's answer and the import's body (the server also takes
        # application/octet-stream for the import).
        "text/csv": "application/octet-stream",
        # The company logo, PNG or JPEG as uploaded.
        "image/*": "application/octet-stream",
    },
    # No formatting hooks: they need `ruff` and only print warnings without it.
    "post_hooks": [],
}


# --- Names, as openapi-python-client 0.29 derives them (openapi_python_client/strings.py) ---

_DELIMITERS = r"\. _-"
_RESERVED = (set(dir(builtins)) | {"self", "true", "false", "datetime"}) - {"id"}


def _snake_case(value: str) -> str:
    value = "".join(c for c in value if c.isidentifier() or c.isdecimal() or c in _DELIMITERS)
    if any(c.isupper() for c in value):
        value = " ".join(re.split("([A-Z]?[a-z]+)", value))
    return "_".join(re.findall(rf"[^{re.escape(_DELIMITERS)}]+", value)).lower()


def python_identifier(value: str, prefix: str) -> str:
    """The module / directory name the generator uses for `value`."""
    cleaned = "".join(c for c in value if c.isidentifier() or c.isdecimal() or c in _DELIMITERS)
    name = _snake_case(cleaned)
    if name in _RESERVED or keyword.iskeyword(name):
        name += "_"
    if not name.isidentifier() or cleaned.startswith("_"):
        name = prefix + name
    return name


# --- The document ---


def load_document(path: Path) -> dict:
    document = json.loads(path.read_text(encoding="utf-8"))
    # The snapshot leaves the server list out (it carries the test's random port);
    # an older snapshot nulled it, which the generator rejects outright.
    if "servers" in document and document["servers"] is None:
        del document["servers"]
    return document


def expected_modules(document: dict) -> tuple[dict[str, str], list[str]]:
    """Maps each operationId to the module path expected under the package;
    also returns the operations that have no operationId."""
    expected: dict[str, str] = {}
    unnamed: list[str] = []
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operation_id = operation.get("operationId")
            if not operation_id:
                unnamed.append(f"{method.upper()} {path}")
                continue
            tag = (operation.get("tags") or ["default"])[0]
            expected[operation_id] = (
                f"api/{python_identifier(tag, 'tag')}/{python_identifier(operation_id, 'field_')}.py"
            )
    return expected, unnamed


# --- The generator ---


def generator_command(option: str | None) -> list[str]:
    command = shlex.split(option or os.environ.get("OPENAPI_PYTHON_CLIENT", "openapi-python-client"))
    if not command or shutil.which(command[0]) is None:
        print(f"check_client: generator not found: {command[:1]} (pip install openapi-python-client)", file=sys.stderr)
        sys.exit(2)
    return command


def run_generator(command: list[str], document: dict, workdir: Path) -> tuple[Path, list[str]]:
    """Generates the client; returns the package directory and the generator's
    complaints (empty when it ran clean)."""
    document_path = workdir / "openapi.json"
    document_path.write_text(json.dumps(document), encoding="utf-8")
    config_path = workdir / "config.json"
    config_path.write_text(json.dumps(GENERATOR_CONFIG), encoding="utf-8")
    package = workdir / "client"  # with `--meta none` this is the package itself

    version = subprocess.run([*command, "--version"], capture_output=True, text=True)
    print(version.stdout.strip() or version.stderr.strip())

    result = subprocess.run(
        [
            *command, "generate",
            "--path", str(document_path),
            "--config", str(config_path),
            "--meta", "none",
            "--output-path", str(package),
            "--overwrite",
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        # Wide, colourless output so warnings are not wrapped or escaped.
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"},
    )
    # A clean run prints only "Generating <path>" on stdout and nothing on stderr.
    # Warnings go to both streams (a header on stdout, the details on stderr).
    complaints = [
        line for line in result.stdout.splitlines() if line.strip() and not line.startswith("Generating ")
    ]
    complaints += result.stderr.splitlines()
    if result.returncode != 0 and not complaints:
        complaints.append(f"generator exited with status {result.returncode}")
    return package, complaints


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("document", nargs="?", type=Path, default=DEFAULT_DOCUMENT)
    parser.add_argument("--generator", help="command that runs openapi-python-client")
    parser.add_argument("--keep", type=Path, help="copy the generated client here")
    args = parser.parse_args()

    try:
        document = load_document(args.document)
    except (OSError, ValueError) as err:
        print(f"check_client: cannot read {args.document}: {err}", file=sys.stderr)
        return 2
    expected, unnamed = expected_modules(document)
    command = generator_command(args.generator)

    with tempfile.TemporaryDirectory(prefix="check_client.") as tmp:
        package, complaints = run_generator(command, document, Path(tmp))
        missing = sorted(op for op, module in expected.items() if not (package / module).is_file())
        if args.keep and package.is_dir():
            shutil.copytree(package, args.keep, dirs_exist_ok=True)

    failed = False
    if complaints:
        failed = True
        print("\nThe generator reported problems (each one drops part of the client):\n")
        print("\n".join(complaints))
    if unnamed:
        failed = True
        print(f"\n{len(unnamed)} operation(s) without an operationId:")
        print("\n".join(f"  {op}" for op in unnamed))
    if missing:
        failed = True
        print(f"\n{len(missing)} operation(s) without a generated function:")
        print("\n".join(f"  {op}  (expected {expected[op]})" for op in missing))

    generated = len(expected) - len(missing)
    print(f"\n{generated}/{len(expected)} operations generated; {'FAILED' if failed else 'OK'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
