#!/usr/bin/env python3
"""Every publishable crate packages its licence files and a README whose links work on
crates.io (absolute, or anchors): `cargo package --list` for each, offline."""
import re
import subprocess
import sys
from pathlib import Path

CRATES = {
    "paywire-text-formats": "text-formats",
    "paywire-macros": "macros",
    "paywire": "core",
    "paywire-providers": "providers",
    "paywire-sandbox": "sandbox",
    "paywire-sqlx": "sqlx-ledger",
    "paywire-axum": "axum-notify",
    "paywire-cli": "cli",
}
NEEDED = {"LICENSE-MIT", "LICENSE-APACHE", "README.md", "Cargo.toml"}
LINK = re.compile(r"\]\(([^)\s]+)\)")

root = Path(__file__).resolve().parent.parent
failed = []
for crate, folder in CRATES.items():
    listing = subprocess.run(
        ["cargo", "package", "--list", "--allow-dirty", "-p", crate],
        cwd=root, capture_output=True, text=True,
    )
    if listing.returncode != 0:
        failed.append(f"{crate}: cargo package --list failed: {listing.stderr.strip()[-400:]}")
        continue
    files = set(listing.stdout.split())
    missing = NEEDED - files
    if missing:
        failed.append(f"{crate}: the package lacks {sorted(missing)}")
    readme = (root / folder / "README.md").read_text(encoding="utf-8")
    relative = [l for l in LINK.findall(readme) if not re.match(r"(https?://|#)", l)]
    if relative:
        failed.append(f"{crate}: README.md has relative links, broken on crates.io: {relative}")
    print(f"{crate}: {len(files)} files, {', '.join(sorted(NEEDED & files))}")
if failed:
    print("\n".join(failed))
    sys.exit(1)
