#!/usr/bin/python3
"""Clang's thread-safety analysis over every source file in src/: compiles each with clang++-14
-fsyntax-only -Wthread-safety -Werror, using the flags CMake recorded for it
(compile_commands.json). GCC ignores ABSL_GUARDED_BY and friends, so without this run the
annotations are comments; with it, touching guarded state without its lock fails the build.

Usage: thread_safety_check.py BUILD_DIR SOURCE_DIR
"""
import concurrent.futures
import json
import os
import shlex
import shutil
import subprocess
import sys

CLANG = shutil.which("clang++-14") or shutil.which("clang++")
FLAGS = ["-fsyntax-only", "-Wthread-safety", "-Wthread-safety-beta", "-Werror=thread-safety",
         "-Wno-unknown-warning-option"]
# GCC-only flags clang does not know.
DROP = {"-fno-semantic-interposition"}


def command_for(entry):
    args = entry.get("arguments") or shlex.split(entry["command"])
    out = [CLANG]
    skip = False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD") or a in DROP or a.startswith("-W"):
            continue
        out.append(a)
    return out + FLAGS


def check(entry):
    proc = subprocess.run(command_for(entry), cwd=entry["directory"], capture_output=True,
                          text=True)
    return entry["file"], proc.returncode, proc.stderr


def main():
    build, source = sys.argv[1], os.path.realpath(sys.argv[2])
    if CLANG is None:
        sys.exit("FAIL: clang++ is not installed (scripts/deps.sh installs clang-14)")
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    src = os.path.join(source, "src") + os.sep
    entries = [e for e in entries if os.path.realpath(e["file"]).startswith(src)]
    if not entries:
        sys.exit("FAIL: no source of src/ in compile_commands.json")
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for path, rc, err in pool.map(check, entries):
            if rc != 0:
                failed += 1
                print(f"--- {os.path.relpath(path, source)}\n{err}")
    print(f"{len(entries)} files checked with {CLANG} -Wthread-safety: {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
