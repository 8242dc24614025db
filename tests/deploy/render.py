"""Renders the kustomizations under deploy/ with every kubectl at hand: the one on PATH and
Debian 12's own (kubectl 1.20, kustomize v2), which scripts/deps.sh unpacks beside a newer one.
Both must accept each kustomization and produce the same objects.
"""
import difflib
import os
import subprocess

import yaml


class RenderError(Exception):
    pass


def kubectls():
    found = ["kubectl"]
    cache = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    debian = os.path.join(cache, "modelgate/kubectl-debian/usr/bin/kubectl")
    if os.access(debian, os.X_OK):
        found.append(debian)
    else:
        print("note: Debian's kubectl is the one on PATH or not unpacked; rendering with one kubectl")
    return found


def kustomizations(src):
    """deploy/base, deploy/monitoring and every overlay, as paths relative to src."""
    overlays = os.path.join(src, "deploy/overlays")
    names = sorted(os.listdir(overlays)) if os.path.isdir(overlays) else []
    return ["deploy/base", "deploy/monitoring"] + [f"deploy/overlays/{n}" for n in names]


def _normalise(docs):
    """kustomize v2 writes `labels: {}` and `annotations: {}` into a ConfigMap replaced with
    behavior: replace; empty maps mean the same as none, so they are not a difference."""
    for d in docs:
        meta = d.get("metadata", {})
        for key in ("labels", "annotations"):
            if meta.get(key) == {}:
                del meta[key]
    return docs


def render(src, rel):
    """The rendered YAML text (from the first kubectl) and its objects; raises RenderError when a
    kubectl fails or two kubectls disagree."""
    texts = []
    for kubectl in kubectls():
        out = subprocess.run([kubectl, "kustomize", os.path.join(src, rel)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RenderError(f"{kubectl} kustomize {rel}: {out.stderr.strip()}")
        texts.append((kubectl, out.stdout))
    first_kubectl, first = texts[0]
    docs = _normalise([d for d in yaml.safe_load_all(first) if d is not None])
    for kubectl, text in texts[1:]:
        if text == first:
            continue
        other = _normalise([d for d in yaml.safe_load_all(text) if d is not None])
        if other != docs:
            diff = "\n".join(list(difflib.unified_diff(first.splitlines(), text.splitlines(),
                                                       first_kubectl, kubectl, lineterm=""))[:40])
            raise RenderError(f"{rel}: kubectls render different objects:\n{diff}")
        print(f"note: {rel}: {kubectl} differs from {first_kubectl} only in empty metadata maps")
    return first, docs
