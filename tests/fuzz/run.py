#!/usr/bin/env python3
"""A bounded property-based fuzz of the API from its OpenAPI document, as two shops.

Against a running server (`deploy/local/test fuzz` starts one on a scratch database
and calls this), for each of two tenants in turn:

  1. the other tenant (the witness) gets data of every kind: a price edit, a
     client, a quote; everything it can read through the API is recorded;
  2. schemathesis (pinned by the caller) generates requests for every tenant
     operation from the served document, signed in as the fuzzed tenant's admin,
     and checks every answer: no 5xx (`not_a_server_error`) and every answer as
     the document says (`response_schema_conformance`, status codes, content
     types);
  3. the witness's data is read again and must be exactly what it was.

A well-formed `Idempotency-Key` is made fresh for each request (tests/fuzz/hooks.py).

Left out of the fuzz: the platform operations (they act across shops by design,
and take a platform key) and `auth_logout` (it would end the fuzzing session).

Usage: run.py --url URL --platform-key KEY --st PATH [--examples N] [--seed N]
Exit status 1 on any failure, naming it.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

# What the witness's data is compared on: every list a shop's admin can read.
WITNESS_READS = [
    "/api/v1/materials",
    "/api/v1/prices",
    "/api/v1/clients?include_archived=true",
    "/api/v1/quotes",
    "/api/v1/users",
    "/api/v1/price-history",
    "/api/v1/products",
    "/api/v1/colours",
    "/api/v1/labour-rates",
    "/api/v1/tax-rates",
    "/api/v1/webhooks",
    "/api/v1/settings/company",
    "/api/v1/settings/quotes",
]


def call(url, method="GET", token=None, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw)
        except ValueError:
            return err.code, raw.decode(errors="replace")


def expect(status, body, want, what):
    if status != want:
        sys.exit(f"fuzz set-up: {what} answered {status}: {body}")
    return body


def onboard(base, platform_key, slug):
    password = f"fuzz-{uuid.uuid4().hex}"
    email = f"admin@{slug}.test"
    expect(
        *call(
            f"{base}/api/v1/platform/tenants",
            "POST",
            platform_key,
            {"slug": slug, "name": f"Fuzz {slug}", "admin": {"email": email, "password": password}},
            {"Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
        f"onboarding {slug}",
    )
    login = expect(
        *call(f"{base}/api/v1/auth/login", "POST", body={"tenant": slug, "email": email, "password": password}),
        200,
        f"login to {slug}",
    )
    return login["token"]


def give_data(base, token):
    """A price edit, a client and a quote for the witness."""
    code = "VID-CLARO-4"
    status, _ = call(f"{base}/api/v1/prices/{code}", token=token)
    expect(status, None, 200, "reading a price")
    req = urllib.request.Request(f"{base}/api/v1/materials/{code}", method="GET")
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        etag = resp.headers["ETag"]
    expect(
        *call(f"{base}/api/v1/materials/{code}", "PATCH", token, {"price": "97.30"}, {"If-Match": etag}),
        200,
        "a price edit",
    )
    client = expect(
        *call(f"{base}/api/v1/clients", "POST", token, {"name": "Testigo S.A."}, {"Idempotency-Key": str(uuid.uuid4())}),
        201,
        "a client",
    )
    quote = {
        "client_id": client["id"],
        "items": [{"product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120", "quantity": 2,
                   "glass": "VID-CLARO-4", "colour": "NAT"}],
    }
    expect(
        *call(f"{base}/api/v1/quotes", "POST", token, quote, {"Idempotency-Key": str(uuid.uuid4())}),
        201,
        "a quote",
    )


def snapshot(base, token):
    seen = {}
    for path in WITNESS_READS:
        status, body = call(f"{base}{path}", token=token)
        # A read that fails would compare equal before and after: it must work.
        expect(status, body, 200, f"the witness reading {path}")
        seen[path] = body
    return seen


def fuzz(st, base, token, examples, seed, report):
    command = [
        st, "run", f"{base}/api/v1/openapi.json",
        "--url", base,
        "--header", f"Authorization: Bearer {token}",
        "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
        "--exclude-tag", "Platform",
        "--exclude-operation-id", "auth_logout",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(examples),
        "--seed", str(seed),
        # One worker: with two, Python 3.11 hit "AST constructor recursion depth
        # mismatch" inside hypothesis (its lambda descriptions are not thread-safe).
        "--workers", "1",
        "--generation-database", "none",
        "--request-timeout", "30",
        "--no-color",
        "--report", "junit",
        "--report-junit-path", report,
    ]
    hooks = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hooks.py")
    started = time.monotonic()
    result = subprocess.run(command, check=False, env={**os.environ, "SCHEMATHESIS_HOOKS": hooks})
    return result.returncode, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--platform-key", required=True)
    parser.add_argument("--st", required=True)
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--report-dir", default="target/fuzz")
    args = parser.parse_args()

    run = uuid.uuid4().hex[:8]
    tokens = {name: onboard(args.url, args.platform_key, f"fuzz-{name}-{run}") for name in ("a", "b")}
    for name in tokens:
        give_data(args.url, tokens[name])

    failures = []
    for fuzzed, witness in (("a", "b"), ("b", "a")):
        before = snapshot(args.url, tokens[witness])
        code, took = fuzz(
            args.st, args.url, tokens[fuzzed], args.examples, args.seed,
            f"{args.report_dir}/junit-{fuzzed}.xml",
        )
        print(f"fuzz as tenant {fuzzed}: schemathesis exit {code} in {took:.0f} s")
        if code != 0:
            failures.append(f"schemathesis found problems fuzzing as tenant {fuzzed} (report in {args.report_dir})")
        after = snapshot(args.url, tokens[witness])
        for path in WITNESS_READS:
            if before[path] != after[path]:
                failures.append(f"tenant {witness}'s {path} changed while fuzzing as tenant {fuzzed}")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    print("fuzz: no 5xx, no answer outside the document, the other shop's data unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
