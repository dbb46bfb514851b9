"""planner.files.safe: the one writer of users' files — atomic, and never over an existing file without force."""

import os

import pytest

from planner.base.errors import OutputExistsError, PlannerError
from planner.files.safe import check_output, write_atomic


def test_writes_text_bytes_or_a_writer_function(tmp_path):
    assert write_atomic(tmp_path / "a.txt", "π ≈ 3.14\n").read_text(encoding="utf-8") == "π ≈ 3.14\n"
    assert write_atomic(tmp_path / "b.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert write_atomic(tmp_path / "c.bin", lambda fh: fh.write(b"drawn")).read_bytes() == b"drawn"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.bin", "c.bin"]


def test_refuses_an_existing_file_without_force_in_one_line_naming_it_and_force(tmp_path):
    out = tmp_path / "law.toml"
    out.write_text("keep me")
    with pytest.raises(OutputExistsError) as info:
        write_atomic(out, "new")
    message = str(info.value)
    assert isinstance(info.value, PlannerError) and isinstance(info.value, FileExistsError)
    assert message == f"{str(out)!r} already exists; pass force=True to overwrite it"   # the Python argument
    assert "\n" not in message
    assert out.read_text() == "keep me"
    assert os.listdir(tmp_path) == ["law.toml"]
    with pytest.raises(OutputExistsError, match="force=True"):
        check_output(out)
    from planner.cli.errors import message as cli_message

    assert cli_message(info.value) == f"{str(out)!r} already exists; pass --force to overwrite it"   # the flag


def test_replaces_an_existing_file_with_force(tmp_path):
    out = tmp_path / "law.toml"
    out.write_text("old")
    assert write_atomic(out, "new", force=True) == out
    assert out.read_text() == "new"
    assert os.listdir(tmp_path) == ["law.toml"]


@pytest.mark.parametrize("where", ["writing", "checking"])
def test_failure_leaves_the_target_as_it_was_and_no_temporary_file(tmp_path, where):
    out = tmp_path / "law.toml"
    out.write_text("old")

    def fail(_):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        if where == "writing":
            write_atomic(out, fail, force=True)
        else:
            write_atomic(out, "half a law", force=True, check=fail)
    assert out.read_text() == "old"
    assert os.listdir(tmp_path) == ["law.toml"]


def test_check_sees_the_whole_temporary_file_in_the_same_folder(tmp_path):
    seen = []
    write_atomic(tmp_path / "law.toml", "complete", check=lambda tmp: seen.append((os.path.dirname(tmp),
                                                                                  open(tmp).read())))
    assert seen == [(str(tmp_path), "complete")]


def test_a_directory_or_a_missing_folder_is_one_line_error(tmp_path):
    with pytest.raises(OutputExistsError, match="is a directory; give a file name"):
        write_atomic(tmp_path, "x", force=True)
    with pytest.raises(OutputExistsError, match="folder .* does not exist"):
        write_atomic(tmp_path / "nope" / "f.txt", "x")
    assert os.listdir(tmp_path) == []


def test_the_written_file_gets_0666_less_the_umask_not_mkstemps_0600(tmp_path):
    """QA: law files and figures were renamed into place with mkstemp's 0600, unreadable to the user's group."""
    old = os.umask(0o027)
    try:
        out = write_atomic(tmp_path / "law.toml", "x = 1\n")
        assert out.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


# ---------------------------------------------------------------------------------------------------------------------
# what is never written over (issue: robustness)


@pytest.mark.parametrize("force", [False, True])
def test_a_fifo_or_a_device_is_never_replaced_even_with_force(tmp_path, force):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputExistsError, match="not a regular file"):
        write_atomic(fifo, "x", force=force)
    assert os.path.exists(fifo) and not os.path.isfile(fifo)
    with pytest.raises(OutputExistsError, match="not a regular file"):
        write_atomic("/dev/null", "x", force=force)
    assert not os.path.isfile("/dev/null")
    assert os.listdir(tmp_path) == ["pipe"]


@pytest.mark.parametrize("force", [False, True])
def test_a_dangling_symbolic_link_is_refused_and_kept(tmp_path, force):
    link = tmp_path / "out.toml"
    link.symlink_to(tmp_path / "missing")
    with pytest.raises(OutputExistsError, match="symbolic link to nothing"):
        write_atomic(link, "x", force=force)
    assert link.is_symlink() and not (tmp_path / "missing").exists()


def test_a_link_to_a_regular_file_is_followed_with_force_and_kept(tmp_path):
    target = tmp_path / "real.toml"
    target.write_text("old")
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    with pytest.raises(OutputExistsError, match="already exists"):
        write_atomic(link, "new")
    write_atomic(link, "new", force=True)
    assert link.is_symlink() and target.read_text() == "new"


def test_a_file_that_appears_during_the_write_is_not_replaced_without_force(tmp_path):
    """The no-clobber test happens when the file takes its name, not only before: a file another process wrote
    meanwhile survives byte for byte, and this write fails in one line."""
    out = tmp_path / "f.png"

    def writer(fh):
        out.write_bytes(b"the other process's figure")    # appears while we write
        fh.write(b"ours")

    with pytest.raises(OutputExistsError, match="appeared while planner was writing it"):
        write_atomic(out, writer)
    assert out.read_bytes() == b"the other process's figure"
    assert os.listdir(tmp_path) == ["f.png"]


@pytest.mark.slow  # concurrency
def test_concurrent_writers_of_one_name_leave_exactly_one_winner(tmp_path):
    import threading

    out, results = tmp_path / "f.txt", []

    def write(i):
        try:
            write_atomic(out, f"writer {i}\n")
            results.append(i)
        except OutputExistsError:
            pass

    threads = [threading.Thread(target=write, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 1 and out.read_text() == f"writer {results[0]}\n"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_an_empty_name_is_refused(tmp_path):
    with pytest.raises(OutputExistsError, match="empty"):
        check_output("")


def test_an_unwritable_folder_is_one_line(tmp_path, monkeypatch):
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(OutputExistsError, match=r"cannot write .*Permission denied"):
        write_atomic(tmp_path / "x.toml", "x")


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path):
    def full(fh):
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputExistsError, match="No space left on device"):
        write_atomic(tmp_path / "x.toml", full)
    assert os.listdir(tmp_path) == []


def test_proc_is_not_a_place_to_write():
    with pytest.raises(OutputExistsError):
        write_atomic("/proc/x.toml", "x")


# ---------------------------------------------------------------------------------------------------------------------
# the one reader


def _read(path, limit=None):
    from planner.base.errors import LawFileError
    from planner.files.safe import read_text

    return read_text(path, "law file", LawFileError, kind="a TOML law file", limit=limit)


@pytest.mark.parametrize("path, message", [
    ("/dev/zero", "not a regular file"), ("/dev/urandom", "not a regular file"), ("/dev/null", "not a regular file"),
])
def test_inputs_that_are_not_regular_files_are_refused_before_reading(path, message):
    from planner.base.errors import LawFileError

    with pytest.raises(LawFileError, match=message):
        _read(path)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    from planner.base.errors import LawFileError

    fifo = tmp_path / "law.toml"
    os.mkfifo(fifo)
    with pytest.raises(LawFileError, match="not a regular file"):
        _read(fifo)


def test_a_file_over_the_limit_says_the_limit(tmp_path):
    from planner.base.errors import LawFileError

    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 2000)
    with pytest.raises(LawFileError, match="2,000 bytes, more than the 1,000"):
        _read(big, limit=1000)


def test_a_byte_order_mark_is_dropped(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes("\ufeffid = 'x'\n".encode("utf-8"))
    assert _read(p) == "id = 'x'\n"
