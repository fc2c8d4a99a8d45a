"""The journal: exact backups, undo that restores bytes, refuses over later edits, and is idempotent."""

from __future__ import annotations

import os
import stat

import pytest

from tlsdoctor.fix import journal as jmod
from tlsdoctor.fix.journal import Journal, JournalError

SECRET = "s3cr3t-planted-Pw"


@pytest.fixture()
def jr(tmp_path):
    return Journal(str(tmp_path / "state"))


def _mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def test_default_state_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xs"))
    assert jmod.state_dir() == str(tmp_path / "xs" / "tlsdoctor")
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert jmod.state_dir() == str(tmp_path / "home" / ".local" / "state" / "tlsdoctor")


def test_undo_restores_exact_bytes_mode_and_removes_created(jr, tmp_path):
    existing = tmp_path / "pip.conf"
    old = b"[global]\r\nindex-url = https://x/simple\r\n# comment\r\nno-final-newline"
    existing.write_bytes(old)
    os.chmod(existing, 0o640)
    created = tmp_path / "new" / "dir" / "bundle.pem"
    tx = jr.begin("test run")
    assert tx.write(str(existing), b"[global]\ncert = /x\n")
    assert tx.write(str(created), b"PEM")
    tx.commit()
    assert existing.read_bytes() == b"[global]\ncert = /x\n"
    assert _mode(existing) == 0o640  # mode kept across the atomic replace
    res = jr.undo("last")
    assert res.status == "undone", res.message
    assert existing.read_bytes() == old and _mode(existing) == 0o640
    assert not created.exists() and not (tmp_path / "new").exists()  # created dirs removed too
    # Idempotent: a second undo changes nothing and does not reach back to older runs.
    again = jr.undo("last")
    assert again.status == "already_undone" and again.ok
    assert existing.read_bytes() == old


def test_second_undo_last_does_not_undo_an_older_run(jr, tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"v0")
    t1 = jr.begin("one")
    t1.write(str(f), b"v1")
    t1.commit()
    t2 = jr.begin("two")
    t2.write(str(f), b"v2")
    t2.commit()
    assert jr.undo("last").status == "undone"
    assert f.read_bytes() == b"v1"
    assert jr.undo("last").status == "already_undone"
    assert f.read_bytes() == b"v1"  # negative control: the older run is still applied
    assert jr.undo(t1.id).status == "undone"
    assert f.read_bytes() == b"v0"


def test_refuses_with_diff_when_changed_since_and_force_restores(jr, tmp_path):
    f = tmp_path / "pip.conf"
    f.write_bytes(b"[global]\ntimeout = 5\n")
    other = tmp_path / "other"
    other.write_bytes(b"a")
    tx = jr.begin("run")
    tx.write(str(other), b"b")
    tx.write(str(f), b"[global]\ntimeout = 5\ncert = /b.pem\n")
    tx.commit()
    f.write_bytes(b"[global]\ntimeout = 5\ncert = /b.pem\nindex-url = https://u:%s@idx/simple\n" % SECRET.encode())
    res = jr.undo("last")
    assert res.status == "refused" and not res.ok
    assert "changed since" in res.conflicts[0].reason
    assert "+index-url = https://***@idx/simple" in res.conflicts[0].diff
    assert SECRET not in res.conflicts[0].diff  # the diff is redacted
    assert other.read_bytes() == b"b"  # all or nothing: the unchanged file was not restored either
    assert jr.load(tx.id)["status"] == jmod.APPLIED
    forced = jr.undo("last", force=True)
    assert forced.status == "undone"
    assert f.read_bytes() == b"[global]\ntimeout = 5\n" and other.read_bytes() == b"a"


def test_created_file_changed_since_is_not_removed(jr, tmp_path):
    f = tmp_path / "created.pem"
    tx = jr.begin("run")
    tx.write(str(f), b"ours")
    tx.commit()
    f.write_bytes(b"theirs")
    assert jr.undo("last").status == "refused"
    assert f.read_bytes() == b"theirs"


def test_same_file_written_twice_restores_original(jr, tmp_path):
    f = tmp_path / "rc"
    f.write_bytes(b"orig")
    tx = jr.begin("run")
    tx.write(str(f), b"one")
    tx.write(str(f), b"two")
    tx.commit()
    assert len(jr.load(tx.id)["files"]) == 1
    assert jr.undo(tx.id).status == "undone"
    assert f.read_bytes() == b"orig"


def test_symlinked_dotfile_stays_a_symlink(jr, tmp_path):
    real = tmp_path / "dotfiles" / "bashrc"
    real.parent.mkdir()
    real.write_bytes(b"export A=1\n")
    link = tmp_path / ".bashrc"
    link.symlink_to(real)
    tx = jr.begin("run")
    tx.write(str(link), b"export A=2\n")
    tx.commit()
    assert link.is_symlink() and real.read_bytes() == b"export A=2\n"
    jr.undo("last")
    assert link.is_symlink() and real.read_bytes() == b"export A=1\n"


def test_no_op_write_records_nothing(jr, tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"same")
    tx = jr.begin("run")
    assert tx.write(str(f), b"same") is False
    tx.commit()
    assert jr.load(tx.id)["status"] == jmod.EMPTY
    assert jr.undo("last").status == "nothing_to_undo"


def test_private_modes_and_redacted_metadata(jr, tmp_path):
    f = tmp_path / "pip.conf"
    f.write_bytes(b"[global]\nindex-url = https://user:%s@idx/simple\n" % SECRET.encode())
    tx = jr.begin("set cert; proxy was https://bob:%s@proxy:3128" % SECRET,
                  details={"index": "https://idx/simple?token=%s" % SECRET})
    tx.write(str(f), b"[global]\ncert = /b\n", note="old value https://user:%s@idx" % SECRET)
    tx.commit()
    assert _mode(jr.directory) == 0o700
    tdir = os.path.join(jr.directory, tx.id)
    assert _mode(tdir) == 0o700 and _mode(os.path.join(tdir, "files")) == 0o700
    for name in os.listdir(os.path.join(tdir, "files")):
        assert _mode(os.path.join(tdir, "files", name)) == 0o600
    meta = open(os.path.join(tdir, "transaction.json")).read()
    assert _mode(os.path.join(tdir, "transaction.json")) == 0o600
    assert SECRET not in meta
    assert "bob" not in meta
    # the backup itself is the user's file byte for byte (exact undo needs it)
    assert SECRET.encode() in open(os.path.join(tdir, "files", "0.before"), "rb").read()
    listing = repr(jr.list_transactions())
    assert SECRET not in listing and tx.id in listing


def test_unknown_id_and_path_like_id_are_errors(jr, tmp_path):
    with pytest.raises(JournalError):
        jr.undo("nope")
    with pytest.raises(JournalError):
        jr.load("../etc")


def test_corrupted_backup_is_refused(jr, tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"old")
    tx = jr.begin("run")
    tx.write(str(f), b"new")
    tx.commit()
    with open(os.path.join(jr.directory, tx.id, "files", "0.before"), "wb") as fh:
        fh.write(b"tampered")
    with pytest.raises(JournalError):
        jr.undo("last")
    assert f.read_bytes() == b"new"


def test_one_fix_or_undo_at_a_time(jr, tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"old")
    tx = jr.begin("run")
    tx.write(str(f), b"new")
    tx.commit()
    other = Journal(jr.root)  # another process, in effect (its own lock file descriptor)
    with jr.lock():
        with pytest.raises(JournalError, match="another tlsdoctor"):
            other.undo("last")
        assert jr.undo("last").status == "undone"  # re-entrant for the holder (apply -> rollback)
    assert f.read_bytes() == b"old"
