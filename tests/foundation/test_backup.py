"""Backup → drop the database → restore gives identical row counts and files; bad archives are refused."""
import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import text

from app.backup import BackupError, create_backup, restore_backup, table_counts
from app.extensions import db
from app.models.region import Region


def _drop_everything(app):
    if db.engine.dialect.name == "sqlite":
        db.session.remove()
        db.engine.dispose()
        Path(db.engine.url.database).unlink()
        for suffix in ("-wal", "-shm"):
            Path(db.engine.url.database + suffix).unlink(missing_ok=True)
    else:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()


def test_backup_drop_restore_round_trip(demo, app, tmp_path):
    files = Path(app.config["FILES_DIR"])
    (files / "jobs" / "x").mkdir(parents=True)
    (files / "jobs" / "x" / "report.xlsx").write_bytes(b"PK\x03\x04 workbook bytes")
    before = table_counts()
    archive = create_backup(tmp_path / "backups")
    _drop_everything(app)
    (files / "jobs" / "x" / "report.xlsx").unlink()
    restore_backup(archive)
    assert table_counts() == before
    assert (files / "jobs" / "x" / "report.xlsx").read_bytes() == b"PK\x03\x04 workbook bytes"
    assert db.session.execute(db.select(Region).where(Region.code == "330127")).scalar_one().name == "青禾县"


def _rewrite(archive: Path, change) -> Path:
    """Copy an archive, letting `change(name, data)` alter member bytes."""
    target = archive.with_name("changed.tar.gz")
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            data = change(member.name, data)
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return target


def test_tampered_archive_is_refused_and_changes_nothing(demo, app, tmp_path):
    archive = create_backup(tmp_path / "b")
    tampered = _rewrite(archive, lambda name, data: data + b"x" if name.startswith("database") else data)
    db.session.add(Region(code="999999", name="恢复前新增", level="county", path="/999/"))
    db.session.commit()
    with pytest.raises(BackupError, match="校验失败"):
        restore_backup(tampered)
    assert db.session.execute(db.select(Region).where(Region.code == "999999")).scalar_one()


def test_corrupt_file_is_refused(app, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    with pytest.raises(BackupError, match="已损坏"):
        restore_backup(bogus)


def test_other_schema_version_needs_force(demo, app, tmp_path):
    archive = create_backup(tmp_path / "b")

    def older(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["schema_revision"] = "0000"
            return json.dumps(manifest).encode()
        return data

    changed = _rewrite(archive, older)
    with pytest.raises(BackupError, match="--force"):
        restore_backup(changed)
    restore_backup(changed, force=True)


def test_cli_create_with_retention(demo, app, tmp_path):
    runner = app.test_cli_runner()
    for _ in range(3):
        result = runner.invoke(args=["backup", "create", "--output", str(tmp_path / "daily"), "--keep", "2"])
        assert result.exit_code == 0, result.output
    kept = sorted((tmp_path / "daily").glob("*.tar.gz"))
    assert len(kept) == 2
    result = runner.invoke(args=["backup", "restore", str(kept[-1])])
    assert result.exit_code == 0 and "已恢复" in result.output
    bad = runner.invoke(args=["backup", "restore", str(tmp_path / "missing.tar.gz")])
    assert bad.exit_code != 0 and "找不到备份文件" in bad.output
