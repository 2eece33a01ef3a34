"""Backup and restore: the database (SQLite online backup or pg_dump) and the files folder in one checked archive."""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.clock import to_local, utcnow
from app.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(Exception):
    """The archive cannot be written or must not be restored; the message says why (in Chinese)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def current_revision() -> str | None:
    """The schema revision the database is at."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def code_revision() -> str:
    """The newest revision the code's migrations know."""
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config()).get_current_head()


def table_counts() -> dict[str, int]:
    """Rows per table, to compare a restore with its backup."""
    with db.engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        return {name: conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one() for name in names}


def _pg_env(url) -> dict:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return env


def _pg_args(url) -> list[str]:
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-d", url.database]
    if url.username:
        args += ["-U", url.username]
    return args


def _dump_database(target_dir: Path) -> str:
    url = make_url(db.engine.url.render_as_string(hide_password=False))
    if url.get_backend_name() == "sqlite":
        path = target_dir / "database.sqlite3"
        source = sqlite3.connect(url.database)
        dest = sqlite3.connect(path)
        with dest:
            source.backup(dest)  # consistent online copy, even while the portal writes
        source.close()
        dest.close()
        return path.name
    if url.get_backend_name() == "postgresql":
        path = target_dir / "database.pgdump"
        result = subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(path), *_pg_args(url)],
                                env=_pg_env(url), capture_output=True, text=True, timeout=3600)
        if result.returncode != 0:
            raise BackupError(f"pg_dump 失败：{result.stderr.strip()[-500:]}")
        return path.name
    raise BackupError(f"不支持的数据库类型：{url.get_backend_name()}")


def create_backup(output_dir: Path) -> Path:
    """Write portal-backup-<time>.tar.gz with the database, the files folder and a manifest of checksums."""
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M%S-%f")
    archive = output_dir / f"portal-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_member = _dump_database(work)
        files_root = Path(current_app.config["FILES_DIR"])
        members = {db_member: _sha256(work / db_member)}
        file_entries = sorted(p for p in files_root.rglob("*") if p.is_file()) if files_root.exists() else []
        for path in file_entries:
            members[f"files/{path.relative_to(files_root).as_posix()}"] = _sha256(path)
        manifest = {
            "format": FORMAT, "created_at": utcnow().isoformat(), "dialect": db.engine.dialect.name,
            "schema_revision": current_revision(), "database": db_member, "members": members,
            "table_counts": table_counts(),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(work / db_member, arcname=db_member)
            for path in file_entries:
                tar.add(path, arcname=f"files/{path.relative_to(files_root).as_posix()}")
        partial.rename(archive)  # a crash never leaves a half archive under the final name
    return archive


def read_manifest(archive: Path, into: Path) -> dict:
    """Extract the archive safely and check every member against the manifest."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"备份文件已损坏或不是备份归档：{exc}") from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError("备份文件缺少有效的清单（manifest.json）") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式版本 {manifest.get('format')} 与本程序（{FORMAT}）不符")
    for name, digest in manifest.get("members", {}).items():
        path = into / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"备份文件校验失败：{name} 缺失或内容被改动")
    return manifest


def _restore_database(work: Path, manifest: dict) -> None:
    url = make_url(db.engine.url.render_as_string(hide_password=False))
    source = work / manifest["database"]
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        src = sqlite3.connect(source)
        dest = sqlite3.connect(url.database)
        with dest:
            src.backup(dest)
        src.close()
        dest.close()
        return
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()
    result = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", *_pg_args(url), str(source)],
                            env=_pg_env(url), capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise BackupError(f"pg_restore 失败：{result.stderr.strip()[-500:]}")


def restore_backup(archive: Path, *, force: bool = False) -> dict:
    """Replace the database and files folder with the archive's, after every check passes."""
    if not archive.is_file():
        raise BackupError(f"找不到备份文件：{archive}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        manifest = read_manifest(archive, work)
        if manifest["dialect"] != db.engine.dialect.name:
            raise BackupError(f"备份来自 {manifest['dialect']} 数据库，当前是 {db.engine.dialect.name}，不能直接恢复")
        if manifest["schema_revision"] != code_revision() and not force:
            raise BackupError(f"备份的数据库结构版本 {manifest['schema_revision']} 与当前程序 "
                              f"{code_revision()} 不一致；"
                              "确认无误可加 --force 恢复后再执行 flask db upgrade")
        _restore_database(work, manifest)
        files_root = Path(current_app.config["FILES_DIR"])
        staged = work / "files"
        if files_root.exists():
            shutil.rmtree(files_root)
        if staged.exists():
            shutil.copytree(staged, files_root)
        else:
            files_root.mkdir(parents=True, exist_ok=True)
    return manifest


def prune(output_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives in the folder; returns what was deleted."""
    archives = sorted(output_dir.glob("portal-backup-*.tar.gz"))
    doomed = archives[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


def describe(manifest: dict) -> str:
    """One line about an archive for the CLI."""
    created = datetime.fromisoformat(manifest["created_at"])
    rows = sum(manifest.get("table_counts", {}).values())
    return (f"{to_local(created):%Y-%m-%d %H:%M:%S} · {manifest['dialect']} · 结构版本 {manifest['schema_revision']} · "
            f"{len(manifest['members']) - 1} 个文件 · {rows} 行数据")
