"""Progress on network home directories: NFS/SMB are detected, and the store uses the rollback journal there."""

from __future__ import annotations

from pathlib import Path

from tutor.course import store as store_module
from tutor.course.netfs import bsd_mount_types, filesystem_type, is_network_path, mount_types
from tutor.course.store import DB_NAME, ProgressStore

MOUNTINFO = r"""22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
40 27 0:40 / /home rw,relatime - nfs4 server:/export/home rw,vers=4.2
41 40 0:41 / /home/local\040disk rw,relatime - ext4 /dev/sdb1 rw
42 27 0:42 / /mnt/share rw,relatime - cifs //server/share rw
43 27 0:43 / /mnt/sshfs rw - fuse.sshfs user@host:/ rw
44 27 0:44 / /tmp rw - tmpfs tmpfs rw
"""


def test_mountinfo_is_parsed_with_escaped_spaces():
    mounts = dict(mount_types(MOUNTINFO))
    assert mounts["/home"] == "nfs4" and mounts["/home/local disk"] == "ext4"


def test_the_nearest_mount_decides(tmp_path):
    assert filesystem_type(Path("/home/ann/.local/share/rnn-tutor"), MOUNTINFO) == "nfs4"
    assert filesystem_type(Path("/home/local disk/ann"), MOUNTINFO) == "ext4"
    assert filesystem_type(Path("/homely"), MOUNTINFO) == "ext4"  # a prefix of the name is not a parent
    for path, network in [
        ("/home/ann/progress.sqlite3", True),
        ("/home/local disk/x", False),
        ("/mnt/share/class/ann", True),
        ("/mnt/sshfs/x", True),
        ("/tmp/x", False),
        ("/var/lib/x", False),
    ]:
        assert is_network_path(Path(path), MOUNTINFO) is network, path


def test_macos_mount_output():
    out = "/dev/disk3s1 on / (apfs, local, journaled)\nserver:/home on /Users/ann (nfs, nodev)\n"
    assert bsd_mount_types(out) == [("/", "apfs"), ("/Users/ann", "nfs")]


def test_this_machine_is_told_apart_without_error(tmp_path):
    assert isinstance(is_network_path(tmp_path), bool)


def test_the_store_uses_the_rollback_journal_on_a_network_file_system(tmp_path, monkeypatch):
    db = tmp_path / DB_NAME
    with ProgressStore(db) as store:
        assert store.journal_mode == "wal"
        store.record_attempt("demo", "ex0", "1", True)
    monkeypatch.setattr(store_module, "is_network_path", lambda path: True)
    with ProgressStore(db) as store:  # an existing WAL file is switched, its progress kept
        assert store.journal_mode == "delete"
        assert store.exercise_state("demo", "ex0").passed
        store.record_attempt("demo", "ex0", "2", False)
    assert not (tmp_path / f"{DB_NAME}-wal").exists()
    with ProgressStore(tmp_path / "fresh.sqlite3") as fresh:
        assert fresh.journal_mode == "delete"
