"""A private Docker engine and an offline base image for the container test.

No image registry is reachable from these machines, so the base image the Dockerfile builds on is
made here: a minimal Debian bookworm with its Python 3.11 (debootstrap from the machine's own
Debian mirror), imported into a Docker engine that runs in a temporary folder and is torn down
afterwards. The machine's CA certificates and pip settings go into the base image, so pip inside
the build reaches the same package index the machine uses. The debootstrap tarball is cached
between runs (TOKENCAST_CONTAINER_CACHE, default ~/.cache/tokencast-container).
"""

from __future__ import annotations

import configparser
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

BASE_IMAGE = "tokencast-base:bookworm-py311"
# Bump when the recipe below changes: the cached tarball is then made again.
BASE_RECIPE = "v1"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
SUITE = "bookworm"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
PIP_CONFIG_FILES = (
    Path("/etc/pip.conf"),
    Path("/etc/xdg/pip/pip.conf"),
    Path.home() / ".config" / "pip" / "pip.conf",
    Path.home() / ".pip" / "pip.conf",
)
APT_PACKAGES = {"dockerd": "docker.io", "debootstrap": "debootstrap"}


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "tokencast-container"
    path = Path(os.environ.get("TOKENCAST_CONTAINER_CACHE") or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(
    args: Sequence[str | Path], *, env: dict[str, str] | None = None, timeout: float = 600
) -> str:
    """Run a command; on failure raise with its output, which pytest then shows."""
    proc = subprocess.run(
        [str(a) for a in args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, args))} exited {proc.returncode}\n"
            f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
        )
    return proc.stdout


def ensure_tools() -> None:
    """Install Debian's Docker engine and debootstrap when missing (CI machines start bare)."""
    missing = [pkg for tool, pkg in APT_PACKAGES.items() if shutil.which(tool) is None]
    if not missing:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", *missing], env=env)


def docker_cli() -> str:
    """Debian's client, from the same package as the engine, when present."""
    debian = Path("/usr/bin/docker")
    found = str(debian) if debian.exists() else shutil.which("docker")
    if found is None:
        raise RuntimeError("no docker client: apt-get install docker.io")
    return found


# --- the Docker engine -------------------------------------------------------------------------


@dataclass(frozen=True)
class Engine:
    root: Path
    env: dict[str, str]

    def docker(self, *args: str | Path, timeout: float = 600) -> str:
        return run([docker_cli(), *args], env=self.env, timeout=timeout)


@contextlib.contextmanager
def docker_engine() -> Iterator[Engine]:
    """dockerd with its data and exec roots in a temporary folder; stopped and removed after.

    No bridge and no iptables rules: the machine's network is left as it is, and the build and
    the container use the host's network instead.
    """
    ensure_tools()
    root = Path(tempfile.mkdtemp(prefix="tc-dockerd-", dir="/tmp"))
    sock, pidfile = root / "docker.sock", root / "docker.pid"
    log = (root / "dockerd.log").open("wb")
    proc = subprocess.Popen(
        [
            "dockerd",
            "--storage-driver=overlay2",
            f"--data-root={root / 'data'}",
            f"--exec-root={root / 'exec'}",
            f"--pidfile={pidfile}",
            f"--host=unix://{sock}",
            "--bridge=none",
            "--iptables=false",
            "--ip-masq=false",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    env = {**os.environ, "DOCKER_HOST": f"unix://{sock}", "DOCKER_BUILDKIT": "0"}
    engine = Engine(root=root, env=env)
    try:
        _wait_for_engine(engine, proc)
        yield engine
    finally:
        _stop_engine(engine, proc)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_engine(engine: Engine, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dockerd exited {proc.returncode}: {_log_tail(engine)}")
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            engine.docker("version", timeout=10)
            return
        time.sleep(0.5)
    raise RuntimeError(f"dockerd did not answer within {timeout:.0f} s: {_log_tail(engine)}")


def _stop_engine(engine: Engine, proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(Exception):
        ids = engine.docker("ps", "-aq", timeout=30).split()
        if ids:
            engine.docker("rm", "-f", *ids, timeout=60)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            # dockerd runs in its own session: this reaches it and the containerd it started.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    _unmount_below(engine.root)


def _unmount_below(root: Path) -> None:
    """Mounts dockerd left behind (after a kill) would keep the folder from being removed."""
    with open("/proc/self/mounts") as mounts:
        points = [line.split()[1] for line in mounts if line.split()[1].startswith(str(root))]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True)


def _log_tail(engine: Engine) -> str:
    path = engine.root / "dockerd.log"
    return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"


# --- the base image ----------------------------------------------------------------------------


def import_base_image(engine: Engine) -> str:
    """Import the cached Debian rootfs, then add the machine's CA bundle and pip settings."""
    tarball = base_tarball()
    engine.docker("import", tarball, f"{BASE_IMAGE}-rootfs", timeout=300)
    with tempfile.TemporaryDirectory(prefix="tc-base-") as tmp:
        ctx = Path(tmp)
        shutil.copyfile(HOST_CA_BUNDLE, ctx / "ca-certificates.crt")
        (ctx / "pip.conf").write_text(pip_config())
        (ctx / "Dockerfile").write_text(
            f"FROM {BASE_IMAGE}-rootfs\n"
            "COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n"
            "COPY pip.conf /etc/pip.conf\n"
            'CMD ["python3"]\n'
        )
        engine.docker("build", "--network=host", "-q", "-t", BASE_IMAGE, ctx, timeout=300)
    return BASE_IMAGE


def base_tarball() -> Path:
    """The trimmed debootstrap rootfs as a tar file, made once and kept in the cache folder."""
    target = cache_dir() / f"debian-{SUITE}-python3-{BASE_RECIPE}.tar"
    if target.exists():
        return target
    ensure_tools()
    with tempfile.TemporaryDirectory(prefix="tc-rootfs-", dir="/tmp") as tmp:
        rootfs = Path(tmp) / "rootfs"
        run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                SUITE,
                rootfs,
                debian_mirror(),
            ],
            timeout=1200,
        )
        _configure_rootfs(rootfs)
        partial = target.with_suffix(".partial")
        run(["tar", "--numeric-owner", "-C", rootfs, "-cf", partial, "."], timeout=600)
        partial.rename(target)
    return target


def _configure_rootfs(rootfs: Path) -> None:
    """apt sources as the machine's; no package caches, manuals or translations."""
    sources = debian_sources()
    (rootfs / "etc/apt/sources.list").write_text("")
    for name, text in sources.items():
        (rootfs / "etc/apt/sources.list.d" / name).write_text(text)
    for sub in ("var/cache/apt", "var/lib/apt/lists", "usr/share/man", "usr/share/locale"):
        for child in (rootfs / sub).glob("*"):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    for doc in (rootfs / "usr/share/doc").glob("*/*"):
        if doc.name != "copyright" and doc.is_file():
            doc.unlink()


def debian_sources() -> dict[str, str]:
    """The machine's enabled apt sources that point at a Debian archive."""
    found: dict[str, str] = {}
    apt = Path("/etc/apt")
    files = [apt / "sources.list", *sorted((apt / "sources.list.d").glob("*"))]
    for path in files:
        if path.suffix not in (".list", ".sources") or not path.is_file():
            continue
        text = path.read_text()
        if "/debian" in text:
            found[path.name] = text
    if not found:
        raise RuntimeError("no Debian apt source found in /etc/apt")
    return found


def debian_mirror() -> str:
    """The first Debian archive URL among the machine's apt sources."""
    for text in debian_sources().values():
        for line in text.splitlines():
            words = line.split()
            if words[:1] == ["URIs:"] and len(words) > 1:
                return words[1]
            if words[:1] == ["deb"]:
                rest = [w for w in words[1:] if not w.startswith("[")]
                if rest:
                    return rest[0]
    raise RuntimeError("no Debian mirror URL in the machine's apt sources")


def pip_config() -> str:
    """The machine's pip index settings, for pip inside the build.

    Local folders (file: URLs, find-links) exist only on this machine and are left out; the CA
    bundle is the machine's, copied to the same path in the image.
    """
    parser = configparser.ConfigParser()
    parser.read([str(p) for p in PIP_CONFIG_FILES if p.is_file()])
    found: dict[str, str] = {}
    for section in ("global", "install"):
        if parser.has_section(section):
            found.update(parser.items(section))
    env_names = {"index-url": "PIP_INDEX_URL", "extra-index-url": "PIP_EXTRA_INDEX_URL"}
    env_names["trusted-host"] = "PIP_TRUSTED_HOST"
    for key, var in env_names.items():
        if os.environ.get(var):
            found[key] = os.environ[var]
    lines = ["[global]", f"cert = {HOST_CA_BUNDLE}"]
    for key in ("index-url", "extra-index-url", "trusted-host"):
        urls = [u for u in found.get(key, "").split() if not u.startswith("file:")]
        if urls:
            lines.append(f"{key} = {' '.join(urls)}")
    return "\n".join(lines) + "\n"
