"""`reportgen serve`: the web portal (reportgen.web) through waitress."""

from __future__ import annotations

import errno

import click

from reportgen.cli.app import AppContext, cli
from reportgen.errors import ConfigError

pass_app = click.make_pass_decorator(AppContext)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址：127.0.0.1 只供本机；0.0.0.0 供县里内网的其他电脑访问。")  # fmt: skip
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="端口。"
)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="同时处理的网页请求数。")  # fmt: skip
@click.option("--jobs", "slots", default=1, show_default=True, type=click.IntRange(1, 8),
              help="同时运行的文书生成数（其余排队；每个生成本身按 CPU 核数并行）。")  # fmt: skip
@click.option("--session-minutes", default=30, show_default=True, type=click.IntRange(1, 24 * 60),
              help="多久不操作自动退出登录（分钟）。")  # fmt: skip
@click.option("--proxies", default=0, show_default=True, type=click.IntRange(0, 5),
              help="前面有几层反向代理（nginx、IIS）：从 X-Forwarded-For 取访问者的地址（登录限制和审计日志用它）。"
              "没有代理时必须是 0，否则访问者可以自己伪造地址。")  # fmt: skip
@click.option("--https", "secure", is_flag=True,
              help="前面有 HTTPS 反向代理（nginx、IIS）时加上：登录 Cookie 只经 HTTPS 发送。")  # fmt: skip
@pass_app
def serve_cmd(app: AppContext, host: str, port: int, threads: int, slots: int, session_minutes: int,
              proxies: int, secure: bool) -> None:  # fmt: skip
    """网页门户：乡镇、学校和县里的同事用浏览器查询、生成和下载文书，各自只看到自己范围内的数据。

    先用 reportgen user add 添加用户，再启动。默认只供本机（127.0.0.1:8080）；
    加 --host 0.0.0.0 供内网访问（请在防火墙中只对内网开放该端口）。按 Ctrl+C 停止。

    \b
    例：reportgen user add admin --role admin
        reportgen serve
        reportgen serve --host 0.0.0.0 --port 8080
    """
    from waitress.server import create_server

    from reportgen.accounts import list_users
    from reportgen.web import create_app

    flask_app = create_app(app.workspace, app.db_option, slots=slots, session_minutes=session_minutes,
                           secure_cookies=secure, proxies=proxies)  # fmt: skip
    portal = flask_app.extensions["reportgen"]
    try:
        try:
            server = create_server(flask_app, host=host, port=port, threads=threads,
                                            ident="reportgen")  # fmt: skip
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, 10048):  # 10048: WSAEADDRINUSE on Windows
                why = "端口已被占用（另一个 reportgen serve 或其他程序？）"
            elif exc.errno in (errno.EACCES, 10013):
                why = "没有权限使用这个端口（Linux 上 1024 以下的端口要管理员权限）"
            else:
                why = f"{exc.strerror or exc}"
            raise ConfigError(
                f"无法在 {host}:{port} 上提供服务：{why}。请用 --port 换一个端口（如 --port {port + 1}）"
            ) from None
        if not list_users(portal.dataset):
            click.echo("提示：还没有用户，没有人能登录。先添加管理员：reportgen user add admin --role admin",
                       err=True)  # fmt: skip
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        click.echo(f"reportgen 网页门户：http://{shown}:{port}/")
        if host in ("0.0.0.0", "::"):
            click.echo(
                f"  内网其他电脑用 http://本机IP地址:{port}/ 访问（ipconfig / ip addr 查看本机地址）"
            )
        click.echo(
            f"  工作区 {portal.settings.workspace}，数据库 {portal.dataset.display_url}；按 Ctrl+C 停止。"
        )
        try:
            server.run()
        except KeyboardInterrupt:
            click.echo("已停止。")
    finally:
        portal.jobs.shutdown()
        portal.dataset.dispose()
