#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image, with this
# bundle unpacked in /autograder/source. It installs the grader into source/venv with every
# package pinned by the lock (constraints.txt), so submissions are graded with the same
# TensorFlow, tf-keras and numpy as on the instructor's machine.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/venv"
UV_VERSION=0.13.9

supported() {  # the Pythons TensorFlow 2.21 has wheels for, and the lock installs on
    "$1" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null
}

find_python() {
    local name path
    for name in python3.13 python3.12 python3.11 python3; do
        path="$(command -v "$name" 2>/dev/null)" || continue
        if supported "$path"; then echo "$path"; return 0; fi
    done
    return 1
}

if [ -x "$VENV/bin/python" ] && supported "$VENV/bin/python"; then
    echo "Using the environment already in $VENV"  # setup.sh run again, or prepared
else
    PYTHON="$(find_python || true)"
    if [ -z "$PYTHON" ] && command -v apt-get >/dev/null; then
        # Gradescope's Ubuntu 22.04 image has 3.10 as python3 and 3.11 in its archive.
        echo "No Python 3.11 to 3.13 on PATH: installing python3.11 with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq python3.11 python3.11-venv || true
        PYTHON="$(find_python || true)"
    fi
    if [ -z "$PYTHON" ]; then
        # No package for it either (older Ubuntu): a standalone CPython, installed by uv.
        echo "Installing Python 3.11 with uv $UV_VERSION"
        if ! command -v uv >/dev/null; then
            python3 -m pip install --quiet "uv==$UV_VERSION" \
                || curl -LsSf "https://astral.sh/uv/$UV_VERSION/install.sh" \
                   | env UV_INSTALL_DIR=/usr/local/bin sh
        fi
        uv python install 3.11
        PYTHON="$(uv python find 3.11)"
    fi
    echo "Using $PYTHON ($("$PYTHON" --version))"

    if ! "$PYTHON" -m venv "$VENV"; then
        # Debian and Ubuntu ship venv apart from the interpreter.
        minor="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        apt-get install -y -qq "python$minor-venv"
        "$PYTHON" -m venv "$VENV"
    fi
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$HERE/constraints.txt" -r "$HERE/requirements.txt"
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
rm -rf "$SITE/autograder"
cp -r "$HERE/package/autograder" "$SITE/autograder"
# Fail the build here, not at the first student's submission.
if ! failure="$(TF_CPP_MIN_LOG_LEVEL=3 "$VENV/bin/python" \
        -c 'import tensorflow, tf_keras, autograder.lms.gradescope_autograder.run' 2>&1)"; then
    echo "$failure" >&2
    echo "The grader does not import in $VENV: see above." >&2
    exit 1
fi
echo "tf-autograder installed in $VENV"
