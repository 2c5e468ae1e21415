""".ci/audit's verdicts, with a stand-in for pip-audit: known vulnerabilities fail (with or
without a fix) unless accepted in the ignore file; an unreachable advisory service is a skip that
says why; an audit that checked only part of the lock fails."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AUDIT = ROOT / ".ci" / "audit"
FAKE = """#!/usr/bin/env bash
# Stands for pip-audit: writes the prepared report where --output says, or fails like it.
while [ $# -gt 0 ]; do [ "$1" = --output ] && out="$2"; shift; done
if [ -n "${FAKE_SLEEP:-}" ]; then sleep "$FAKE_SLEEP"; fi
if [ -n "${FAKE_REPORT:-}" ]; then cp "$FAKE_REPORT" "$out"; fi
if [ -n "${FAKE_STDERR:-}" ]; then echo "$FAKE_STDERR" >&2; exit 1; fi
exit "${FAKE_STATUS:-0}"
"""


def dep(name, version="1.0", vulns=(), skip=None):
    entry = {"name": name, "version": version, "vulns": list(vulns)}
    if skip:
        entry = {"name": name, "skip_reason": skip}
    return entry


def vuln(ident, fixes=(), aliases=()):
    return {"id": ident, "fix_versions": list(fixes), "aliases": list(aliases),
            "description": "…"}


@pytest.fixture
def audit(tmp_path):
    fake = tmp_path / "pip-audit"
    fake.write_text(FAKE)
    fake.chmod(0o755)
    ignore = tmp_path / "audit-ignore"
    ignore.write_text("")

    def run(report=None, stderr="", status=0, accepted="", **env_extra):
        env = {"PATH": os.environ["PATH"], "PYTHON": sys.executable, "HOME": str(tmp_path),
               "PIP_AUDIT": str(fake),
               "AUDIT_IGNORE": str(ignore), "FAKE_STDERR": stderr, "FAKE_STATUS": str(status)}
        if report is not None:
            path = tmp_path / "report.json"
            path.write_text(json.dumps({"dependencies": report, "fixes": []}))
            env["FAKE_REPORT"] = str(path)
        env |= env_extra
        ignore.write_text(accepted)
        done = subprocess.run([str(AUDIT)], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
        return done.returncode, done.stdout + done.stderr

    return run


def test_a_clean_lock_passes(audit):
    status, output = audit([dep("streamlit"), dep("pandas")])

    assert status == 0
    assert "no known vulnerability in the 2 locked packages" in output


def test_a_vulnerability_with_a_fix_fails_and_names_the_fix(audit):
    status, output = audit([dep("lxml", "6.2.0", [vuln("PYSEC-1", ["6.2.1"])])], status=1)

    assert status == 1
    assert "lxml 6.2.0: PYSEC-1 (fixed in: 6.2.1)" in output


def test_a_vulnerability_without_a_fix_fails_too(audit):
    status, output = audit([dep("pandas", "3.1.1", [vuln("GHSA-x", aliases=["CVE-1"])])])

    assert status == 1
    assert "GHSA-x / CVE-1 (fixed in: none yet)" in output


def test_an_accepted_vulnerability_without_a_fix_passes_until_its_review_date(audit):
    report = [dep("pandas", "3.1.1", [vuln("GHSA-x", aliases=["CVE-1"])])]

    status, output = audit(report, accepted="CVE-1 2999-01-01 parser not reachable here\n")
    assert status == 0
    assert "accepted until 2999-01-01: parser not reachable here" in output

    status, output = audit(report, accepted="CVE-1 2000-01-01 parser not reachable here\n")
    assert status == 1
    assert "review it" in output


def test_an_accepted_vulnerability_fails_once_a_fix_exists(audit):
    status, output = audit([dep("lxml", "6.2.0", [vuln("PYSEC-1", ["6.2.1"])])],
                           accepted="PYSEC-1 2999-01-01 waiting for a release\n")

    assert status == 1
    assert "a fix exists now: upgrade" in output


def test_an_unreachable_advisory_service_is_a_skip_with_its_reason(audit):
    status, output = audit(stderr="requests.exceptions.ConnectionError: Max retries exceeded "
                                  "(Failed to resolve 'pypi.org')")

    assert status == 0
    assert output.splitlines()[-1].startswith("pip-audit skipped: advisory service unreachable")


def test_a_service_that_answers_for_no_package_is_a_skip(audit):
    status, output = audit([dep("a", skip="Dependency not found on PyPI"),
                            dep("b", skip="Dependency not found on PyPI")])

    assert status == 0
    assert "pip-audit skipped: the advisory service answered for none of the 2" in output


def test_an_audit_of_part_of_the_lock_fails(audit):
    status, output = audit([dep("a"), dep("b", skip="Dependency not found on PyPI")])

    assert status == 1
    assert "b: not audited (Dependency not found on PyPI)" in output


def test_another_pip_audit_failure_fails_the_build(audit):
    status, output = audit(stderr="ValueError: malformed requirement", status=2)

    assert status == 2
    assert "malformed requirement" in output


def test_an_advisory_service_that_does_not_answer_in_time_is_a_skip(audit):
    status, output = audit([dep("a")], AUDIT_TIMEOUT="1", FAKE_SLEEP="3")

    assert status == 0
    assert "pip-audit skipped: no answer from the advisory service within 1 s" in output
