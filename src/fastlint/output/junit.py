"""`--format junit`: JUnit XML, read by GitLab, Jenkins, Azure Pipelines and test reporters.

One `<testsuite>`; a failing `<testcase>` per finding (classname: the file, name: code and
position), or one passing test case when there are none, so the report is never empty. The XML is
built with ElementTree, which escapes markup; characters XML 1.0 cannot hold at all (control
characters from a binary file's message, say) are replaced first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from fastlint.output import Report

# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render(report: Report, *, color: bool) -> str:
    failures = len(report.findings)
    tests = max(failures, 1)
    suites = ET.Element(
        "testsuites", name="fastlint", tests=str(tests), failures=str(failures), errors="0"
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="fastlint",
        tests=str(tests),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for finding in report.findings:
        position = f"{finding.line}:{finding.column}"
        case = ET.SubElement(
            suite,
            "testcase",
            classname=xml_text(finding.path),
            name=xml_text(f"{finding.code} {finding.rule} at {finding.path}:{position}"),
            file=xml_text(finding.path),
            line=str(finding.line),
        )
        failure = ET.SubElement(
            case, "failure", message=xml_text(finding.message), type=finding.code
        )
        failure.text = xml_text(f"{finding.path}:{position}: {finding.code} {finding.message}")
    if not report.findings:
        ET.SubElement(suite, "testcase", classname="fastlint", name="no findings")
    if report.problems:
        problems = ET.SubElement(suite, "system-err")
        problems.text = xml_text(
            "".join(f"{path}: {problem}\n" for path, problem in report.problems)
        )
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
