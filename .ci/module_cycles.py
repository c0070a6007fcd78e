#!/usr/bin/env python3
"""Lists import cycles between the modules of a crate's src/ folder.

A module is a file (`wire.rs`, `decode/typed.rs`; `mod.rs` is its folder's module).
An edge A -> B is a `crate::` path in A's code (in `use` lines or inline, comments and
doc links left out) that names B or an item re-exported at the crate root from B. Test
modules (`#[cfg(test)] mod tests`) are ignored. Exits 1 and prints every strongly connected component of more than one module.

usage: module_cycles.py CRATE_SRC_DIR
"""
import os
import re
import sys


def module_of(path, src):
    rel = os.path.relpath(path, src)[:-3]
    parts = rel.split(os.sep)
    if parts[-1] == "mod":
        parts = parts[:-1]
    if parts in (["lib"], ["main"]):
        return "crate"
    return "::".join(parts)


def strip_tests(text):
    """The code without its test module and comments (doc links are not imports)."""
    cut = re.search(r"#\[cfg\(test\)\]\s*mod tests", text)
    text = text[: cut.start()] if cut else text
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))


def expand_use(body):
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e'] (enough for use lines)."""
    body = body.strip()
    m = re.match(r"^([\w:]*?)::\{(.*)\}$", body, re.S)
    if not m:
        return [body]
    prefix, inner = m.group(1), m.group(2)
    items, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    out = []
    for item in items:
        item = item.strip()
        if item:
            out += [prefix + "::" + x for x in expand_use(item)]
    return out


def main():
    src = sys.argv[1]
    files = {}
    for root, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(root, name)
                files[module_of(path, src)] = strip_tests(open(path, encoding="utf-8").read())
    modules = set(files)
    # Root re-exports: `pub use a::b::{X, Y};` in lib.rs maps X and Y to module a::b (or a).
    reexport = {}
    for line in re.findall(r"pub use ([\w:{}, \n]+);", files.get("crate", "")):
        for path in expand_use(line.replace("\n", " ")):
            segs = path.split("::")
            name = segs[-1].split(" as ")[-1].strip()
            target = owner(segs[:-1], modules)
            if target:
                reexport[name] = target
    edges = {m: set() for m in modules}
    for module, text in files.items():
        paths = []
        for body in re.findall(r"\buse (crate::[^;]+);", text, re.S):
            paths += expand_use(re.sub(r"\s+", " ", body))
        paths += re.findall(r"\bcrate::[\w:]+", text)
        for path in paths:
            segs = [s.strip() for s in path.split("::")[1:] if s.strip()]
            target = owner(segs, modules)
            if target is None and segs:
                target = reexport.get(segs[0].split(" as ")[0].strip())
            if target and target != module and target != "crate":
                # A module's own children are not a cycle with it.
                if not target.startswith(module + "::") and not module.startswith(target + "::"):
                    edges[module].add(target)
    cycles = strongly_connected(edges)
    for cycle in cycles:
        print("cycle:", " <-> ".join(sorted(cycle)))
    print(f"{len(modules)} modules, {sum(len(v) for v in edges.values())} edges, {len(cycles)} cycles")
    sys.exit(1 if cycles else 0)


def owner(segs, modules):
    """The longest module named by a prefix of segs."""
    for n in range(len(segs), 0, -1):
        name = "::".join(segs[:n])
        if name in modules:
            return name
    return None


def strongly_connected(edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    main()
