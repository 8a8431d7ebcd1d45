"""Import on first use: the welcome screen must paint fast over SSH.

A session's first paint needs the queue and today's figures, not the lead's services, the
call scripts, search or the wear report (with phonenumbers, holidays, … behind them).
`lazy_module("pkg.mod")` stands for the module and imports it on the first attribute read
(`importlib.import_module` holds the import lock, so worker threads may race safely).
Modules bind it under `if not TYPE_CHECKING`, keeping the real import for the type checker.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def module(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name}>"


def lazy_module(name: str) -> Any:
    return LazyModule(name)
