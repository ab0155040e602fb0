/**
 * The Python side of the Pyodide runtime: run once before the start-up snapshot (so a
 * worker started from it has it already). It preloads common modules and defines the
 * two functions the worker calls: `load(code, test_code)` compiles a program once, and
 * `run_input(mode, entry_point, args_text)` runs the compiled program in fresh globals
 * on one input. Isolation between programs is not this file's job: the worker puts
 * the whole interpreter back to its snapshot after every program.
 *
 * `load` returns `""` or the compile error text. `run_input` returns
 * `(status, error_text, return_value_json, exception_type)` where `status` is `ok`,
 * `runtime_error` or `compile_error` (the JavaScript side turns interrupts, refused
 * memory growth and oversized values into `timeout`, `memory_limit` and
 * `output_limit`).
 *
 * Gold test mode: the program runs, then the test code in a copy of the program's
 * globals; `check` receives a stand-in for the entry point that hands back only
 * plain values (exact built-in types, copied through `marshal`; an entry-point class
 * gives instances whose methods do the same), and the input passes only when `check`
 * returns. Leaving early (`sys.exit`, `SystemExit`) fails.
 *
 * @module
 */

/**
 * Python source of `_canon(value)` and `_text(value)`: a return value as canonical
 * JSON text (see `canonical.ts`), the same text the JavaScript side produces.
 */
export const PYTHON_CANON: string = String.raw`
import json, math

def _canon(value):
    kind = type(value)
    if value is None or kind is bool or kind is str or kind is int:
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        number = float(value)
        if math.isfinite(number):
            return number
        return {"$float": "nan" if number != number else ("inf" if number > 0 else "-inf")}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_canon(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return {"$set": sorted((_canon(item) for item in value), key=_text)}
    if isinstance(value, dict):
        items = [(_canon(k), _canon(v)) for k, v in value.items()]
        if all(type(k) is str for k, _ in items):
            return dict(items)
        return {"$dict": sorted(([k, v] for k, v in items), key=lambda kv: _text(kv[0]))}
    return {"$repr": repr(value)}


def _text(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)
`;

/**
 * Python source that removes the bridge modules to the JavaScript side; run after
 * every start (a start-up snapshot is taken before it, since Pyodide's own start needs
 * them).
 */
export const PYTHON_SEAL: string = String.raw`
import sys, os
os.urandom(16)  # resolves the host's random source while the runtime may still reach it
_BRIDGE = ("js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "micropip",
           "pyodide_http", "ctypes", "_ctypes")
for _n in [_n for _n in sys.modules if _n.partition(".")[0] in _BRIDGE]:
    del sys.modules[_n]
for _n in _BRIDGE:
    sys.modules[_n] = None
sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("_pyodide")]
`;

/** Name under which the runner leaves `(load, run_input)` in `__main__`. */
export const RUNNER_NAME = "_sandbox_runner";

/**
 * Python source of the runner; run in `__main__` once before the start-up snapshot, it
 * leaves `(load, run_input)` there as {@link RUNNER_NAME}.
 */
export const PYTHON_RUNNER: string = String.raw`
import sys, builtins, io, os, ast, json, math, marshal, traceback

for _name in (
    "collections", "collections.abc", "itertools", "functools", "heapq", "bisect",
    "math", "cmath", "string", "re", "typing", "fractions", "decimal", "statistics",
    "operator", "copy", "random", "time", "datetime", "array", "numbers", "struct",
    "textwrap", "unicodedata", "enum", "dataclasses", "json", "io", "os", "sys",
    "hashlib", "queue", "abc", "contextlib", "keyword", "calendar", "pprint", "base64",
    "binascii", "locale", "warnings", "weakref", "codecs", "zlib", "traceback", "ast",
):
    __import__(_name)
import random

_RECURSION_LIMIT = 1000


class _Program:
    code = None
    test = None


class _LeftEarly(Exception):
    pass


def _fresh_stdio():
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)),
                                 encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)),
                                  encoding="utf-8")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _literal_args(text):
    call = ast.parse("f(" + text + "\n)", mode="eval").body
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    return args, kwargs


${PYTHON_CANON}
_PLAIN = (type(None), bool, int, float, complex, str, bytes)


def _plain(value):
    """The value as exact built-in types (subclasses become their base type)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    for base in _PLAIN[1:]:
        if isinstance(value, base):
            return base(value)
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, frozenset):
        return frozenset(_plain(item) for item in value)
    if isinstance(value, set):
        return {_plain(item) for item in value}
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    raise TypeError(f"the return value is not a plain value: {kind.__name__}")


def _copy(value):
    return marshal.loads(marshal.dumps(_plain(value)))


class _Instance:
    """An instance of the entry-point class as check() sees it: methods hand back plain values."""
    __slots__ = ("_target",)

    def __init__(self, target):
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name):
        value = getattr(object.__getattribute__(self, "_target"), name)
        return _candidate(value) if callable(value) else _copy(value)


def _candidate(function):
    def candidate(*args, **kwargs):
        value = function(*args, **kwargs)
        if isinstance(function, type) and isinstance(value, function):
            return _Instance(value)
        return _copy(value)
    return candidate


def _error_text(error):
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != "<program>":
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def load(code, test_code):
    """Compiles a program (and its gold test code) once for all of its inputs."""
    try:
        _Program.code = compile(code, "<program>", "exec")
        _Program.test = compile(test_code, "<test>", "exec") if test_code else None
    except (SyntaxError, ValueError, OverflowError) as error:
        return "".join(traceback.format_exception_only(error))
    return ""


def run_input(mode, entry_point, args_text):
    """Runs the loaded program on one input; see the module documentation."""
    program = {"__name__": "__main__", "__builtins__": builtins, "__doc__": None}
    status, error_text, returned, error_type = "ok", "", None, None
    random.seed()
    sys.setrecursionlimit(_RECURSION_LIMIT)
    _fresh_stdio()
    try:
        try:
            exec(_Program.code, program)
        except SystemExit:
            if mode == "test":
                raise _LeftEarly("the program exited before check() ran")
            raise
        if mode == "call":
            function = program[entry_point] if entry_point in program else None
            if function is None:
                raise NameError(f"name {entry_point!r} is not defined")
            args, kwargs = _literal_args(args_text)
            returned = _text(_canon(function(*args, **kwargs)))
        elif mode == "test":
            tests = dict(program)
            tests["__builtins__"] = builtins
            if _Program.test is not None:
                exec(_Program.test, tests)
            if entry_point:
                check = tests.get("check")
                if check is None:
                    raise NameError("name 'check' is not defined")
                function = program.get(entry_point)
                if function is None:
                    raise NameError(f"name {entry_point!r} is not defined")
                try:
                    check(_candidate(function))
                except SystemExit:
                    raise _LeftEarly("the program exited before check() returned")
    except SystemExit as error:
        if error.code is not None and error.code != 0:
            status, error_type = "runtime_error", "SystemExit"
            if not isinstance(error.code, int):
                try:
                    print(error.code, file=sys.stderr)
                except BaseException:
                    pass
            error_text = f"SystemExit: {error.code}"
    except BaseException as error:
        status, error_type = "runtime_error", type(error).__name__
        try:
            error_text = _error_text(error)
        except BaseException:
            error_text = type(error).__name__
    finally:
        _flush()
    return (status, error_text, returned, error_type)


# Formatting a first error imports modules: do it now, so that it is in the snapshot.
load("def f(:", "")
try:
    [][1]
except IndexError as _error:
    _error_text(_error)

import __main__
setattr(__main__, "${RUNNER_NAME}", (load, run_input))
`;
