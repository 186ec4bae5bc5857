"""Schemathesis hooks for tests/fuzz/run.py (loaded through SCHEMATHESIS_HOOKS).

An `Idempotency-Key` names one request: the server answers a second, different
request with the same key 422 `idempotency_key_reused`. Schemathesis draws keys from
the documented pattern, and its coverage phase sends the same few keys with many
different bodies, so most of those requests would be refused for the reuse alone,
hiding what they test. A well-formed key is therefore made fresh for each request,
as a real client does; a malformed one (a negative case) is sent as drawn.
"""

import re
import uuid

import schemathesis

# The document's pattern (src/http/openapi_checks.rs IDEMPOTENCY_KEY_PATTERN).
WELL_FORMED_KEY = re.compile(r"^[\x21-\x7E]{1,255}$")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and isinstance(headers[name], str) \
                and WELL_FORMED_KEY.fullmatch(headers[name]):
            headers[name] = str(uuid.uuid4())
