"""The files essctl writes (the template cache, tapes): a name from a server or a tape never reaches outside the
folder meant for it, and a file is replaced whole, through a new file of its own, never through a link."""
import os

import pytest

from essctl.files import check_writable, write_atomically


def _all_files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())


def _cloud(stub, region="cn-hangzhou"):
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.session import CloudSession
    from essctl.cloud.settings import CloudSettings

    return Cloud(CloudSession(CloudSettings(region=region, endpoint=stub.url)))


def _template_answer(name, version):
    from alibabacloud_oos20190601 import models

    return models.GetTemplateResponseBody(
        content="Tasks:\n- {Name: wait, Action: ACS::Sleep}\n",
        template=models.GetTemplateResponseBodyTemplate(template_name=name, template_version=version)).to_map()


@pytest.mark.parametrize("version", ["../../../../../../escaped", "v1/../../../../../../escaped", "..", "v1\n",
                                     "v1/x"])
def test_a_template_version_from_the_server_never_names_a_file_outside_the_cache(stub, tmp_path, monkeypatch,
                                                                                  version):
    from essctl.template.source import load_template_from_oos

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a" / "b" / "c" / "cache"))   # every ../ stays in tmp_path
    monkeypatch.chdir(tmp_path)
    stub.on("GetTemplate", _template_answer("MyTemplate", version))
    assert load_template_from_oos(_cloud(stub), "MyTemplate").tasks[0].action == "ACS::Sleep"
    assert _all_files(tmp_path) == []          # nothing cached: the version is not one OOS gives


@pytest.mark.parametrize("region", ["../../../../../escaped", "cn-hangzhou/../../../../../../escaped", "..", "CN"])
def test_a_region_that_is_not_a_region_id_never_names_a_file(stub, tmp_path, monkeypatch, region):
    from essctl.template.source import load_template_from_oos

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a" / "b" / "c" / "d" / "e" / "f" / "cache"))
    stub.on("GetTemplate", _template_answer("MyTemplate", "v3"))
    load_template_from_oos(_cloud(stub, region), "MyTemplate")
    assert _all_files(tmp_path) == []


def test_names_oos_gives_are_cached_nested_actions_too(stub, tmp_path, monkeypatch):
    from essctl.template.source import load_template_from_oos, template_cache_path

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    stub.on("GetTemplate", _template_answer("ACS::ECS::RunCommand", "v7"))
    load_template_from_oos(_cloud(stub, "cn-shanghai-finance-1"), "ACS::ECS::RunCommand")
    assert _all_files(tmp_path) == ["cache/essctl/templates/cn-shanghai-finance-1/ACS::ECS::RunCommand@v7.yaml"]
    assert template_cache_path("cn-hangzhou", "../x", "v1") is None
    assert template_cache_path("cn-hangzhou", "x", "v1/../../y") is None


def test_a_link_planted_at_the_old_fixed_temporary_name_is_not_followed(tmp_path):
    from essctl.cloud.tape import Tape

    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    tape = tmp_path / "t.yaml"
    (tmp_path / "t.yaml.tmp").symlink_to(victim)
    Tape(region="cn-hangzhou").save(tape)
    assert victim.read_text() == "precious\n"
    assert tape.is_file() and not tape.is_symlink() and "format: 1" in tape.read_text()


def test_a_link_at_the_target_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    target = tmp_path / "cached.yaml"
    target.symlink_to(victim)
    write_atomically(target, "new\n")
    assert victim.read_text() == "precious\n"
    assert not target.is_symlink() and target.read_text() == "new\n"


def test_a_failed_write_leaves_the_target_whole_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "t.yaml"
    target.write_text("old\n")
    os.chmod(target, 0o640)

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, "new\n")
    assert _all_files(tmp_path) == ["t.yaml"] and target.read_text() == "old\n"
    monkeypatch.undo()
    write_atomically(target, "new\n")
    assert target.read_text() == "new\n" and (target.stat().st_mode & 0o777) == 0o640   # permissions kept


def test_check_writable_refuses_links_and_what_is_not_a_file(tmp_path):
    (tmp_path / "link.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(ValueError, match="symbolic link"):
        check_writable(tmp_path / "link.yaml")
    with pytest.raises(ValueError, match="not a regular file"):
        check_writable(tmp_path)
    check_writable(tmp_path / "new" / "t.yaml")      # the folder is made; no file is left behind
    assert _all_files(tmp_path) == ["link.yaml"]
