#!/usr/bin/env python3
"""Checks that a shipped gateway lives in its own places.

A gateway is a folder providers/src/<gateway>/ with its registry entry (`registry.rs`;
a folder of shared protocols, such as `wechat/`, has none); its own places are that folder and its
sandbox simulator, sandbox/src/gateways/<gateway>.rs. Any other source file of a crate
(src/ only: tests, examples and benches may name gateways) that names the gateway in code,
comments and string literals aside, is a place the gateway has spread to (the `tests`
crate is test support, shipped nowhere, and may name gateways like any test). At most
MAX_OUTSIDE such files are allowed per gateway: the registry's list in providers/src/lib.rs
and the sandbox's list of simulators. Exit 1 naming the files otherwise."""
import os
import re
import sys

MAX_OUTSIDE = 2
ROOT = sys.argv[1] if len(sys.argv) > 1 else "."


def spellings(folder):
    """The ways code names a gateway whose folder is `folder` (`wechat_global`):
    the module path and its CamelCase type prefix, any capitalisation of the joined word."""
    words = folder.split("_")
    camel = "".join(w.capitalize() for w in words)
    joined = "".join(words)
    names = {folder, camel, joined, joined.capitalize(), folder.upper()}
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, names))) + r")(?:[A-Z_]\w*)?\b")


def code_only(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'r(#*)".*?"\1', '""', text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def sources():
    for crate in sorted(os.listdir(ROOT)):
        src = os.path.join(ROOT, crate, "src")
        if crate in ("target", "fuzz", "tests") or not os.path.isdir(src):
            continue
        for folder, _, files in os.walk(src):
            for name in files:
                if name.endswith(".rs"):
                    path = os.path.join(folder, name)
                    with open(path, encoding="utf-8", errors="replace") as f:
                        yield os.path.relpath(path, ROOT).replace(os.sep, "/"), code_only(f.read())


def main():
    providers = os.path.join(ROOT, "providers", "src")
    gateways = sorted(
        d for d in os.listdir(providers)
        if os.path.isfile(os.path.join(providers, d, "registry.rs"))
    )
    files = list(sources())
    failed = False
    for gateway in gateways:
        pattern = spellings(gateway)
        own = (f"providers/src/{gateway}/", f"sandbox/src/gateways/{gateway}.rs")
        outside = [
            path for path, code in files
            if not path.startswith(own[0]) and path != own[1] and pattern.search(code)
        ]
        print(f"{gateway}: named in {len(outside)} files outside its own places: {' '.join(outside)}")
        if len(outside) > MAX_OUTSIDE:
            failed = True
    if failed:
        print(f"a gateway is named in more than {MAX_OUTSIDE} files outside its folder and simulator: "
              "reach it through paywire_providers::GATEWAYS instead", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
