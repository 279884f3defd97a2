#!/usr/bin/env python3
"""Print 'N passed, N failed, N skipped' from meson's testlog.json files.

meson's own summary is not read by the CI harness; this plain line is.
Exits 1 if any test failed (or no test ran at all).
"""
import json
import sys

PASS = {"OK", "EXPECTEDFAIL"}
SKIP = {"SKIP"}


def main(build_dirs):
    passed = failed = skipped = 0
    for d in build_dirs:
        try:
            with open(f"{d}/meson-logs/testlog.json", encoding="utf-8") as f:
                lines = [json.loads(line) for line in f if line.strip()]
        except OSError as e:
            print(f"summary: cannot read {d}: {e}", file=sys.stderr)
            failed += 1
            continue
        for t in lines:
            r = t.get("result")
            if r in PASS:
                passed += 1
            elif r in SKIP:
                skipped += 1
            else:
                failed += 1
                print(f"FAILED [{d}] {t.get('name')}: {r}", file=sys.stderr)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["build-test"]))
