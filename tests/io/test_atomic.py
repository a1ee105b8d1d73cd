"""Atomic files and published folders (sim/io/atomic.py)."""

from __future__ import annotations

import json
import os

import pytest

from sim.io.atomic import (
    MANIFEST,
    IncompleteOutput,
    check_published,
    clean_folder,
    clean_temporaries,
    publish_folder,
    versions_folder,
    write_file,
    write_text,
)


def test_write_file_keeps_the_old_file_when_writing_fails(tmp_path):
    path = write_text(tmp_path / "a.txt", "old")

    def fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_file(path, fail)
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


def _write_files(**files):
    def write(folder):
        for name, text in files.items():
            (folder / name).write_text(text)

    return write


def test_publish_replaces_the_folder_and_keeps_one_version(tmp_path):
    out = tmp_path / "store"
    publish_folder(out, _write_files(a="1", b="2"))
    first = out.resolve()
    publish_folder(out, _write_files(a="3"))
    assert out.is_symlink() and out.resolve() != first
    assert (out / "a").read_text() == "3" and not (out / "b").exists()
    assert check_published(out) == out
    assert [p.name for p in versions_folder(out).iterdir()] == [out.resolve().name]


def test_a_failed_publish_leaves_the_old_version_and_no_leftovers(tmp_path):
    out = tmp_path / "store"
    publish_folder(out, _write_files(a="old"))

    def fail(folder):
        (folder / "a").write_text("new, half written")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish_folder(out, fail)
    assert (out / "a").read_text() == "old"
    assert len(list(versions_folder(out).iterdir())) == 1


def test_a_folder_from_before_publishing_is_replaced(tmp_path):
    out = tmp_path / "store"
    out.mkdir()
    (out / "old").write_text("legacy")
    publish_folder(out, _write_files(a="new"), ours=lambda folder: (folder / "old").exists())
    assert out.is_symlink() and sorted(p.name for p in out.iterdir()) == [MANIFEST, "a"]
    assert len(list(versions_folder(out).iterdir())) == 1


@pytest.mark.parametrize("damage", ["no manifest", "truncated", "changed", "missing", "garbled"])
def test_check_published_refuses_an_incomplete_folder(tmp_path, damage):
    out = tmp_path / "store"
    publish_folder(out, _write_files(a="12345", b="x"))
    if damage == "no manifest":
        (out / MANIFEST).unlink()
    elif damage == "truncated":
        (out / "a").write_text("12")
    elif damage == "changed":
        (out / "a").write_text("54321")
    elif damage == "missing":
        (out / "b").unlink()
    else:
        (out / MANIFEST).write_text("{not json")
    with pytest.raises(IncompleteOutput, match="store is incomplete"):
        check_published(out)


def test_the_manifest_lists_every_file_with_its_checksum(tmp_path):
    out = publish_folder(tmp_path / "store", _write_files(a="1"))
    files = json.loads((out / MANIFEST).read_text())["files"]
    assert set(files) == {"a"} and files["a"]["size"] == 1 and len(files["a"]["sha256"]) == 64


def test_clean_temporaries_removes_only_the_leftovers_of_its_output(tmp_path):
    out = publish_folder(tmp_path / "store", _write_files(a="1"))
    stale_file = tmp_path / f".store.{os.getpid() + 1}.tmp"
    stale_file.write_text("killed link")
    stale_version = versions_folder(out) / "123-456"
    stale_version.mkdir()
    someone_elses = tmp_path / ".notes.tmp"
    someone_elses.write_text("not ours")
    removed = clean_temporaries(out)
    assert set(removed) == {stale_file, stale_version}
    assert someone_elses.exists() and (out / "a").read_text() == "1"


def test_clean_folder_empties_a_run_folder_of_temporaries(tmp_path):
    (tmp_path / ".results.nc.99.tmp").write_text("half")
    (tmp_path / "results.nc").write_text("whole")
    assert [p.name for p in clean_folder(tmp_path)] == [".results.nc.99.tmp"]
    assert [p.name for p in tmp_path.iterdir()] == ["results.nc"]


def test_write_file_removes_what_a_killed_writer_of_the_same_file_left(tmp_path):
    left = tmp_path / ".report.html.4242.tmp"
    left.write_text("half a report")
    other = tmp_path / ".other.html.4242.tmp"
    other.write_text("not this file's")
    write_text(tmp_path / "report.html", "whole")
    assert not left.exists() and other.exists()


@pytest.mark.parametrize("kind", ["folder", "file", "foreign link"])
def test_what_is_not_an_output_is_never_replaced(tmp_path, kind):
    out = tmp_path / "store"
    if kind == "folder":
        out.mkdir()
        (out / "thesis.tex").write_text("years of work")
    elif kind == "file":
        out.write_text("years of work")
    else:
        (tmp_path / "elsewhere").mkdir()
        out.symlink_to(tmp_path / "elsewhere")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(FileExistsError, match="not"):
        publish_folder(out, _write_files(a="new"))
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_clean_temporaries_leaves_another_outputs_whose_name_extends_this_one(tmp_path):
    other = tmp_path / ".comparison.nc.4242.tmp"  # comparison.nc's, not comparison's
    other.write_text("being written")
    ours = tmp_path / ".comparison.4242.tmp"
    ours.write_text("left by a kill")
    assert clean_temporaries(tmp_path / "comparison") == [ours]
    assert other.exists()
