"""Reads the NDJSON event stream of one `schemathesis run` (its --report ndjson) and tells
what it found, for deploy/local/fuzz_api.sh.

    python3 deploy/local/fuzz_tally.py EVENTS.ndjson FAILURES.txt [TOKEN_VARIABLE]

Prints one line, "operations test_cases failures errors", and writes FAILURES.txt: each
distinct failure (operation, check, failure code, response status) once, with how often
it was seen, a curl line that repeats its shortest example, and the start of the
response. Errors are the run's own errors (a request that could not be sent, a schema
it could not use). Reads what the stream holds, so a run cut short is counted as far as
it got. Standard library only.
"""

import base64
import json
import shlex
import sys


def decode(content):
    """A body as recorded: {"$base64": ...}, a string, or nothing."""
    if content is None:
        return None
    if isinstance(content, dict) and "$base64" in content:
        raw = base64.b64decode(content["$base64"])
        return raw.decode("utf-8", errors="replace")
    if isinstance(content, dict) and "string" in content:
        return content["string"]
    return content if isinstance(content, str) else json.dumps(content)


def header_items(headers):
    for name, value in (headers or {}).items():
        for one in value if isinstance(value, list) else [value]:
            yield name, one


def curl(request, token_name):
    parts = ["curl", "-sS", "-i", "-X", request.get("method", "GET")]
    for name, value in header_items(request.get("headers")):
        if name.lower() in ("user-agent", "accept-encoding", "accept", "connection", "content-length"):
            continue
        if name.lower() == "authorization" and value == "[Filtered]":
            # Schemathesis hides the value: the run's token, or (without one) a token it
            # made up from the document's security scheme, which any invalid one stands for.
            if token_name:
                parts += ["-H", f"Authorization: Bearer ${token_name}"]
            else:
                parts += ["-H", "Authorization: Bearer not-a-valid-token"]
            continue
        parts += ["-H", f"{name}: {value}"]
    body = decode(request.get("body"))
    if body is not None:
        parts += ["--data-binary", body]
    parts.append(request.get("uri", "?"))
    line = " ".join(shlex.quote(part) for part in parts)
    if token_name:
        # Let the shell expand the token.
        line = line.replace(shlex.quote(f"Authorization: Bearer ${token_name}"), f'"Authorization: Bearer ${token_name}"')
    return line


def main(argv):
    if len(argv) not in (3, 4):
        print(f"usage: {argv[0]} EVENTS.ndjson FAILURES.txt [TOKEN_VARIABLE]", file=sys.stderr)
        return 2
    events_path, failures_path = argv[1], argv[2]
    token_name = argv[3] if len(argv) == 4 else ""
    operations = "?"
    cases = set()
    failures = {}
    errors = []
    with open(events_path, encoding="utf-8") as events:
        for line in events:
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut off when the run was killed
            kind, body = next(iter(event.items()))
            if kind == "LoadingFinished":
                operations = body.get("statistic", {}).get("operations", {}).get("selected", "?")
            elif kind == "NonFatalError":
                errors.append(f"{body.get('label', '?')}: {json.dumps(body.get('info', body))[:500]}")
            elif kind == "FatalError":
                errors.append(f"fatal: {json.dumps(body)[:500]}")
            elif kind == "ScenarioFinished":
                recorder = body.get("recorder", {})
                label = recorder.get("label", "?")
                cases.update(recorder.get("cases", {}).keys())
                if body.get("status") == "error":
                    errors.append(f"{label}: scenario error in phase {body.get('phase')}")
                interactions = recorder.get("interactions", {})
                for case_id, checks in recorder.get("checks", {}).items():
                    for check in checks:
                        if check.get("status") != "failure":
                            continue
                        info = (check.get("failure_info") or {}).get("failure", {})
                        interaction = interactions.get(case_id) or {}
                        response = interaction.get("response") or {}
                        status = response.get("status_code", "-")
                        operation = label
                        if operation == "Stateful tests":
                            # A step of a stateful scenario: name the operation it called.
                            case = (recorder.get("cases", {}).get(case_id) or {}).get("value", {})
                            if case.get("method") and case.get("path"):
                                operation = f"{case['method'].upper()} {case['path']} (stateful)"
                        key = (operation, check.get("name"), info.get("code", "?"), status)
                        request = interaction.get("request") or {}
                        example = curl(request, token_name) if request else "(no request recorded)"
                        found = failures.get(key)
                        if found is None:
                            found = failures[key] = {
                                "count": 0,
                                "title": info.get("title", ""),
                                "message": info.get("message", ""),
                                "curl": example,
                                "response": decode(response.get("content")) or "",
                                "phase": body.get("phase"),
                            }
                        found["count"] += 1
                        if len(example) < len(found["curl"]):
                            found.update(
                                curl=example,
                                message=info.get("message", ""),
                                response=decode(response.get("content")) or "",
                            )
    with open(failures_path, "w", encoding="utf-8") as out:
        for (label, check, code, status), found in sorted(failures.items(), key=lambda item: str(item[0])):
            message = " ".join(found["message"].split())[:300]
            out.write(f"{label}  [{check} {code} {found['title']}]  status {status}  seen {found['count']}x\n")
            out.write(f"    {message}\n")
            out.write(f"    repro: {found['curl']}\n")
            out.write(f"    response: {' '.join(found['response'].split())[:300]}\n")
        for error in errors:
            out.write(f"ERROR {error}\n")
    print(operations, len(cases), len(failures), len(errors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
