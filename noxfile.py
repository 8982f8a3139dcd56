"""gan: build and test orchestration. Every distribution is tested alone, then all together.

nox                        # default sessions: core, one per plugin, example-plugin, integration, lint, dist
nox -s core -- -k config   # arguments after -- go to pytest
nox -s dist -- FOLDER      # sdists and wheels, checked and installed away from the checkout, into FOLDER (dist/)
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


def _requirements(dist: Path, with_tests: bool) -> list[str]:
    project = _pyproject(dist)["project"]
    extra = project.get("optional-dependencies", {}).get("test", []) if with_tests else []
    return [*project.get("dependencies", []), *extra]


def _local_dependencies(dist: Path) -> list[Path]:
    """Sibling plugins that ``dist`` declares (``gan-plugin-x``), in its dependencies or its own test
    extra (gan-plugin-serve's tests serve runs of three variants), so pip takes them from this
    checkout instead of looking for them on an index; transitively."""
    by_name = {_dist_name(p): p for p in PLUGINS}
    found: list[Path] = []
    pending = [dist]
    while pending:
        current = pending.pop()
        for requirement in _requirements(current, with_tests=current == dist):
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


# --- publishable distributions ----------------------------------------------------------------

BUILD_SPEC = "build==1.6.1"  # pinned, like ruff
TWINE_SPEC = "twine==7.0.0"


def _released_version() -> str:
    """The newest ``## X.Y.Z`` heading of CHANGELOG.md (``## Unreleased`` is not a release)."""
    for line in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == "##" and words[1][:1].isdigit():
            return words[1]
    raise ValueError("CHANGELOG.md has no released version heading (## X.Y.Z)")


def _requirement_name(requirement: str) -> str:
    """``gan-core`` of ``gan_core~=0.2; python_version >= '3.10'``, PEP 503-normalised."""
    name = requirement.split(";")[0].strip()
    for separator in "<>=!~[ (@":
        name = name.split(separator)[0]
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _wheel_name(dist: Path) -> str:
    """The distribution's name as artefact file names spell it (``gan_plugin_vanilla``)."""
    return _dist_name(dist).lower().replace("-", "_").replace(".", "_")


def _source_files(dist: Path) -> list[str]:
    """Every file under ``src/`` that a wheel must hold, as paths relative to ``src/``."""
    src = dist / "src"
    skipped_dirs = {"__pycache__"}
    return sorted(
        path.relative_to(src).as_posix()
        for path in src.rglob("*")
        if path.is_file()
        and path.suffix not in {".pyc", ".pyo"}
        and not any(part in skipped_dirs or part.endswith(".egg-info") for part in path.relative_to(src).parts)
    )


def _check_wheel_contents(session: nox.Session, dist: Path, wheel: Path) -> None:
    """The wheel holds every file of the source tree's packages, and each ``package-data`` pattern
    matches something in it: a data file that is not declared, or not in the sdist the wheel was
    built from, fails here."""
    import fnmatch
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [name for name in _source_files(dist) if name not in names]
    if missing:
        session.error(f"{wheel.name} lacks {', '.join(missing)} (declare them in package-data)")
    declared = _pyproject(dist).get("tool", {}).get("setuptools", {}).get("package-data", {})
    for package, patterns in declared.items():
        for pattern in patterns:
            if not fnmatch.filter(names, f"{package.replace('.', '/')}/{pattern}"):
                session.error(f"{wheel.name}: package-data {package}: {pattern!r} matches no file")


def _requirements_of(wheel: Path) -> list[str]:
    """The wheel's ``Requires-Dist`` lines, less those that only an extra asks for."""
    import zipfile
    from email.parser import HeaderParser

    with zipfile.ZipFile(wheel) as archive:
        metadata = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        headers = HeaderParser().parsestr(archive.read(metadata).decode("utf-8"))
    return [line for line in headers.get_all("Requires-Dist", []) if "extra" not in line.partition(";")[2]]


_INSTALLED_CHECK = """
import importlib, json, sys, sysconfig
from importlib import metadata, resources
from pathlib import Path
checkout, venv = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
shared = {Path(p).resolve() for p in filter(None, sys.argv[3].split(','))}
packages = dict(item.split('=') for item in sys.argv[4].split(','))
assert Path(sys.prefix).resolve() == venv, f'{sys.prefix} is not the fresh virtualenv {venv}'
for entry in sys.path:
    where = Path(entry or '.').resolve()
    inside = where == checkout or checkout in where.parents
    assert not inside or where in shared, f'the checkout is on sys.path: {entry}'
site = Path(sysconfig.get_path('purelib')).resolve()
for package, dist in sorted(packages.items()):
    module = importlib.import_module(package)
    where = Path(module.__file__).resolve()
    assert site in where.parents, f'{package} is imported from {where}, not from {site}'
    assert module.__version__ == metadata.version(dist), f'{package}.__version__ is not {dist} {metadata.version(dist)}'
    assert resources.files(package).joinpath('py.typed').is_file(), f'{package} is installed without py.typed'
    print(f'{package} {module.__version__} from {where.parent}')
weights = sorted(p.name for p in resources.files('gan_plugin_metrics').joinpath('weights').iterdir())
assert 'digits-cnn.safetensors' in weights, f'gan_plugin_metrics/weights holds {weights}'
import torch
print(f'package data: gan_plugin_metrics/weights/{"/".join(weights)}')
print(f'torch {torch.__version__} from {torch.__file__}')
"""

_PLUGINS_CHECK = """
import json, subprocess, sys
listed = subprocess.run([sys.argv[1], 'plugins', '--json'], capture_output=True, text=True, check=True)
rows = json.loads(listed.stdout)
expected = set(sys.argv[2].split(','))
names = {row['name'] for row in rows}
assert names == expected, f'gan plugins lists {sorted(names)}, expected {sorted(expected)}'
broken = [f"{row['name']}: {row['error']}" for row in rows if row['error']]
assert not broken, f'broken plugins: {broken}'
print('gan plugins: ' + ', '.join(f"{row['name']} {row['version']}" for row in rows))
"""

_SAMPLES_CHECK = """
import sys
import numpy as np
samples = np.load(sys.argv[1])
assert samples.shape == (16, 2) and np.isfinite(samples).all(), f'samples: {samples.shape}, {samples.dtype}'
print(f'gan sample: {samples.shape} finite samples')
"""


@nox.session
def dist(session: nox.Session) -> None:
    """Sdists and wheels of every distribution: built, checked, installed away from the checkout, run.
    ``nox -s dist -- FOLDER`` leaves the artefacts in FOLDER (default ``dist/``).

    1. The version of gan-core and every plugin is CHANGELOG.md's newest release heading.
    2. ``python -m build`` makes each sdist, then the wheel from that sdist (so the sdist holds what a
       rebuild needs); ``twine check --strict`` reads every artefact's metadata; each wheel holds
       every file of its source tree and what its package-data declares.
    3. A fresh virtualenv in a temporary folder, with the shared torch (the ``.pth`` file above),
       gets the wheels' other dependencies from the index, then gan-core, every plugin and the
       example plugin (``gan-core~=0.2``, as a third party declares it) ``--no-index`` from the built
       wheels alone. From a temporary folder, with the checkout off ``sys.path``, it runs ``gan
       plugins``, trains vanilla and the example's variant for 20 steps, and samples.
    """
    import tempfile

    released = _released_version()
    dists = [CORE, *PLUGINS, EXAMPLE_PLUGIN]
    versions = {dist: str(_pyproject(dist)["project"]["version"]) for dist in dists}
    wrong = [f"{_dist_name(d)} {versions[d]}" for d in [CORE, *PLUGINS] if versions[d] != released]
    if wrong:
        session.error(f"CHANGELOG.md's newest release is {released}, but: {', '.join(wrong)}")
    out = Path(session.posargs[0] if session.posargs else ROOT / "dist").resolve()
    quiet = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": None, "PIP_NO_INPUT": "1"}
    # Each build runs in this session rather than in a virtualenv of its own (--no-isolation), which
    # is three times faster; this session holds just what the distributions declare they build with.
    build_requires = sorted({req for dist in dists for req in _pyproject(dist)["build-system"]["requires"]})
    session.install(BUILD_SPEC, TWINE_SPEC, *build_requires)

    with tempfile.TemporaryDirectory(prefix="gan-dist-") as temporary:
        tmp = Path(temporary).resolve()
        if tmp == ROOT or ROOT in tmp.parents:
            session.error(f"the temporary folder {tmp} is inside the checkout; set TMPDIR elsewhere")
        built = tmp / "dist"
        wheels: dict[Path, Path] = {}
        for dist in dists:
            shutil.rmtree(dist / "build", ignore_errors=True)  # see _install
            session.run(
                "python", "-m", "build", "--no-isolation", "--outdir", str(built), str(dist), env=quiet, silent=True
            )
            stem = f"{_wheel_name(dist)}-{versions[dist]}"
            wheel = built / f"{stem}-py3-none-any.whl"
            if not wheel.is_file() or not (built / f"{stem}.tar.gz").is_file():
                session.error(f"python -m build {dist} made {sorted(p.name for p in built.iterdir())}")
            _check_wheel_contents(session, dist, wheel)
            wheels[dist] = wheel
        artefacts = sorted(built.iterdir())
        session.log(f"built {len(artefacts)} artefacts: {', '.join(p.name for p in artefacts)}")
        session.run("twine", "check", "--strict", *map(str, artefacts))

        venv = tmp / "venv"
        python = _python_in(venv)
        session.run("python", "-m", "venv", str(venv))
        shared = _shared_torch_site(session) if SHARE_TORCH else []
        for site in _site_dirs(session, python):
            Path(site).mkdir(parents=True, exist_ok=True)
            (Path(site) / PTH_FILE).write_text("".join(f"{path}\n" for path in shared))
        venv_env = {
            **quiet,
            "VIRTUAL_ENV": str(venv),
            "PATH": os.pathsep.join([str(python.parent), os.environ["PATH"]]),
        }
        work = tmp / "work"
        work.mkdir()

        def run_there(*args: str) -> None:
            with session.chdir(work):
                session.run(*args, env=venv_env, external=True)

        ours = {_dist_name(dist).lower() for dist in dists}
        others = sorted(
            {
                line
                for wheel in wheels.values()
                for line in _requirements_of(wheel)
                if _requirement_name(line) not in ours
            }
        )
        run_there(str(python), "-m", "pip", "install", "--quiet", *others)
        pins = [f"{_dist_name(dist)}=={versions[dist]}" for dist in dists]
        run_there(str(python), "-m", "pip", "install", "--no-index", "--find-links", str(built), *pins)
        run_there(str(python), "-m", "pip", "check")

        packages = ",".join(f"{pkg}={_dist_name(dist)}" for dist in dists for pkg in _packages(dist))
        run_there(str(python), "-c", _INSTALLED_CHECK, str(ROOT), str(venv), ",".join(shared), packages)
        gan = str(python.parent / "gan")
        run_there(gan, "plugins")
        expected = ",".join(["core", *(name for dist in [*PLUGINS, EXAMPLE_PLUGIN] for name in _entry_points(dist))])
        run_there(str(python), "-c", _PLUGINS_CHECK, gan, expected)
        run_there(gan, "train", "vanilla", "--dataset", "ring8", "--steps", "20", "--out", "run-vanilla")
        run_there(gan, "sample", "run-vanilla", "--n", "16", "--out", "s.npy")
        run_there(str(python), "-c", _SAMPLES_CHECK, "s.npy")
        run_there(gan, "train", "lsgan-example", "--dataset", "ring8", "--steps", "20", "--out", "run-example")

        out.mkdir(parents=True, exist_ok=True)
        for dist in dists:  # older builds of ours go, anything else in the folder stays
            for old in [*out.glob(f"{_wheel_name(dist)}-*.whl"), *out.glob(f"{_wheel_name(dist)}-*.tar.gz")]:
                old.unlink()
        for artefact in artefacts:
            shutil.copy2(artefact, out / artefact.name)
        session.log(f"the wheels and sdists are in {out}")


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
