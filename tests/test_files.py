"""autograd.files.write_atomically, and every save of the project going through it.

Each writer (Module.save, drawing.save, save_player, plot_decision_boundary,
plot_history) must: keep an existing file's permissions, give a new file the
umask's mode, never write through a symlink (at the target, or at a
temporary name someone could predict), work for names near the 255-byte
limit, and leave nothing behind when it fails.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import nn
from autograd import Value, draw_graph, files, save_player
from autograd.views import drawing

# ---------------------------------------------------------------------------
# The writers under test: each writes one file at `path` (whose suffix it needs)
# ---------------------------------------------------------------------------


def _graph() -> Value:
    x = Value(0.5, label="x")
    return (x * x).tanh()


def _save_model(path: Path) -> None:
    nn.MLP(2, [2, 1], seed=0).save(path)


def _save_drawing(path: Path) -> None:
    drawing.save(draw_graph(_graph()), path)


def _save_player(path: Path) -> None:
    save_player(_graph(), path)


def _plot_boundary(path: Path) -> None:
    X, y = nn.make_moons(10, seed=0)
    nn.plot_decision_boundary(nn.MLP(2, [2, 1], seed=0), X, y, path, resolution=5)


def _plot_history(path: Path) -> None:
    nn.plot_history(nn.History(losses=[1.0, 0.5], accuracies=[0.5, 0.75]), path)


WRITERS: dict[str, tuple[Callable[[Path], None], str]] = {
    "Module.save": (_save_model, ".json"),
    "drawing.save": (_save_drawing, ".dot"),
    "save_player": (_save_player, ".html"),
    "plot_decision_boundary": (_plot_boundary, ".png"),
    "plot_history": (_plot_history, ".png"),
}


@pytest.fixture(params=list(WRITERS))
def writer(request) -> tuple[Callable[[Path], None], str]:
    return WRITERS[request.param]


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_an_existing_file_keeps_its_permissions(writer, tmp_path) -> None:
    write, suffix = writer
    target = tmp_path / f"out{suffix}"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write(target)
    assert target.read_bytes() != b"old"
    assert mode_of(target) == 0o640


def test_a_new_file_gets_the_mode_the_umask_gives(writer, tmp_path, umask_022) -> None:
    write, suffix = writer
    target = tmp_path / f"new{suffix}"
    write(target)
    assert mode_of(target) == 0o644  # not 0o600, as every save was before


def test_a_symlink_at_the_target_is_replaced_not_written_through(writer, tmp_path) -> None:
    write, suffix = writer
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / f"out{suffix}"
    target.symlink_to(victim)
    write(target)
    assert victim.read_text() == "keep me"
    assert not target.is_symlink() and target.stat().st_size > 0


def test_a_symlink_planted_at_the_old_predictable_temporary_name_is_not_followed(
        writer, tmp_path) -> None:
    # the old writer of drawings and players used ".<name>.<pid>.tmp" and followed it
    write, suffix = writer
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / f"out{suffix}"
    (tmp_path / f".{target.name}.{os.getpid()}.tmp").symlink_to(victim)
    write(target)
    assert victim.read_text() == "keep me"
    assert target.is_file() and not target.is_symlink() and target.stat().st_size > 0


def test_a_name_of_250_bytes_works(writer, tmp_path) -> None:
    write, suffix = writer
    for stem in ("m" * (250 - len(suffix)), "é" * ((251 - len(suffix)) // 2)):
        target = tmp_path / f"{stem}{suffix}"
        assert len(os.fsencode(target.name)) >= 250
        write(target)
        assert target.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{'m' * (250 - len(suffix))}{suffix}", f"{'é' * ((251 - len(suffix)) // 2)}{suffix}"])


def test_a_failed_write_leaves_the_old_file_and_nothing_else(writer, tmp_path,
                                                              monkeypatch) -> None:
    write, suffix = writer
    target = tmp_path / f"out{suffix}"
    target.write_bytes(b"old")

    def disk_full(fd: int, data: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_write_all", disk_full)
    with pytest.raises(OSError, match=f"No space left on device: '{target}'"):
        write(target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


# ---------------------------------------------------------------------------
# write_atomically itself
# ---------------------------------------------------------------------------


def test_writes_bytes_and_str_and_returns_the_path(tmp_path) -> None:
    assert files.write_atomically(tmp_path / "a.bin", b"\x00\xff") == tmp_path / "a.bin"
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\xff"
    files.write_atomically(str(tmp_path / "b.txt"), "grüße")
    assert (tmp_path / "b.txt").read_bytes() == "grüße".encode()
    with pytest.raises(TypeError, match="bytes or str, got list"):
        files.write_atomically(tmp_path / "c", [1, 2])  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "b.txt"]


def test_a_planted_symlink_at_the_drawn_temporary_name_is_skipped(tmp_path,
                                                                   monkeypatch) -> None:
    names = iter(["aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr(files, "_random_part", lambda: next(names))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    trap = tmp_path / ".out.txt.aaaaaaaa.tmp"
    trap.symlink_to(victim)
    files.write_atomically(tmp_path / "out.txt", "new")
    assert victim.read_text() == "keep me" and trap.is_symlink()  # untouched, not removed
    assert (tmp_path / "out.txt").read_text() == "new"
    assert not (tmp_path / ".out.txt.bbbbbbbb.tmp").exists()  # used, then renamed


def test_threads_saving_the_same_path_all_succeed_with_one_whole_file(tmp_path) -> None:
    target = tmp_path / "shared.bin"
    contents = [bytes([k]) * 200_000 for k in range(8)]
    start = threading.Barrier(len(contents))
    errors: list[BaseException] = []

    def save(content: bytes) -> None:
        start.wait()
        try:
            files.write_atomically(target, content)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=save, args=(c,)) for c in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert target.read_bytes() in contents
    assert [p.name for p in tmp_path.iterdir()] == ["shared.bin"]


def test_threads_saving_the_same_drawing_and_model_all_succeed(tmp_path) -> None:
    graph = draw_graph(_graph())
    model = nn.MLP(2, [3, 1], seed=0)
    jobs = ([lambda: drawing.save(graph, tmp_path / "g.dot")] * 6
            + [lambda: model.save(tmp_path / "m.json")] * 6)
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], object]) -> None:
        start.wait()
        try:
            job()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (tmp_path / "g.dot").read_text() == graph.source
    assert nn.load(tmp_path / "m.json").state_dict() == model.state_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot", "m.json"]


def test_errors_name_the_target_and_leave_nothing(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="nodir/x.json"):
        files.write_atomically(tmp_path / "nodir" / "x.json", "{}")
    (tmp_path / "a-directory").mkdir()
    with pytest.raises(IsADirectoryError, match="a-directory"):
        files.write_atomically(tmp_path / "a-directory", "{}")
    too_long = tmp_path / ("n" * 256)
    with pytest.raises(OSError, match="File name too long") as caught:
        files.write_atomically(too_long, "{}")
    assert caught.value.errno == errno.ENAMETOOLONG
    assert [p.name for p in tmp_path.iterdir()] == ["a-directory"]
    assert list((tmp_path / "a-directory").iterdir()) == []


def test_an_interrupt_while_writing_removes_the_temporary_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def interrupted(fd: int, data: object) -> None:
        os.write(fd, b"ne")  # half of it
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "_write_all", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomically(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


# ---------------------------------------------------------------------------
# Special files and owners (issue 24, items 8 and 9)
# ---------------------------------------------------------------------------

as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                             reason="needs root (mknod, chown to another user)")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _null_device(path: Path) -> None:  # what /dev/null is, made where it can do no harm
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))


def _make_directory(path: Path) -> None:
    path.mkdir()


def _through_a_symlink(make: Callable[[Path], None]) -> Callable[[Path], None]:
    def make_link(path: Path) -> None:
        make(path.with_name("real-thing"))
        path.symlink_to(path.with_name("real-thing"))
    return make_link


SPECIAL_FILES = {  # what is at the target -> (how to make it, what the error says)
    "FIFO": (_fifo, "a FIFO, not a regular file"),
    "device": (_null_device, "a character device, not a regular file"),
    "symlink to a FIFO": (_through_a_symlink(_fifo), "a symlink to a FIFO, not a regular file"),
    "symlink to a device": (_through_a_symlink(_null_device),
                            "a symlink to a character device, not a regular file"),
}


def _snapshot(directory: Path) -> dict[str, tuple[int, int, int]]:
    """What each entry of `directory` is (type and mode, device number, inode): unchanged
    means nothing was replaced or added."""
    return {p.name: (p.lstat().st_mode, p.lstat().st_rdev, p.lstat().st_ino)
            for p in directory.iterdir()}


@as_root
@pytest.mark.parametrize("kind", list(SPECIAL_FILES))
def test_fifos_and_devices_at_the_target_are_refused_and_left_alone(kind, tmp_path) -> None:
    make, words = SPECIAL_FILES[kind]
    target = tmp_path / "out.json"
    make(target)
    before = _snapshot(tmp_path)
    with pytest.raises(shutil.SpecialFileError) as caught:
        files.write_atomically(target, "{}")
    assert str(caught.value).endswith(f"{words}: '{target}'")
    assert caught.value.strerror == words and caught.value.filename == str(target)
    assert _snapshot(tmp_path) == before


@as_root
def test_every_writer_refuses_a_device_and_leaves_it(writer, tmp_path) -> None:
    write, suffix = writer
    target = tmp_path / f"null{suffix}"
    _null_device(target)
    before = _snapshot(tmp_path)
    with pytest.raises(OSError, match=f"a character device, not a regular file: '{target}'"):
        write(target)
    assert _snapshot(tmp_path) == before


def test_a_symlink_to_a_directory_is_refused_and_left_alone(tmp_path) -> None:
    target = tmp_path / "out.json"
    _through_a_symlink(_make_directory)(target)
    before = _snapshot(tmp_path)
    with pytest.raises(IsADirectoryError,
                       match=f"a symlink to a directory, not a regular file: '{target}'"):
        files.write_atomically(target, "{}")
    assert _snapshot(tmp_path) == before and target.is_symlink()


@as_root
def test_an_existing_file_keeps_its_owner_and_group(writer, tmp_path) -> None:
    write, suffix = writer
    target = tmp_path / f"out{suffix}"
    target.write_bytes(b"old")
    os.chown(target, 1234, 5678)
    target.chmod(0o640)
    write(target)
    info = target.stat()
    assert target.read_bytes() != b"old"
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 5678, 0o640)


@as_root
def test_the_group_is_kept_when_only_the_group_may_be_given(tmp_path, monkeypatch) -> None:
    # a user who is not root may give a file to a group of theirs, never to another user
    target = tmp_path / "out.txt"
    target.write_text("old")
    os.chown(target, 1234, 5678)
    real_fchown = os.fchown

    def fchown_as_a_user(fd: int, uid: int, gid: int) -> None:
        if uid != -1:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        real_fchown(fd, uid, gid)

    monkeypatch.setattr(os, "fchown", fchown_as_a_user)
    files.write_atomically(target, "new")
    assert (target.stat().st_uid, target.stat().st_gid) == (0, 5678)

    def fchown_refused(fd: int, uid: int, gid: int) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", fchown_refused)
    files.write_atomically(target, "newer")  # keeping the owner is a wish, not a must
    assert target.read_text() == "newer" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]
