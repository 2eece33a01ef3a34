"""Project CLI: demo data, scale data, the embedded server and the production worker."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db


def init_app(app) -> None:
    """Register the command groups."""
    app.cli.add_command(demo)
    app.cli.add_command(generate)
    app.cli.add_command(serve)
    app.cli.add_command(worker)
    app.cli.add_command(backup)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(dispatch_receiver)
    app.cli.add_command(tickets)


@click.group()
def demo():
    """Demo county data."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no region yet.")
@with_appcontext
def demo_load(if_empty: bool):
    """Load the demo county and one account per role."""
    from fixtures.loader import DEMO_PASSWORD, database_is_empty, load_demo, read_csv

    if if_empty and not database_is_empty():
        click.echo("数据库已有数据，跳过演示数据加载。")
    else:
        created = load_demo()
        click.echo(f"演示数据已加载：新建 {len(created)} 个账号。")
    click.echo(f"演示账号（初始密码均为 {DEMO_PASSWORD}，首次登录须修改）：")
    for row in read_csv("users.csv"):
        click.echo(f"  {row['username']:<10} {row['display_name']}")


@click.group()
def generate():
    """Scale data for benchmarks."""


@generate.command("regions")
@click.option("--towns", default=10)
@click.option("--communities", default=10)
@click.option("--grids", default=5)
@with_appcontext
def generate_regions(towns: int, communities: int, grids: int):
    """A large region tree with one grid worker per grid."""
    from fixtures.generate import generate_regions_and_users

    result = generate_regions_and_users(towns=towns, communities=communities, grids=grids)
    click.echo(f"区划 {result['regions']} 个，新建账号 {result['users']} 个")


@generate.command("households")
@click.option("--count", default=1000, help="Households to add (2–5 members each, plus pool records).")
@click.option("--county-code", default="330128")
@with_appcontext
def generate_households_command(count: int, county_code: str):
    """Households, members and matching 户籍 pool records under the generated county."""
    from fixtures.generate import generate_households

    made = generate_households(count, county_code=county_code,
                               progress=lambda m: click.echo(f"  {m['households']} 户 / {m['persons']} 人"))
    click.echo(f"新增 {made['households']} 户、{made['persons']} 人、资源池 {made['pool']} 条（其中 "
               f"{made['disagreements']} 条故意不一致）")


@click.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000)
@click.option("--threads", default=8)
@with_appcontext
def serve(host: str, port: int, threads: int):
    """Serve with waitress; on the embedded queue also run the RQ worker in a thread."""
    from waitress import serve as waitress_serve

    from workers import scheduler
    from workers.queues import start_embedded_worker

    app = current_app._get_current_object()
    if app.config["EMBEDDED_WORKER"]:
        start_embedded_worker(app)
        scheduler.start_thread(app)
        click.echo("后台任务：内置队列（fakeredis）+ 进程内工作线程与定时任务")
    else:
        click.echo(f"后台任务：Redis 队列 {app.config['REDIS_URL']}，请另行启动 flask worker")
    click.echo(f"门户地址：http://{host}:{port}/  （数据库：{db.engine.url.render_as_string(hide_password=True)}）")
    waitress_serve(app, host=host, port=port, threads=threads, ident="portal")


@click.command()
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--with-scheduler/--without-scheduler", default=True)
@with_appcontext
def worker(queues, burst: bool, with_scheduler: bool):
    """Production RQ worker on REDIS_URL (same as `rq worker --with-scheduler reports dispatch default`)."""
    from workers.queues import run_worker

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("未设置 REDIS_URL：内置队列只在 flask serve 进程内运行，无需单独启动 worker")
    run_worker(app, queues, burst=burst, with_scheduler=with_scheduler)


@click.group()
def backup():
    """Backup and restore of the database and the files folder."""


def _backup_dir(value: str | None) -> Path:
    return Path(value or current_app.config["BACKUP_DIR"])


@backup.command("create")
@click.option("--output", help="Folder for the archive (default PORTAL_BACKUP_DIR or instance/backups).")
@click.option("--keep", type=int, default=0, help="Keep only the newest N archives in the folder (0 = keep all).")
@with_appcontext
def backup_create(output: str | None, keep: int):
    """Write one archive; run daily from cron or a systemd timer with --keep for retention."""
    from app.backup import BackupError, create_backup, prune
    from app.security import audit

    folder = _backup_dir(output)
    audit.record("backup.create", object_type="backup", detail=str(folder))
    db.session.commit()
    try:
        archive = create_backup(folder)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"备份完成：{archive}")
    for path in prune(folder, keep):
        click.echo(f"按保留策略删除旧备份：{path.name}")


@backup.command("restore")
@click.argument("archive", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Restore even when the archive's schema revision differs from the code's.")
@with_appcontext
def backup_restore(archive: Path, force: bool):
    """Replace the database and files with the archive's after checking every checksum."""
    from app.backup import BackupError, describe, restore_backup
    from app.security import audit

    try:
        manifest = restore_backup(archive, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    audit.record("backup.restore", object_type="backup", detail=f"{archive.name}: {describe(manifest)}")
    db.session.commit()
    click.echo(f"已恢复：{describe(manifest)}")


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Enqueue periodic jobs (needed only beside plain `rq worker`; `flask worker` runs it already)."""
    import threading

    from workers.scheduler import run_forever

    click.echo("定时任务调度已启动（Ctrl+C 停止）")
    run_forever(current_app._get_current_object(), threading.Event())


@click.command("dispatch-receiver")
@click.option("--port", default=9100)
@click.option("--secret", required=True, help="The target's signing secret (shown on its page).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("received-events.jsonl"))
@click.option("--max-skew", default=300, help="Seconds a signature timestamp may differ (0: no check).")
def dispatch_receiver(port: int, secret: str, out: Path, max_skew: int):
    """A reference receiver on 127.0.0.1: verifies signed batches, appends new events to a JSONL file (fsynced
    before it answers) and reads it back at start, so redelivered events are not applied twice."""
    from fixtures.receiver import Receiver

    receiver = Receiver(secret, port=port, out=out, max_skew=max_skew)
    click.echo(f"接收地址：{receiver.url}  事件写入 {out}（已有 {len(receiver.seen)} 条；Ctrl+C 停止）")
    receiver.server.serve_forever()


@click.group()
def tickets():
    """Ops tickets."""


@tickets.command("escalate")
@with_appcontext
def tickets_escalate():
    """Scan for 75% / breach crossings once (the scheduler also runs it every minute)."""
    from app.blueprints.tickets.escalation import scan

    click.echo(f"新的升级提醒：{scan()} 条")
