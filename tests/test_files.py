"""planner.files: the one writer of users' files — atomic, and never over an existing file without force."""

import os

import pytest

from planner.errors import OutputExistsError, PlannerError
from planner.files import check_output, write_atomic


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
    assert message == f"{str(out)!r} already exists; pass --force to overwrite it"
    assert "\n" not in message
    assert out.read_text() == "keep me"
    assert os.listdir(tmp_path) == ["law.toml"]
    with pytest.raises(OutputExistsError, match="--force"):
        check_output(out)


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
