#!/usr/bin/python3
"""Renders every kustomization under deploy/ (render.py: every kubectl at hand must agree) and
validates each rendered object against the Kubernetes and Prometheus Operator schemas with
validate_schemas.js (npm kubernetes-models, @kubernetes-models/prometheus-operator, and
TypeScript's excess-property check for unknown fields).

Usage: check_schemas.py SOURCE_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile

from render import RenderError, kustomizations, render


def main():
    src = sys.argv[1]
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        print("FAIL: no node on PATH (bash scripts/deps.sh installs Debian's nodejs)")
        sys.exit(1)
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        try:
            for rel in kustomizations(src):
                text, _ = render(src, rel)
                path = os.path.join(tmp, rel.replace("/", "_") + ".yaml")
                with open(path, "w") as f:
                    f.write(text)
                files.append(path)
        except RenderError as e:
            print("FAIL:", e)
            sys.exit(1)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "validate_schemas.js")
        version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"validating with node {version}:", ", ".join(os.path.basename(f) for f in files),
              flush=True)
        rc = subprocess.run([node, script] + files).returncode
        if rc != 0:
            print(f"FAIL: validate_schemas.js exited with {rc}")   # negative: killed by a signal
            sys.exit(1)


if __name__ == "__main__":
    main()
