"""Checks that every 4xx/5xx response of every operation in an OpenAPI document carries
the error envelope: its content schema is `#/components/schemas/ErrorEnvelope`, given
directly or through a `#/components/responses/...` whose content schema is that ref.

    python3 deploy/local/openapi_errors.py .data/openapi.json

Prints one line per offending response and exits 1 when there is any; standard library only.
"""

import json
import sys

ENVELOPE = "#/components/schemas/ErrorEnvelope"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def is_error_status(status):
    status = str(status).upper()
    if status in ("4XX", "5XX"):
        return True
    return status.isdigit() and 400 <= int(status) <= 599


def resolve_response(doc, response, where):
    """Follows `$ref`s to components/responses; returns (response, chain) or raises."""
    chain = []
    while "$ref" in response:
        ref = response["$ref"]
        prefix = "#/components/responses/"
        if not ref.startswith(prefix):
            raise ValueError(f"{where}: $ref {ref!r} does not point into #/components/responses/")
        if ref in chain:
            raise ValueError(f"{where}: $ref loop {' -> '.join(chain + [ref])}")
        chain.append(ref)
        name = ref[len(prefix):]
        found = doc.get("components", {}).get("responses", {}).get(name)
        if found is None:
            raise ValueError(f"{where}: $ref {ref!r} names no response in components.responses")
        response = found
    return response, chain


def check(doc):
    problems = []
    counts = {"operations": 0, "error_responses": 0}
    if not str(doc.get("openapi", "")).startswith("3.1."):
        problems.append(f"document: openapi is {doc.get('openapi')!r}, not 3.1.x")
    if "ErrorEnvelope" not in doc.get("components", {}).get("schemas", {}):
        problems.append("document: components.schemas has no ErrorEnvelope")
    for path, item in sorted(doc.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            counts["operations"] += 1
            name = f"{method.upper()} {path}"
            responses = operation.get("responses", {})
            if not any(is_error_status(status) for status in responses):
                # Not a failure of this rule, but worth seeing: the fuzzer cannot check
                # error bodies that the document does not describe.
                print(f"note: {name} documents no 4xx/5xx response", file=sys.stderr)
            for status, response in sorted(responses.items()):
                if not is_error_status(status):
                    continue
                counts["error_responses"] += 1
                where = f"{name} {status}"
                try:
                    response, chain = resolve_response(doc, response, where)
                except ValueError as error:
                    problems.append(str(error))
                    continue
                via = f" (via {' -> '.join(chain)})" if chain else ""
                content = response.get("content")
                if not content:
                    problems.append(f"{where}{via}: no content, so no error envelope")
                    continue
                for media_type, media in sorted(content.items()):
                    schema = (media or {}).get("schema")
                    if schema != {"$ref": ENVELOPE}:
                        problems.append(
                            f"{where}{via} {media_type}: schema is {json.dumps(schema)}, "
                            f"not {{\"$ref\": \"{ENVELOPE}\"}}"
                        )
    return problems, counts


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} OPENAPI.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        doc = json.load(handle)
    problems, counts = check(doc)
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    if problems:
        print(
            f"openapi_errors: {len(problems)} problem(s) in {counts['operations']} operations, "
            f"{counts['error_responses']} error responses",
            file=sys.stderr,
        )
        return 1
    print(
        f"openapi_errors: ok: {counts['operations']} operations, all {counts['error_responses']} "
        "4xx/5xx responses carry the ErrorEnvelope"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
