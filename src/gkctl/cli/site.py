"""``gkctl build`` and ``gkctl serve``: thin wrappers over ``services.build``."""

from __future__ import annotations

import functools
import os
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from gkctl.cli.common import RepoOpt, console, err_console, progress, repository
from gkctl.core.errors import InputError
from gkctl.core.i18n import t


def build(
    out: Annotated[str | None, typer.Option("--out", "-o", help="输出目录（默认为仓库下的 _site）")] = None,
    rev: Annotated[str, typer.Option("--rev", help="按哪个版本生成（默认 HEAD）")] = "HEAD",
    base_url: Annotated[str, typer.Option("--base-url", help="网站地址，用于订阅、网站地图和导出清单")] = "",
    repo: RepoOpt = None,
) -> None:
    """从版本库生成公开网站（只含已审核发布的主动公开信息）。示例：gkctl build --out _site"""
    from gkctl.services.build import DEFAULT_OUT, build_site
    r = repository(repo)
    target = Path(os.path.abspath(out)) if out else r.root / DEFAULT_OUT
    with ExitStack() as stack:
        bar: dict[str, Any] = {}

        def report(phase: str, done: int, total: int) -> None:
            if bar.get("phase") != phase:  # one bar per phase: rendering bodies, then pages
                stack.close()
                bar.update(
                    phase=phase, done=0, advance=stack.enter_context(progress(total, t(f"site.progress.{phase}")))
                )
            bar["advance"](done - bar["done"])
            bar["done"] = done

        result = build_site(r.root, target, rev=rev, base_url=base_url, progress=report)
    for warning in result.warnings:
        err_console.print(f"[yellow]{t('cli.warning')}[/yellow]：{warning}", markup=True, soft_wrap=True)
    console.print(
        t(
            "site.built",
            out=str(result.out),
            rev=result.rev[:12],
            docs=result.documents,
            withdrawn=result.withdrawn,
            pages=result.pages,
            written=result.written,
            unchanged=result.unchanged,
            removed=result.removed,
            seconds=f"{result.seconds:.2f}",
        ),
        soft_wrap=True,
        markup=False,
    )
    console.print(t("site.open_hint", index=str(result.out / "index.html")), soft_wrap=True, markup=False)


def make_server(directory: Path, port: int) -> Any:
    """A quiet local HTTP server for ``directory`` (http.server imported only when serving).

    The folder is the output symlink itself, so a build that swaps trees shows on the next request.
    """
    import http.server

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet: the user wants the page
            return

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """A missing page gets the site's own 404 page (its links start at the root), as a portal would."""
            page = Path(directory) / "404.html"
            if code != 404 or not page.is_file():
                super().send_error(code, message, explain)
                return
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    handler = functools.partial(QuietHandler, directory=os.fspath(directory))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve(
    port: Annotated[int, typer.Option("--port", "-p", help="本机端口")] = 8000,
    out: Annotated[str | None, typer.Option("--out", "-o", help="已生成的网站目录（默认为仓库下的 _site）")] = None,
    repo: RepoOpt = None,
) -> None:
    """在本机预览已生成的网站。示例：gkctl serve --port 8000"""
    from gkctl.services.build import DEFAULT_OUT
    target = Path(os.path.abspath(out)) if out else repository(repo).root / DEFAULT_OUT
    if not (target / "index.html").is_file():
        raise InputError(t("site.not_built", out=str(target)))
    try:
        server = make_server(target, port)
    except OSError as exc:
        raise InputError(t("site.port_busy", port=port, detail=exc.strerror or str(exc))) from None
    console.print(t("site.serving", out=str(target), port=server.server_address[1]), soft_wrap=True, markup=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
