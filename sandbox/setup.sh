#!/usr/bin/env bash
# What the sandboxes need on this machine; run by `make setup` (so by `make run` and
# `make test`) and by .ci/run. Idempotent and quick when everything is present.
#
#   sandbox/setup.sh deps    Debian packages: bubblewrap, debootstrap, docker.io,
#                            python3-numpy, python3-pandas (installed when missing and root;
#                            otherwise one line says what to install)
#   sandbox/setup.sh dockerd starts dockerd (as root) when no daemon answers; for CI
#   sandbox/setup.sh image   the image durable-agent-sandbox:<version>, built or reused,
#                            when a Docker daemon answers (else bubblewrap is the sandbox)
set -euo pipefail
cd "$(dirname "$0")/.."

installed() {  # a Debian package, or (no dpkg) a Python module of /usr/bin/python3
    if command -v dpkg-query >/dev/null; then
        dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
    else
        /usr/bin/python3 -c "import $2" 2>/dev/null
    fi
}

missing_packages() {
    command -v bwrap >/dev/null || echo bubblewrap
    command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || echo debootstrap
    command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || echo docker.io
    installed python3-numpy numpy || echo python3-numpy
    installed python3-pandas pandas || echo python3-pandas
}

deps() {
    local missing
    missing=$(missing_packages | tr '\n' ' ')
    [ -z "${missing// }" ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "sandbox: installing ${missing}" >&2
        # A failed install is a warning: the app runs without sandboxes, and the sandbox
        # tests (or `harness sandbox check`) then say what is missing.
        # shellcheck disable=SC2086  # one word per package
        { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            $missing >/dev/null; } || echo "sandbox: could not install ${missing}" >&2
    else
        echo "sandbox: missing ${missing}(Debian: sudo apt-get install ${missing}); " \
             "strategy discovery needs Docker or bubblewrap" >&2
    fi
}

docker_answers() { command -v docker >/dev/null && docker version >/dev/null 2>&1; }

dockerd_start() {
    docker_answers && return 0
    if [ "$(id -u)" != 0 ] || ! command -v dockerd >/dev/null; then
        echo "sandbox: no Docker daemon answers and this user cannot start one" >&2
        return 0
    fi
    echo "sandbox: starting dockerd (log: /var/log/dockerd-sandbox.log)" >&2
    nohup dockerd >/var/log/dockerd-sandbox.log 2>&1 &
    for _ in $(seq 1 60); do docker_answers && return 0; sleep 1; done
    # Not fatal: the other tests still run, and the Docker ones say what is missing.
    echo "sandbox: dockerd did not answer within 60 s; see /var/log/dockerd-sandbox.log" >&2
}

image() {
    if ! docker_answers; then
        echo "sandbox: no Docker daemon answers; backtests will run in bubblewrap" >&2
        return 0
    fi
    /usr/bin/python3 sandbox/build_image.py ||
        echo "sandbox: no image (see above); backtests will run in bubblewrap" >&2
}

for step in "${@:-deps image}"; do
    for word in $step; do
        case "$word" in
            deps) deps ;;
            dockerd) dockerd_start ;;
            image) image ;;
            *) echo "usage: sandbox/setup.sh [deps] [dockerd] [image]" >&2; exit 2 ;;
        esac
    done
done
