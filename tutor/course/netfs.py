"""Is a path on a network file system? SQLite's WAL journal is not safe there.

WAL keeps its index in shared memory (the ``-shm`` file mapped by every connection), which NFS,
SMB and similar file systems cannot share between machines, and their byte-range locks are often
unreliable; SQLite's documentation says WAL "does not work over a network filesystem". The
progress store uses the rollback journal on such a file system instead.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

# Linux /proc/self/mountinfo type names of file systems whose files may be shared between machines
NETWORK_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "coda",
        "9p",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "ocfs2",
        "gfs2",
        "beegfs",
        "davfs",
        "afpfs",  # macOS names
        "webdav",
        "fuse.sshfs",
        "fuse.glusterfs",
        "fuse.cephfs",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.davfs2",
    }
)
MOUNTINFO = Path("/proc/self/mountinfo")


def _unescape(field: str) -> str:
    """Mount points in mountinfo escape space, tab, newline and backslash as octal (\\040)."""
    if "\\" not in field:
        return field
    out: list[str] = []
    i = 0
    while i < len(field):
        if field[i] == "\\" and len(field[i + 1 : i + 4]) == 3 and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def mount_types(mountinfo: str) -> list[tuple[str, str]]:
    """(mount point, file system type) of each line of a Linux mountinfo text."""
    mounts: list[tuple[str, str]] = []
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields, after = left.split(), right.split()
        if sep and len(fields) >= 5 and after:
            mounts.append((_unescape(fields[4]), after[0]))
    return mounts


def bsd_mount_types(output: str) -> list[tuple[str, str]]:
    """(mount point, type) of each line of macOS/BSD ``mount`` output: "src on /point (type, ...)"."""
    mounts: list[tuple[str, str]] = []
    for line in output.splitlines():
        m = re.match(r".* on (.+) \(([^,)]+)", line)
        if m:
            mounts.append((m.group(1), m.group(2).strip()))
    return mounts


def _system_mounts() -> list[tuple[str, str]] | None:
    try:
        return mount_types(MOUNTINFO.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        pass
    if sys.platform == "darwin" or "bsd" in sys.platform:
        try:
            done = subprocess.run(["/sbin/mount"], capture_output=True, text=True, timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return bsd_mount_types(done.stdout)
    return None


def filesystem_type(path: Path, mountinfo: str | None = None) -> str | None:
    """The type of the file system holding ``path`` (Linux, macOS, BSD; None where it cannot be told)."""
    mounts = mount_types(mountinfo) if mountinfo is not None else _system_mounts()
    if mounts is None:
        return None
    # symlinks resolved in the part that exists (the store's folder may not exist yet)
    target, rest = Path(os.path.abspath(path)), Path()
    while not target.exists() and target.parent != target:
        target, rest = target.parent, Path(target.name) / rest
    target = target.resolve() / rest
    best, best_type = "", None
    for point, fstype in mounts:
        inside = point == "/" or target == Path(point) or Path(point) in target.parents
        if inside and len(point) >= len(best):  # later lines win ties: they mount over earlier ones
            best, best_type = point, fstype
    return best_type


def is_network_path(path: Path, mountinfo: str | None = None) -> bool:
    """True when ``path`` is on NFS, SMB or another file system shared over a network."""
    if sys.platform == "win32":
        return _windows_remote(path)
    fstype = filesystem_type(path, mountinfo)
    return fstype is not None and (fstype in NETWORK_TYPES or fstype.startswith("nfs"))


def _windows_remote(path: Path) -> bool:
    """A UNC path (\\\\server\\share) or a drive letter mapped to a network share."""
    drive = os.path.splitdrive(os.path.abspath(path))[0]
    if drive.startswith(("\\\\", "//")):
        return True
    try:
        import ctypes

        windll = getattr(ctypes, "windll")  # noqa: B009 - only on Windows; mypy on Linux does not know it
        return bool(windll.kernel32.GetDriveTypeW(drive + "\\") == 4)  # DRIVE_REMOTE
    except (OSError, AttributeError):
        return False
