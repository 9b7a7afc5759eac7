"""Install Solara's front-end assets locally, so the dashboard works with no internet.

Solara serves its browser code (the Vuetify app, RequireJS, Font Awesome, the grid layout)
from ``<prefix>/share/solara/cdn/NAME@VERSION/``; whatever is missing there the server fetches
from a public CDN on first use, which fails offline and leaves the page blank. This module
fills that folder from the npm registry. After a plain ``pip install sahel-sim``, one
command, run once with internet, makes ``sahel viz`` work offline::

    sahel viz --install-assets             # the same as: python -m sim.views.assets

``scripts/setup.sh`` runs it for a source checkout (through ``scripts/solara_assets.py``).

Which packages and versions: read from the installed solara itself (its page template, its
Vue components and its settings reference them as ``{{cdn}}/NAME@VERSION/...``), so a solara
upgrade changes the list without an edit here. Packages only needed by features the project
does not use (Markdown maths and diagrams, the Vue 3 variant of the app when ipyvue < 3
is installed) are skipped unless ``--all`` is given.

Each tarball's integrity is checked against the registry's ``dist.integrity`` (SHA-512; SHA-1
``dist.shasum`` when that is all the registry gives); its ``package/`` folder is unpacked into a
temporary folder next to the destination and renamed into place, so a folder that exists is
complete. Present folders are skipped (idempotent)::

    python -m sim.views.assets           # install what is missing
    python -m sim.views.assets --check   # exit 1 if anything is missing
    python -m sim.views.assets --list    # print NAME@VERSION and status

Environment: ``SOLARA_ASSETS_PROXY_CACHE_DIR`` (solara's own setting) moves the destination;
``NPM_REGISTRY`` (default ``https://registry.npmjs.org``) selects a registry mirror.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import site
import sys
import tarfile
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REGISTRY = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
MARKER = ".sahel-asset.json"
"""File written inside each installed folder: the package, version and verified integrity."""

# ``{{cdn}}/NAME@X.Y.Z/``, ``getCdn()}/NAME@X.Y.Z/`` and ``_path: str = "/NAME@X.Y.Z/``:
# exact versions only (ranges such as ``vega@5`` are resolved by the CDN, not pinned).
_REFERENCE = re.compile(
    r"(?:\{\{\s*cdn\s*\}\}|getCdn\(\)\}|_path:\s*str\s*=\s*\")/"
    r"((?:@[A-Za-z0-9_.-]+/)?[A-Za-z0-9_.-]+)@(\d+\.\d+\.\d+(?:-[A-Za-z0-9.]+)?)/"
)
_SCANNED_SUFFIXES = (".vue", ".j2", ".html", ".py", ".js")

OPTIONAL = {
    "katex": "maths in solara.Markdown",
    "mermaid": "diagrams in solara.Markdown",
}
"""Packages solara references that the dashboard does not need (installed with ``--all``)."""


class AssetError(RuntimeError):
    """An asset could not be found, downloaded or verified."""


@dataclass(frozen=True)
class Asset:
    """One npm package version that solara loads from its CDN folder."""

    name: str
    version: str
    reason: str = ""  # why it is optional; empty when required

    @property
    def folder(self) -> str:
        """The folder name under the cdn directory, ``NAME@VERSION`` (may contain a scope)."""
        return f"{self.name}@{self.version}"


def solara_dir() -> Path:
    """The installed solara package's directory (without importing solara, which is slow)."""
    spec = importlib.util.find_spec("solara")
    if spec is None or not spec.submodule_search_locations:
        raise AssetError(
            f"solara is not installed in {sys.prefix}; run this with the interpreter sahel-sim "
            "is installed for (python -m sim.views.assets)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def cdn_dir() -> Path:
    """Where solara looks for local assets: ``<prefix>/share/solara/cdn`` as solara computes it."""
    override = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    if override:
        return Path(override)
    userbase = site.getuserbase()
    prefix = userbase if userbase and str(solara_dir()).startswith(userbase) else sys.prefix
    return Path(prefix) / "share" / "solara" / "cdn"


def _uses_vue3() -> bool:
    """Whether solara's page uses its Vue 3 app: solara decides by ``ipyvue`` major version 3."""
    try:
        return metadata.version("ipyvue").startswith("3")
    except metadata.PackageNotFoundError:
        return False


def referenced_assets(package_dir: Path | None = None) -> list[Asset]:
    """Every exact ``NAME@VERSION`` the installed solara loads from its CDN folder.

    Scans solara's templates, Vue components and settings (not its documentation website).
    Raises :class:`AssetError` when the page template's Vuetify app is not among them, which
    would mean solara changed how it references its assets.
    """
    root = package_dir or solara_dir()
    found: dict[tuple[str, str], None] = {}
    for path in sorted(root.rglob("*")):
        if path.suffix not in _SCANNED_SUFFIXES or "website" in path.relative_to(root).parts:
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="ignore")
        except OSError:
            continue
        if "@" not in text:
            continue
        for match in _REFERENCE.finditer(text):
            found[(match.group(1), match.group(2))] = None
    vue3 = _uses_vue3()
    # the variant of the app that the installed ipyvue does not use
    other_app = "@widgetti/solara-vuetify-app" if vue3 else "@widgetti/solara-vuetify3-app"
    names = {name for name, _ in found}
    if not any(n.startswith("@widgetti/solara-vuetify") for n in names):
        raise AssetError(
            f"found no @widgetti/solara-vuetify*-app reference in {root}; this solara version "
            "loads its front end differently and this script needs updating"
        )
    assets = []
    for name, version in found:
        reason = OPTIONAL.get(name, "")
        if name == other_app:
            reason = f"the page's variant for ipyvue {'< 3' if vue3 else '3'}, not installed"
        assets.append(Asset(name, version, reason))
    return sorted(assets, key=lambda a: (a.reason != "", a.name, a.version))


def is_installed(asset: Asset, dest: Path) -> bool:
    """True when the asset's folder exists with its completion marker."""
    return (dest / asset.folder / MARKER).is_file()


def _get(url: str, *, attempts: int = 3, timeout: float = 60.0) -> bytes:
    last: Exception | None = None
    for attempt in range(attempts):
        if attempt:
            time.sleep(2**attempt)
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "sahel-sim-setup"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except Exception as exc:  # network errors of every kind: retried, then reported
            last = exc
    raise AssetError(f"could not download {url}: {last}")


def _verify(data: bytes, dist: dict[str, str], what: str) -> str:
    """Check ``data`` against the registry's integrity (SRI sha512) or shasum; return it."""
    integrity = dist.get("integrity", "")
    for item in integrity.split():
        algo, _, digest = item.partition("-")
        if algo in ("sha512", "sha384", "sha256"):
            actual = base64.b64encode(hashlib.new(algo, data).digest()).decode()
            if actual != digest:
                raise AssetError(f"{what}: {algo} mismatch (registry {digest}, got {actual})")
            return item
    shasum = dist.get("shasum")
    if shasum:
        actual = hashlib.sha1(data).hexdigest()
        if actual != shasum:
            raise AssetError(f"{what}: sha1 mismatch (registry {shasum}, got {actual})")
        return f"sha1:{shasum}"
    raise AssetError(f"{what}: the registry gives no integrity or shasum to verify against")


def install(asset: Asset, dest: Path) -> None:
    """Download, verify and unpack one asset into ``dest/NAME@VERSION`` atomically."""
    quoted = urllib.parse.quote(asset.name, safe="@")  # @scope%2Fname
    meta = json.loads(_get(f"{REGISTRY}/{quoted}/{asset.version}"))
    dist = meta.get("dist") or {}
    if "tarball" not in dist:
        raise AssetError(f"{asset.folder}: the registry gives no tarball")
    data = _get(dist["tarball"])
    integrity = _verify(data, dist, asset.folder)

    target = dest / asset.folder
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tar.extractall(work, filter="data")
        unpacked = work / "package"
        if not unpacked.is_dir():  # a few packages use another top folder name
            tops = [p for p in work.iterdir() if p.is_dir()]
            if len(tops) != 1:
                raise AssetError(f"{asset.folder}: unexpected tarball layout {tops}")
            unpacked = tops[0]
        (unpacked / MARKER).write_text(
            json.dumps({"name": asset.name, "version": asset.version, "integrity": integrity})
        )
        if target.exists():  # an incomplete folder (no marker) from an older tool
            shutil.rmtree(target)
        os.replace(unpacked, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def missing_assets() -> list[Asset]:
    """The required assets not installed (all of them when solara cannot be found)."""
    dest = cdn_dir()
    return [a for a in referenced_assets() if not a.reason and not is_installed(a, dest)]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.views.assets", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a required one is missing")
    parser.add_argument("--list", action="store_true", help="list the assets and their status")
    parser.add_argument("--all", action="store_true", help="also install the optional ones")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    args = parser.parse_args(argv)

    try:
        assets = referenced_assets()
        dest = cdn_dir()
    except AssetError as exc:
        print(f"sahel assets: error: {exc}", file=sys.stderr)
        return 1
    wanted = [a for a in assets if args.all or not a.reason]

    if args.list:
        for a in assets:
            state = "installed" if is_installed(a, dest) else "missing"
            note = f" (optional: {a.reason})" if a.reason else ""
            print(f"{a.folder:55} {state}{note}")
        print(f"folder: {dest}")
        return 0

    missing = [a for a in wanted if not is_installed(a, dest)]
    if args.check:
        for a in missing:
            print(f"sahel assets: missing {dest / a.folder}", file=sys.stderr)
        return 1 if missing else 0

    for a in missing:
        if not args.quiet:
            print(f"sahel assets: installing {a.folder} into {dest}")
        try:
            install(a, dest)
        except (AssetError, OSError, tarfile.TarError) as exc:
            print(
                f"sahel assets: error: {exc}\nThe dashboard needs these files to work offline; "
                f"check access to {REGISTRY} (or set NPM_REGISTRY to a mirror) and re-run.",
                file=sys.stderr,
            )
            return 1
    if not args.quiet:
        print(f"sahel assets: {len(wanted)} assets present in {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
