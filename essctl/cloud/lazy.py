"""Stand-ins for the modules the SDKs import but essctl's synchronous calls never use.

`Tea.core`, `darabonba.core` and the credential providers import aiohttp (and, through it, yarl, multidict, ...),
aiofiles and APScheduler when they load, for their `*_async` methods and for refreshing ECS RAM role credentials.
That is about a third of the SDKs' import time (sdk-internals.md §2). Before any SDK module loads, `install()` puts
a stand-in for each in `sys.modules`; the first real use of one (an attribute other than the classes the SDK names
in annotations when it loads) imports the real module, which then replaces the stand-in, so nothing behaves
differently, it only loads later or never. `essctl/cloud/__init__.py` calls it: every SDK import in essctl goes
through this package. A module already loaded is left as it is.

Each service SDK's `models` package imports all of its hundreds of model modules when it loads (about 40 ms for
ESS, one module alone 12 ms), though a command uses a few dozen: `install()` also makes such a package load each
model module when one of its classes is first asked for (`_LazyModels`); the classes are the SDK's own.

`plain_http()` keeps the SDK from building a TLS context for an `http://` endpoint (a sandbox), which it never
uses there: `DaraCore.get_adapter` builds one for every session, loading the system's certificates (~20 ms).
"""
from __future__ import annotations

import importlib
import importlib.machinery
import re
import sys
import threading
import types
from typing import Any

# module -> the names the SDK reads from it while loading (annotations, `from m import C`); anything else loads it.
DEFERRED: dict[str, tuple[str, ...]] = {
    "aiohttp": ("ClientResponse", "ClientSession"),
    "aiofiles": (),
    "asyncio": (),
    "apscheduler.schedulers.background": ("BackgroundScheduler",),
}
_lock = threading.RLock()


class StandIn(types.ModuleType):
    """A module not imported yet: its first real use imports it."""

    def __init__(self, name: str, deferred: tuple[str, ...]):
        super().__init__(name, f"essctl stand-in for {name}: imported on first use")
        self.__dict__.update({item: _DeferredClass(item, (), {"_module": self}) for item in deferred})

    def load(self) -> types.ModuleType:
        """The real module (imported now, the first time)."""
        with _lock:
            real = self.__dict__.get("_real")
            if real is None:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                real = self.__dict__["_real"] = importlib.import_module(self.__name__)
                for name, value in list(self.__dict__.items()):   # submodules imported through the stand-in
                    if isinstance(value, types.ModuleType) and not hasattr(real, name):
                        setattr(real, name, value)
            return real

    def __getattr__(self, name: str) -> Any:
        if name == "__path__":
            # `from aiohttp import X` asks whether it is a package first: it is, without importing it.
            spec = None if "." in self.__name__ else importlib.machinery.PathFinder.find_spec(self.__name__)
            if spec is None or spec.submodule_search_locations is None:
                raise AttributeError(name)
            self.__dict__[name] = list(spec.submodule_search_locations)
            return self.__dict__[name]
        # Anything else it does not hold, even __file__ or __all__, is the real module's.
        return getattr(self.load(), name)


class _DeferredClass(type):
    """A class of a module not imported yet: calling it, or asking isinstance or an attribute, imports it."""

    _module: StandIn

    def real(cls) -> Any:
        return getattr(cls._module.load(), cls.__name__)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.real()(*args, **kwargs)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls.real())

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, cls.real())

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(cls.real(), name)


class _SubmoduleFinder:
    """`import aiohttp.web` while aiohttp is a stand-in: the package is imported first, as it would have been."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        package = fullname.rpartition(".")[0]
        stand_in = sys.modules.get(package) if package else None
        if not isinstance(stand_in, StandIn):
            return None
        stand_in.load()
        module = sys.modules.pop(fullname, None)
        if module is None:
            return None                 # the other finders find it in the real package
        # The package imported it itself. Handed back as it is: importlib would run a module it finds in
        # sys.modules at this point a second time.
        import importlib.util

        return importlib.util.spec_from_loader(fullname, _Imported(module))


class _Imported:
    def __init__(self, module: types.ModuleType):
        self.module, self.spec, self.loader = module, module.__spec__, getattr(module, "__loader__", None)

    def create_module(self, spec: Any) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__, module.__loader__ = self.spec, self.loader    # as its own import left them

_MODELS_PACKAGE = re.compile(r"alibabacloud_\w+\.models")
_MODEL_IMPORT = re.compile(r"from \.(\w+) import (\w+)")


def model_index(source: str) -> dict[str, str] | None:
    """Class name -> module of a models package whose `__init__.py` only imports its classes from its own modules
    (and lists them in `__all__`), as the generated SDKs write it; None for any other kind of package."""
    head, listed, tail = source.partition("\n__all__ = [")
    index: dict[str, str] = {}
    for line in head.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line == "from __future__ import annotations":
            continue
        found = _MODEL_IMPORT.fullmatch(line)
        if found is None:
            return None
        index[found[2]] = found[1]
    if listed and not re.fullmatch(r"[\s\w,]*\]\s*", tail):
        return None
    return index


class _LazyModelsFinder:
    """Finds an SDK's models package (`alibabacloud_ess20220222.models`) and has `_LazyModels` load it."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if not _MODELS_PACKAGE.fullmatch(fullname):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        try:
            with open(spec.origin, encoding="utf-8") as file:
                index = model_index(file.read())
        except (OSError, UnicodeDecodeError):
            return None
        if index is not None:
            spec.loader = _LazyModels(spec.loader, index)
        return spec


class _LazyModels:
    """Loads a models package without running its `__init__.py`: the first use of one of its classes imports the
    module that defines it. Any other name runs the real `__init__.py` first, so the package then holds all it
    would have held."""

    def __init__(self, loader: importlib.machinery.SourceFileLoader, index: dict[str, str]):
        self.loader, self.index = loader, index

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, package: types.ModuleType) -> None:
        index, loader = self.index, self.loader

        def __getattr__(name: str) -> Any:
            module = index.get(name)
            if module is None:
                with _lock:
                    if package.__dict__.get("__getattr__") is __getattr__:
                        loader.exec_module(package)     # the whole package, as its own import makes it
                        del package.__dict__["__getattr__"]
                try:
                    return package.__dict__[name]
                except KeyError:
                    raise AttributeError(f"module {package.__name__!r} has no attribute {name!r}") from None
            qualified = f"{package.__name__}.{module}"
            __import__(qualified)   # an import statement's way, which `python -X importtime` shows
            value = package.__dict__[name] = getattr(sys.modules[qualified], name)
            return value

        def __dir__() -> list[str]:
            return sorted({*package.__dict__, *index})

        package.__dict__.update(__getattr__=__getattr__, __dir__=__dir__)

    # importlib.resources and linecache ask the loader of a package for its files and source.
    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


def install() -> None:
    """Stand in for each module of DEFERRED not loaded yet, and have the SDKs' models packages load their classes
    one module at a time."""
    with _lock:
        for name, deferred in DEFERRED.items():
            if name not in sys.modules:
                sys.modules[name] = StandIn(name, deferred)
        if not any(isinstance(finder, _SubmoduleFinder) for finder in sys.meta_path):
            sys.meta_path.insert(0, _SubmoduleFinder())
        if not any(isinstance(finder, _LazyModelsFinder) for finder in sys.meta_path):
            sys.meta_path.insert(0, _LazyModelsFinder())


def loaded(name: str) -> bool:
    """Whether the real module is imported (not only its stand-in)."""
    module = sys.modules.get(name)
    return module is not None and (not isinstance(module, StandIn) or "_real" in module.__dict__)


def plain_http() -> None:
    """Sessions to an `http://` endpoint get requests' plain adapter (the SDK's pool size), no TLS context."""
    from darabonba.core import DEFAULT_POOL_MAXSIZE, DEFAULT_POOL_SIZE, DaraCore
    from requests import adapters

    original = DaraCore.__dict__["get_adapter"].__func__
    if getattr(original, "essctl_plain_http", False):
        return

    def get_adapter(prefix: str, tls_min_version: str | None = None, pool_size: int | None = None) -> Any:
        if str(prefix).upper() != "HTTP":
            return original(prefix, tls_min_version, pool_size=pool_size)
        return adapters.HTTPAdapter(pool_connections=DEFAULT_POOL_SIZE,
                                    pool_maxsize=pool_size if pool_size and pool_size > 0 else DEFAULT_POOL_MAXSIZE)

    get_adapter.essctl_plain_http = True  # type: ignore[attr-defined]
    DaraCore.get_adapter = staticmethod(get_adapter)
