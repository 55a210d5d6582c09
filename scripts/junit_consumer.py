"""Reads concord's JUnit report with a real consumer, junitparser (PyPI),
and checks that what it sees adds up: every test suite's counts match its
test cases, and the failures, errors and skips are the ones expected.

usage: python3 junit_consumer.py REPORT.xml FAILURES ERRORS SKIPPED
"""
import sys

from junitparser import Error, Failure, JUnitXml, Skipped


def main() -> int:
    path, failures, errors, skipped = sys.argv[1], *map(int, sys.argv[2:5])
    xml = JUnitXml.fromfile(path)
    seen = {"failures": 0, "errors": 0, "skipped": 0, "tests": 0}
    for suite in xml:
        cases = list(suite)
        kinds = [type(r) for case in cases for r in case.result]
        counts = {
            "tests": len(cases),
            "failures": kinds.count(Failure),
            "errors": kinds.count(Error),
            "skipped": kinds.count(Skipped),
        }
        for key, n in counts.items():
            declared = getattr(suite, key)
            if declared != n:
                print(f"{path}: suite {suite.name}: {key}={declared} but {n} test cases say so")
                return 1
            seen[key] += n
        for case in cases:
            for r in case.result:
                if isinstance(r, (Failure, Error)) and not r.message:
                    print(f"{path}: {suite.name}/{case.name}: a {type(r).__name__} without a message")
                    return 1
    want = {"failures": failures, "errors": errors, "skipped": skipped}
    got = {k: seen[k] for k in want}
    if got != want:
        print(f"{path}: expected {want}, junitparser read {got}")
        return 1
    print(f"{path}: junitparser read {seen['tests']} test cases: {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
