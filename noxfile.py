"""gan: build and test orchestration. Every distribution is tested alone, then all together.

nox                        # default sessions: core, one per plugin, example-plugin, integration, lint
nox -s core -- -k config   # arguments after -- go to pytest
nox -s bench               # benchmarks/ (not a default session)
"""

# Isolation is the point. Each test session gets a fresh virtualenv holding gan-core, the one
# distribution under test and their declared dependencies, nothing else, and checks that it is so
# before testing: a plugin that forgets to declare a dependency, or imports a plugin it does not
# depend on, fails here instead of on a user's machine. Distributions are installed from their
# folders as real (non-editable) packages, so a missing package-data entry fails too.
#
# torch is shared rather than reinstalled: it is about 6 GB with its CUDA libraries, and installing
# it into every session would dominate the run. One environment holds only torch and torchvision
# (and their own dependencies); it is made on first use under .nox/_shared-torch and reused while it
# still imports them. Every session virtualenv gets a .pth file that appends that environment's
# site-packages to sys.path, so pip finds torch already installed and leaves it alone. Appended, not
# prepended: anything a session installs itself still wins.
#
# Environment variables:
#   GAN_TORCH_SPEC, GAN_TORCHVISION_SPEC  pins of the shared environment (torch==2.14.1,
#                                         torchvision==0.29.1); a changed pin reinstalls it
#   GAN_SHARED_TORCH_DIR                  where it lives (default .nox/_shared-torch)
#   GAN_SHARED_TORCH=0                    no sharing: each session installs torch like any dependency
#   GAN_RUFF_SPEC                         the ruff that the lint session installs
#   GAN_JUNIT_DIR                         if set, each test session writes <session>.xml (JUnit) there;
#                                         .ci/run reads them to print one total

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

nox.needs_version = ">=2024.3.2"  # @nox.session(default=False)

ROOT = Path(__file__).resolve().parent
CORE = ROOT / "core"
EXAMPLE_PLUGIN = ROOT / "docs" / "example-plugin"
PLUGINS = sorted(path.parent for path in (ROOT / "plugins").glob("*/pyproject.toml"))
BENCHMARKS = ROOT / "benchmarks"

TORCH_SPEC = os.environ.get("GAN_TORCH_SPEC", "torch==2.14.1")
TORCHVISION_SPEC = os.environ.get("GAN_TORCHVISION_SPEC", "torchvision==0.29.1")
SHARE_TORCH = os.environ.get("GAN_SHARED_TORCH", "1").strip().lower() not in {"0", "false", "no", "off"}
RUFF_SPEC = os.environ.get("GAN_RUFF_SPEC", "ruff==0.17.6")  # pinned: a new ruff adds rules
IMPORT_LINTER_SPEC = "import-linter==2.17"  # pinned, like ruff: the lint must not change under us
PTH_FILE = "_gan_shared_torch.pth"
_STAMP = "gan-shared-torch.txt"
_BIN = "Scripts" if os.name == "nt" else "bin"


# --- what each distribution is ----------------------------------------------------------------


def _pyproject(dist: Path) -> dict:  # type: ignore[type-arg]
    with (dist / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def _dist_name(dist: Path) -> str:
    return str(_pyproject(dist)["project"]["name"])


def _packages(dist: Path) -> list[str]:
    """Top-level import packages of a src-layout distribution."""
    return sorted(p.name for p in (dist / "src").iterdir() if (p / "__init__.py").is_file())


def _entry_points(dist: Path) -> list[str]:
    return sorted(_pyproject(dist)["project"].get("entry-points", {}).get("gan", {}))


def _local_dependencies(dist: Path) -> list[Path]:
    """Sibling plugins that ``dist`` declares (``gan-plugin-x``), so pip takes them from this
    checkout instead of looking for them on an index; transitively."""
    by_name = {_dist_name(p): p for p in PLUGINS}
    found: list[Path] = []
    pending = [dist]
    while pending:
        for requirement in _pyproject(pending.pop())["project"].get("dependencies", []):
            name = requirement.split(";")[0].strip()
            for separator in "<>=!~[ (":
                name = name.split(separator)[0]
            local = by_name.get(name.strip().lower().replace("_", "-"))
            if local is not None and local not in found:
                found.append(local)
                pending.append(local)
    return found


# --- the shared torch environment -------------------------------------------------------------


def _python_in(env: Path) -> Path:
    return env / _BIN / ("python.exe" if os.name == "nt" else "python")


_MARK = "@gan-nox@ "


def _query(session: nox.Session, python: str | Path, expression: str, imports: str = "sys") -> list[str]:
    """Evaluate ``expression`` (a list of strings) with ``python``. Only marked lines are read back:
    nox captures stderr with stdout, and an import may print warnings."""
    code = f"import {imports}\nfor item in {expression}:\n    print({_MARK!r} + str(item))"
    output = str(session.run(str(python), "-c", code, silent=True, external=True))
    return [line[len(_MARK) :].strip() for line in output.splitlines() if line.startswith(_MARK)]


def _version(session: nox.Session, python: str | Path) -> str:
    return _query(session, python, "['%d.%d' % sys.version_info[:2]]")[0]


def _site_dirs(session: nox.Session, python: str | Path) -> list[str]:
    paths = "sorted({sysconfig.get_path('purelib'), sysconfig.get_path('platlib')})"
    return _query(session, python, paths, "sysconfig")


def _torch_versions(session: nox.Session, python: str | Path) -> list[str]:
    return _query(session, python, "[torch.__version__, torchvision.__version__]", "torch, torchvision")


def _shared_torch_site(session: nox.Session) -> list[str]:
    """Make the shared torch environment if it is missing or stale; return its site-packages."""
    default = Path(session.virtualenv.location).parent / "_shared-torch"
    env = Path(os.environ.get("GAN_SHARED_TORCH_DIR") or default).resolve()
    python = _python_in(env)
    session_version = _version(session, "python")
    wanted = f"python {session_version}\n{TORCH_SPEC}\n{TORCHVISION_SPEC}\n"
    stamp = env / _STAMP
    ready = python.exists() and stamp.is_file() and stamp.read_text() == wanted
    if ready:
        try:
            _torch_versions(session, python)
        except Exception:  # nox's CommandFailed: a half-made or damaged environment
            ready = False
    if not ready:
        if python.exists() and _version(session, python) != session_version:
            session.error(f"{env} was made with another Python than {session_version}; delete it and run again")
        session.log(f"making the shared torch environment {env} ({TORCH_SPEC}, {TORCHVISION_SPEC}); once only")
        if not python.exists():
            session.run("python", "-m", "venv", str(env))
        session.run(str(python), "-m", "pip", "install", "--quiet", TORCH_SPEC, TORCHVISION_SPEC, external=True)
        torch_version, torchvision_version = _torch_versions(session, python)
        session.log(f"shared torch environment ready: torch {torch_version}, torchvision {torchvision_version}")
        stamp.write_text(wanted)
    return _site_dirs(session, python)


def _fresh_env(session: nox.Session) -> None:
    """Expose the shared torch to this session's virtualenv (before anything is installed)."""
    if not SHARE_TORCH:
        return
    shared = _shared_torch_site(session)
    for site in _site_dirs(session, "python"):
        Path(site).mkdir(parents=True, exist_ok=True)
        (Path(site) / PTH_FILE).write_text("".join(f"{path}\n" for path in shared))


def _closure(dists: Iterable[Path]) -> list[Path]:
    """``dists`` and the sibling plugins they depend on, each once."""
    out: list[Path] = []
    for dist in dists:
        for item in (dist, *_local_dependencies(dist)):
            if item not in out:
                out.append(item)
    return out


def _install(session: nox.Session, *dists: Path) -> None:
    """One pip call for gan-core and ``dists`` (with their ``test`` extra where they declare one),
    so that ``gan-core~=0.1`` and sibling plugins resolve to this checkout, never to an index."""
    specs = []
    for dist in [CORE, *_closure(dists)]:
        # setuptools builds in the source tree and copies into build/lib without ever deleting: a
        # module removed from src/ would still be installed from there. Start from a clean slate.
        shutil.rmtree(dist / "build", ignore_errors=True)
        extras = _pyproject(dist)["project"].get("optional-dependencies", {})
        specs.append(f"{dist}[test]" if "test" in extras else str(dist))
    session.install(*specs)


# --- checks and pytest ------------------------------------------------------------------------

_ISOLATION_CHECK = """
import importlib.metadata, importlib.util, sys
expected = set(filter(None, sys.argv[1].split(',')))
forbidden = list(filter(None, sys.argv[2].split(',')))
found = {ep.name for ep in importlib.metadata.entry_points(group='gan')}
assert found == expected, f'gan entry points installed: {sorted(found)}, expected {sorted(expected)}'
for name in forbidden:
    assert importlib.util.find_spec(name) is None, f'{name} is importable but must not be installed here'
import torch
print(f'isolated: gan entry points {sorted(found) or "none"}; not importable: {", ".join(forbidden) or "-"}')
print(f'torch {torch.__version__} from {torch.__file__}')
"""


def _assert_isolated(session: nox.Session, installed: Sequence[Path]) -> None:
    """Only ``installed`` (besides gan-core) may provide ``gan`` entry points or be importable."""
    everything = [*PLUGINS, EXAMPLE_PLUGIN]
    expected = sorted({name for dist in installed for name in _entry_points(dist)})
    forbidden = sorted({pkg for dist in everything if dist not in installed for pkg in _packages(dist)})
    session.run("python", "-c", _ISOLATION_CHECK, ",".join(expected), ",".join(forbidden), silent=False)


def _pytest(session: nox.Session, *tests: Path, cwd: Path = ROOT) -> None:
    """pytest on the ``tests`` folders; arguments after ``--`` are added, and paths among them
    replace the folders (``-o testpaths`` applies only when no path is given), so that
    ``nox -s core -- -k config`` stays inside the session's own tests."""
    folders = " ".join(os.path.relpath(folder, cwd) for folder in tests if folder.is_dir())
    if not folders:
        session.error(f"no test folder: {', '.join(str(folder) for folder in tests)}")
    args = ["-o", f"testpaths={folders}", *session.posargs]
    junit = os.environ.get("GAN_JUNIT_DIR")
    if junit:
        report = Path(junit).resolve() / f"{session.name}.xml"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.unlink(missing_ok=True)
        args.append(f"--junitxml={report}")
    with session.chdir(cwd):
        session.run("pytest", *args)


# --- sessions -----------------------------------------------------------------------------------


@nox.session
def core(session: nox.Session) -> None:
    """gan-core alone: no plugin installed, no ``gan`` entry point but the core's own."""
    _fresh_env(session)
    _install(session)
    _assert_isolated(session, [])
    session.run(
        "python",
        "-c",
        "import importlib\n"
        "try:\n    importlib.import_module('gan_plugin_vanilla')\n"
        "except ImportError:\n    print('ok: gan_plugin_vanilla is not importable in the core session')\n"
        "else:\n    raise SystemExit('gan_plugin_vanilla is importable: the core session is not isolated')",
    )
    _pytest(session, ROOT / "tests" / "core")


def _plugin_session(plugin: Path) -> None:
    def run(session: nox.Session) -> None:
        _fresh_env(session)
        _install(session, plugin)
        _assert_isolated(session, _closure([plugin]))
        _pytest(session, ROOT / "tests" / "plugins" / plugin.name)

    run.__doc__ = f"{_dist_name(plugin)} with gan-core and nothing else; runs tests/plugins/{plugin.name}."
    nox.session(name=plugin.name)(run)


for _plugin in PLUGINS:
    _plugin_session(_plugin)


@nox.session(name="example-plugin")
def example_plugin(session: nox.Session) -> None:
    """docs/example-plugin (gan-plugin-example) as a third party would test it: its own tests."""
    _fresh_env(session)
    _install(session, EXAMPLE_PLUGIN)
    _assert_isolated(session, [EXAMPLE_PLUGIN])
    _pytest(session, EXAMPLE_PLUGIN / "tests", cwd=EXAMPLE_PLUGIN)


@nox.session
def integration(session: nox.Session) -> None:
    """gan-core, every plugin and the example plugin together; tests/integration and tests/benchmarks."""
    _fresh_env(session)
    _install(session, *PLUGINS, EXAMPLE_PLUGIN)
    _assert_isolated(session, [*PLUGINS, EXAMPLE_PLUGIN])
    _pytest(session, ROOT / "tests" / "integration", ROOT / "tests" / "benchmarks")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check over the whole repository (rules in the root pyproject.toml), then the import
    structure: the layers of gan-core and the independence of the plugins (import-linter's contracts in
    the root pyproject.toml), no import cycle anywhere, and plugins that use only the plugin API
    (tests/architecture). Both read the source: nothing is installed but the tools."""
    session.install(RUFF_SPEC, IMPORT_LINTER_SPEC, "pytest>=8")
    session.run("ruff", "check", *(session.posargs or ["."]))
    sources = [CORE / "src", *(plugin / "src" for plugin in PLUGINS), EXAMPLE_PLUGIN / "src"]
    env = {"PYTHONPATH": os.pathsep.join(str(path) for path in sources)}
    session.run("lint-imports", "--no-cache", env=env)
    _pytest(session, ROOT / "tests" / "architecture")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Every script in benchmarks/ with gan-core and all plugins installed.

    ``nox -s bench -- NAME ARGS...`` runs benchmarks/NAME.py alone with ARGS.
    """
    _fresh_env(session)
    _install(session, *PLUGINS)
    scripts = sorted(p for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_"))  # _common.py: helpers
    if session.posargs:
        name, *args = session.posargs
        if BENCHMARKS / f"{name.removesuffix('.py')}.py" not in scripts:
            session.error(f"no benchmark {name!r}; have: {', '.join(script.stem for script in scripts)}")
        scripts = [BENCHMARKS / f"{name.removesuffix('.py')}.py"]
    else:
        args = []
    if not scripts:
        session.skip("benchmarks/ holds no scripts")
    for script in scripts:
        session.run("python", str(script), *args)
