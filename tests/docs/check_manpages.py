#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The man pages against the programs' actual options.

Usage: check_manpages.py SCDOC MANDIR TEEATTEST TEEATTEST_SIM|-

The man pages have one source each, docs/man/*.scd. This runs the built
programs and compares:
  - the commands `teeattest help` lists with the "## teeattest CMD"
    sections of teeattest(1), both ways;
  - for each command, every option its --help names appears in the
    command's section, and every option the section defines (a line
    starting with "*-") is one the --help names;
  - each command's exit codes ("Exit status:" in --help and in its
    section), and the top-level options and exit codes;
  - `teeattest-sim --help` against teeattest-sim(1) the same way, and its
    --fault names against the FAULTS section.
Every page must also render with scdoc. A self-test first checks that an
option added to a --help text without documentation is caught.
scdoc or the simulator missing: skipped (exit 77), failed under CI=true.
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from runner import cannot_run  # noqa: E402  (skip, or fail under CI=true)

OPT = re.compile(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*|-h)(?![\w-])")


def run(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


def options(text):
    return set(OPT.findall(text))


def defined(section):
    """Options on the definition lines of an scdoc section ("*--x* _X_")."""
    return set().union(*[options(l) for l in section.splitlines()
                         if l.startswith("*-")] or [set()])


def exit_codes(text):
    m = re.search(r"Exit status:(.*?)(?:\n\s*\n|\Z)", text, re.S)
    if not m:
        return None
    return set(re.findall(r"(?:^|,)\s*(\d+)\b", m.group(1)))


def sections(page, level):
    """{heading: body} of the level-`level` headings of an scdoc page;
    deeper headings stay in the body."""
    out, name, body = {}, None, []
    for line in page.splitlines():
        depth = len(line) - len(line.lstrip("#"))
        if depth and line[depth:depth + 1] == " " and depth <= level:
            if name is not None:
                out[name] = "\n".join(body)
            name = line[depth:].strip() if depth == level else None
            body = []
        elif name is not None:
            body.append(line)
    if name is not None:
        out[name] = "\n".join(body)
    return out


def compare(what, help_text, section, problems):
    """Options and exit codes of one --help text against one section."""
    for opt in sorted(options(help_text) - options(section)):
        problems.append("%s: option %s is in --help but not in the man page"
                        % (what, opt))
    for opt in sorted(defined(section) - options(help_text)):
        problems.append("%s: the man page documents %s, which --help does "
                        "not name" % (what, opt))
    want, have = exit_codes(help_text), exit_codes(section)
    if want is not None and want != have:
        problems.append("%s: exit codes %s in --help, %s in the man page"
                        % (what, sorted(want), sorted(have or [])))


def main():
    scdoc, mandir, teeattest, sim = sys.argv[1:5]
    if not shutil.which(scdoc) and not os.path.exists(scdoc):
        return cannot_run("scdoc is not installed (apt-get install scdoc)")
    if sim == "-":
        return cannot_run("teeattest-sim was not built (libmicrohttpd, GnuTLS)")
    problems = []

    # Self-test: an undocumented option must be caught.
    probe = []
    compare("self-test", "  --undocumented-option  x\n", "*--text* _T_\n", probe)
    if not any("--undocumented-option" in p for p in probe) or \
       not any("--text" in p for p in probe):
        print("self-test failed: the comparison misses options: %s" % probe)
        return 1

    pages = {}
    for name in ("teeattest.1", "teeattest-sim.1", "libteeattest.3"):
        path = os.path.join(mandir, name + ".scd")
        with open(path, encoding="utf-8") as f:
            pages[name] = f.read()
        with open(path, "rb") as f:
            r = subprocess.run([scdoc], stdin=f, capture_output=True)
        if r.returncode or not r.stdout:
            problems.append("%s: scdoc failed: %s" % (name, r.stderr.decode()))

    # teeattest(1)
    rc, main_help = run([teeattest, "help"])
    m = re.search(r"Commands:\n(.*?)\n\s*\n", main_help, re.S)
    if rc or not m:
        print("teeattest help (exit %d) lists no commands:\n%s" % (rc, main_help))
        return 1
    commands = [l.split()[0] for l in m.group(1).splitlines()
                if l.strip() and l.split()[0] != "help"]
    page = pages["teeattest.1"]
    top = sections(page, 1)
    subs = sections(top.get("COMMANDS", ""), 2)
    documented = {k.split(None, 1)[1] for k in subs if k.startswith("teeattest ")}
    for c in sorted(set(commands) - documented):
        problems.append("teeattest(1): command %s has no '## teeattest %s' "
                        "section" % (c, c))
    for c in sorted(documented - set(commands)):
        problems.append("teeattest(1): section for %s, which 'teeattest help' "
                        "does not list" % c)
    opts = re.search(r"Options:\n(.*?)\n\s*\n", main_help, re.S)
    compare("teeattest(1) OPTIONS", opts.group(1) if opts else "",
            top.get("OPTIONS", ""), problems)
    codes = exit_codes(main_help)
    have = set(re.findall(r"^\*(\d+)\*$", top.get("EXIT STATUS", ""), re.M))
    if codes != have:
        problems.append("teeattest(1) EXIT STATUS: %s, 'teeattest help' says %s"
                        % (sorted(have), sorted(codes or [])))
    for c in commands:
        rc, text = run([teeattest, c, "--help"])
        if rc:
            problems.append("teeattest %s --help exited %d" % (c, rc))
            continue
        compare("teeattest %s" % c, text, subs.get("teeattest " + c, ""),
                problems)

    # teeattest-sim(1)
    rc, sim_help = run([sim, "--help"])
    if rc:
        problems.append("teeattest-sim --help exited %d" % rc)
    top = sections(pages["teeattest-sim.1"], 1)
    compare("teeattest-sim(1)", sim_help, top.get("OPTIONS", ""), problems)
    fault = re.search(r"--fault NAME(.*?)(?:\n  -|\n\s*\n)", sim_help, re.S)
    faults = re.findall(r"\b[a-z]+_[a-z_]+\b", fault.group(1)) if fault else []
    if not faults:
        problems.append("teeattest-sim --help names no --fault values")
    for f in faults:
        if "*%s*" % f not in top.get("FAULTS", ""):
            problems.append("teeattest-sim(1): fault %s is not in FAULTS" % f)

    for p in problems:
        print(p)
    if problems:
        print("%d man page problem(s)" % len(problems))
        return 1
    print("man pages: %d commands, their options and exit codes, and "
          "teeattest-sim's %d faults match the programs"
          % (len(commands), len(faults)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
