#!/usr/bin/env python3
"""Lists import cycles between the modules of a crate's src/ folder.

A module is a file (`wire.rs`, `decode/typed.rs`; `mod.rs` is its folder's module).
An edge A -> B is a `crate::`, `super::` or `self::` path in A's code (in `use` lines or
inline, comments and doc links left out) that names B, or an item some module re-exports
from B (`pub use`), followed to the module that defines it. A parent's `pub use` of its
own child's items is not an import (it is how the parent shows them); a child reaching a
sibling's item through the parent is an edge to the sibling, and a child using what the
parent itself defines is an edge to the parent. Test modules (`#[cfg(test)] mod tests`)
are ignored. Exits 1 and prints every strongly connected component of more than one
module.

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


def absolute(path, module):
    """`crate::a::b`, `super::b`, `self::b` or a child's `b::c` (in a `pub use`) seen from
    `module`, as segments from the crate root."""
    segs = [x.strip() for x in path.split("::") if x.strip()]
    here = [] if module == "crate" else module.split("::")
    if not segs:
        return None
    if segs[0] == "crate":
        return segs[1:]
    if segs[0] in ("self", "super"):
        while segs and segs[0] in ("self", "super"):
            if segs.pop(0) == "super":
                if not here:
                    return None
                here = here[:-1]
        return here + segs
    return here + segs


def main():
    src = sys.argv[1]
    files = {}
    for root, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(root, name)
                files[module_of(path, src)] = strip_tests(open(path, encoding="utf-8").read())
    modules = set(files)

    # Re-exports: `pub use child::{X, Y};` in module M maps M's X and Y to their owner.
    reexport = {m: {} for m in modules}
    for module, text in files.items():
        for line in re.findall(r"pub(?:\([\w:]+\))? use ([\w:{}, \n*]+);", text):
            for path in expand_use(line.replace("\n", " ")):
                alias = path.split(" as ")
                segs = absolute(alias[0], module)
                if not segs:
                    continue
                name = alias[-1].split("::")[-1].strip()
                target = owner(segs[:-1], modules) or owner(segs, modules)
                if target:
                    reexport[module][name] = segs

    def resolve(segs, depth=0):
        """The module that defines what `segs` names."""
        target = owner(segs, modules)
        if target is None:
            return None
        rest = segs[len(target.split("::")):] if target != "crate" else segs
        if rest and depth < 16 and rest[0] in reexport.get(target, {}):
            onward = resolve(reexport[target][rest[0]], depth + 1)
            if onward:
                return onward
        return target

    for module in list(files):
        if module != "crate":
            files.setdefault("crate", "")
    edges = {m: set() for m in modules}
    for module, text in files.items():
        showing = set()
        for line in re.findall(r"pub(?:\([\w:]+\))? use ([^;]+);", text, re.S):
            for path in expand_use(re.sub(r"\s+", " ", line)):
                showing.add(path.split(" as ")[0].strip())
        paths = []
        for body in re.findall(r"\buse ((?:crate|super|self)::[^;]+);", text, re.S):
            paths += expand_use(re.sub(r"\s+", " ", body))
        paths += re.findall(r"\b(?:crate|super|self)(?:::[\w]+)+", text)
        for path in paths:
            bare = path.split(" as ")[0].strip()
            segs = absolute(bare, module)
            if not segs:
                continue
            if segs[0] == "crate":
                segs = segs[1:]
            target = resolve(segs) if segs else None
            if target is None and segs and module != "crate":
                target = resolve_root(segs[0], reexport, resolve)
            if not target or target == module or target == "crate":
                continue
            # A parent showing its own child's items is not importing them.
            if bare in showing and module != "crate" and target.startswith(module + "::"):
                continue
            if module == "crate" and bare in showing:
                continue
            edges[module].add(target)
    cycles = strongly_connected(edges)
    for cycle in cycles:
        print("cycle:", " <-> ".join(sorted(cycle)))
    print(f"{len(modules)} modules, {sum(len(v) for v in edges.values())} edges, {len(cycles)} cycles")
    sys.exit(1 if cycles else 0)


def resolve_root(name, reexport, resolve):
    """An item re-exported at the crate root, to its owner."""
    segs = reexport.get("crate", {}).get(name.split(" as ")[0].strip())
    return resolve(segs) if segs else None


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
