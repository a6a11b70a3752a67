"""Plain, readable help for the `guanjia` command: flags shown as flags (`--check`, never
`--check <bool>`), arguments in the usage line as `FILE`, not `{file}`."""

from __future__ import annotations

from typing import Any

import click
import typer
from typer.core import TyperCommand


class Command(TyperCommand):
    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = (param.metavar or param.name or "").upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces


class Typer(typer.Typer):
    """typer.Typer with click's plain help (rich's panels show every flag as taking a value) and
    the readable usage line above."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(rich_markup_mode=None, **kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)
