#!/usr/bin/env bash
# Set up the project's virtual environment: find Python >= 3.12, create the venv,
# install the pinned dependencies from requirements.lock and the project itself (editable),
# then Solara's front-end assets from the npm registry (sim/bundled/solara_assets.py).
#
# Environment:
#   PYTHON  interpreter to use (must be >= 3.12); otherwise one is searched for
#   VENV    venv directory (default: .venv, relative to the repo root)
#   CI      when "true": quiet output, never interactive
#
# Idempotent: when the venv's stamp file matches requirements.lock + pyproject.toml and
# Solara's front-end assets are present, nothing is installed and the script returns at once.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="${VENV:-.venv}"
[[ "$VENV" = /* ]] || VENV="$ROOT/$VENV"
VPY="$VENV/bin/python"
STAMP="$VENV/.sahel-setup.stamp"
CHECK='import sys; assert sys.version_info >= (3, 12)'

QUIET=()
if [[ "${CI:-}" == "true" ]]; then
    QUIET=(-q)
    export PIP_NO_INPUT=1 PIP_PROGRESS_BAR=off UV_NO_PROGRESS=1
fi

say() { echo "setup.sh: $*"; }
die() { echo "setup.sh: error: $*" >&2; exit 1; }

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"
    else shasum -a 256 "$@"; fi
}

for f in requirements.lock pyproject.toml; do
    [[ -f "$f" ]] || die "$ROOT/$f is missing"
done

# ---------------------------------------------------------------- fast path
wanted_stamp() {
    sha256 requirements.lock pyproject.toml
    "$VPY" -c 'import sys; print("python", sys.version.split()[0])'
}

venv_ok() { [[ -x "$VPY" ]] && "$VPY" -c "$CHECK" >/dev/null 2>&1; }

# Solara's front-end files (sim/bundled/solara_assets.py) must be present too: the dashboard
# needs them to work offline, and they live in the venv, outside the stamp's inputs.
assets_ok() { "$VPY" -m sim.bundled.solara_assets --check --quiet >/dev/null 2>&1; }

if venv_ok && [[ -x "$VENV/bin/uv" && -f "$STAMP" ]] \
        && [[ "$(cat "$STAMP")" == "$(wanted_stamp)" ]] && assets_ok; then
    [[ "${CI:-}" == "true" ]] || say "$VENV is up to date"
    exit 0
fi

# ------------------------------------------------------- find Python >= 3.12
TRIED=()
FOUND=""

# try LABEL CMD...: accept CMD if it runs and is >= 3.12; FOUND = its real executable.
try() {
    local label="$1"; shift
    local exe
    if exe="$("$@" -c "$CHECK; print(sys.executable)" 2>/dev/null)" && [[ -n "$exe" && -x "$exe" ]]; then
        FOUND="$exe"
        return 0
    fi
    TRIED+=("$label")
    return 1
}

find_python() {
    if [[ -n "${PYTHON:-}" ]]; then
        try "PYTHON=$PYTHON" "$PYTHON" && return 0
        local what="not found"
        if command -v "$PYTHON" >/dev/null 2>&1; then
            what="$("$PYTHON" --version 2>&1 | head -n1 || true)"
        fi
        die "PYTHON=$PYTHON is not a working Python >= 3.12 (${what:-no version reported}).
Unset PYTHON to search automatically, or set PYTHON=/path/to/python3.12."
    fi

    local name
    for name in python3.12 python3.13; do
        if command -v "$name" >/dev/null 2>&1; then
            try "$name on PATH ($(command -v "$name"))" "$name" && return 0
        else
            TRIED+=("$name on PATH (not found)")
        fi
    done

    # pyenv: interpreters installed but maybe not selected (pyenv global older).
    local proot="" v p
    if command -v pyenv >/dev/null 2>&1; then
        proot="$(pyenv root 2>/dev/null || true)"
    fi
    [[ -n "$proot" ]] || proot="${PYENV_ROOT:-$HOME/.pyenv}"
    local found_any=0
    for p in "$proot"/versions/3.12*/bin/python3.12 "$proot"/versions/3.13*/bin/python3.13; do
        [[ -e "$p" ]] || continue
        found_any=1
        try "pyenv interpreter $p" "$p" && return 0
    done
    if command -v pyenv >/dev/null 2>&1; then
        for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.|$)' || true); do
            found_any=1
            try "PYENV_VERSION=$v python3" env PYENV_VERSION="$v" pyenv exec python3 && return 0
        done
    fi
    [[ $found_any == 1 ]] || TRIED+=("pyenv versions 3.12*/3.13* under $proot (none)")

    if command -v python3 >/dev/null 2>&1; then
        try "python3 on PATH ($(command -v python3), $(python3 --version 2>&1 | head -n1))" python3 && return 0
    else
        TRIED+=("python3 on PATH (not found)")
    fi
    return 1
}

need_venv=0
if ! venv_ok; then
    need_venv=1
fi

if [[ $need_venv == 1 ]]; then
    if ! find_python; then
        {
            echo "setup.sh: error: no Python >= 3.12 found (this project requires Python >= 3.12)."
            echo "Tried:"
            for t in "${TRIED[@]}"; do echo "  - $t"; done
            echo "Fix: install Python 3.12 (e.g. 'apt-get install python3.12 python3.12-venv',"
            echo "     'pyenv install 3.12', 'conda create -n sahel python=3.12', or python.org),"
            echo "     then re-run, or point to it explicitly: PYTHON=/path/to/python3.12 $0"
        } >&2
        exit 1
    fi
    if [[ -e "$VENV" ]]; then
        [[ -f "$VENV/pyvenv.cfg" ]] || die "$VENV exists but is not a virtual environment; remove it or set VENV=..."
        say "existing $VENV has no working Python >= 3.12; recreating it"
        rm -rf -- "$VENV"
    fi
    say "creating $VENV with $("$FOUND" --version 2>&1) ($FOUND)"
    "$FOUND" -m venv "$VENV" \
        || die "could not create the venv with $FOUND (on Debian/Ubuntu install the python3.12-venv package)"
    venv_ok || die "$VPY does not work after creating the venv"
fi

# ------------------------------------------------------------------ install
if [[ ! -x "$VENV/bin/uv" ]]; then
    [[ "${CI:-}" == "true" ]] || say "installing uv into $VENV"
    "$VPY" -m pip install -q --disable-pip-version-check --no-input "uv>=0.4" \
        || die "pip could not install uv into $VENV"
fi

UV="$VENV/bin/uv"
[[ "${CI:-}" == "true" ]] || say "installing requirements.lock into $VENV"
# --compile-bytecode: the .pyc files are written once here, so that every later process starts
# quickly even where PYTHONDONTWRITEBYTECODE is set (Python then never caches them itself).
"$UV" pip install ${QUIET[@]+"${QUIET[@]}"} --compile-bytecode --python "$VPY" -r requirements.lock
"$UV" pip install ${QUIET[@]+"${QUIET[@]}"} --python "$VPY" --no-deps -e .

# Solara's browser assets from the npm registry into $VENV/share/solara/cdn (skips what is
# present), so `sahel viz` works with no internet.
ASSET_ARGS=()
[[ "${CI:-}" == "true" ]] && ASSET_ARGS=(--quiet)
"$VPY" -m sim.bundled.solara_assets ${ASSET_ARGS[@]+"${ASSET_ARGS[@]}"} \
    || die "could not install Solara's front-end assets (see above)"

wanted_stamp > "$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
say "ready: $("$VPY" --version 2>&1) in $VENV"
