/**
 * The Python side of the Pyodide runtime: run once before the start-up snapshot (so
 * every interpreter started from it has it already). It preloads common modules, makes
 * a started `threading.Thread` run its target at once (Pyodide has no threads), serves a
 * `resource` module (Pyodide has none), gives `sys.maxsize` a 64-bit CPython's value and
 * defines the functions the worker calls.
 *
 * In the interpreter that runs programs: `load(code)` compiles a program once,
 * `run_input(mode, entry_point, args_text, seed_high, seed_low)` runs it in fresh
 * globals on one `stdio` or `call` input (then the `atexit` callbacks it registered, as a
 * script's end runs them), `run_top(seed_high, seed_low)` runs it in
 * fresh globals for gold test mode and describes its top-level names, and
 * `call(op, handle, name, payload)` serves the checker's requests on those names. In
 * the checker, a second interpreter that never runs program code: `load_test(test_code)`
 * compiles the gold test code and
 * `check_input(entry_point, names, bridge, seed_high, seed_low)` runs it, reaching the
 * program only through `bridge`, which carries text. The seeds (two 32-bit integers
 * from the worker) seed `random` for the input. Isolation between programs is not this
 * file's job: the worker puts both interpreters back to their snapshot after every
 * program.
 *
 * `load` and `load_test` return `""` or the compile error text. `run_input` and
 * `check_input` return `[status, error_text, return_value_json, exception_type]` as
 * JSON text (one ASCII string crosses to JavaScript, not a proxy) where `status` is
 * `ok`, `runtime_error` or `compile_error` (the JavaScript side turns interrupts,
 * refused memory growth and oversized values into `timeout`, `memory_limit` and
 * `output_limit`); `run_top` returns the same with the names' description in place of
 * the return value.
 *
 * Gold test mode: values cross between the two interpreters as text (tagged JSON,
 * see `_dumps`): plain values (exact built-in types, subclasses as their base type)
 * are copied, anything else stays in the program's interpreter and the checker gets a
 * handle it can only call and read attributes of. So `check` never runs a line of the
 * program's code in its own interpreter, and nothing the program does (frames, `gc`,
 * builtins, a lying `__eq__`) reaches it. The input passes only when `check` returns;
 * leaving early (`sys.exit`, `os._exit`, `SystemExit`) fails.
 *
 * @module
 */

/**
 * Python source of `_canon(value)` and `_text(value)`: a return value as canonical
 * JSON text (see `canonical.ts`), the same text the JavaScript side produces.
 */
export const PYTHON_CANON: string = String.raw`
import json, math

_NOT_SCALAR = object()


def _scalar(value):
    """None, a bool, int, float or str as that exact built-in type; else _NOT_SCALAR."""
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is str or kind is float:
        return value
    for base in (bool, int, float, str):
        if isinstance(value, base):
            return base(value)
    return _NOT_SCALAR


def _canon(value):
    scalar = _scalar(value)
    if type(scalar) is float and not math.isfinite(scalar):
        return {"$float": "nan" if scalar != scalar else ("inf" if scalar > 0 else "-inf")}
    if scalar is not _NOT_SCALAR:
        return scalar
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
 * Python source that removes the bridge modules to the JavaScript side, then gives the
 * pristine interpreter unused standard streams for the first input after each reset
 * (later inputs of a program make their own); run after every start (a start-up
 * snapshot is taken before it, since Pyodide's own start needs the bridge).
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
_fresh_stdio()
_Program.pristine_stdio = True
`;

/** Name under which the runner leaves its functions in `__main__`. */
export const RUNNER_NAME = "_sandbox_runner";

/**
 * Python source of the runner; run in `__main__` once before the start-up snapshot, it
 * leaves `(load, run_input, run_top, call, load_test, check_input)` there as
 * {@link RUNNER_NAME}.
 */
export const PYTHON_RUNNER: string = String.raw`
import sys, builtins, io, os, ast, json, math, traceback, importlib, fractions, decimal, atexit
from json.encoder import encode_basestring_ascii as _quote

for _name in (
    "collections", "collections.abc", "itertools", "functools", "heapq", "bisect",
    "math", "cmath", "string", "re", "typing", "fractions", "decimal", "statistics",
    "operator", "copy", "random", "time", "datetime", "array", "numbers", "struct",
    "textwrap", "unicodedata", "enum", "dataclasses", "json", "io", "os", "sys",
    "hashlib", "queue", "abc", "contextlib", "keyword", "calendar", "pprint", "base64",
    "binascii", "locale", "warnings", "weakref", "codecs", "zlib", "traceback", "ast",
    "importlib",
):
    __import__(_name)
import random

_RECURSION_LIMIT = 1000


class _Program:
    code = None
    test = None
    handles = []
    # The standard streams are unused: true in the pristine interpreter (see the seal).
    pristine_stdio = False


class _LeftEarly(BaseException):
    pass


class _Stopped(BaseException):
    """The program's interpreter was interrupted (time or output limit) or is gone."""


import threading


def _thread_start(self):
    """Pyodide has no threads: a started thread runs its target to the end at once, as
    judged programs expect of threading.Thread(target=main).start() (their way to a deeper
    recursion). An exception ends the thread as CPython's would (threading.excepthook
    prints it and the program goes on); the sandbox's stops and memory still end the
    program."""
    if not self._initialized:
        raise RuntimeError("thread.__init__() not called")
    if self._started.is_set():
        raise RuntimeError("threads can only be started once")
    self._started.set()
    try:
        self.run()
    except (KeyboardInterrupt, MemoryError, _Stopped, _LeftEarly):
        raise
    except BaseException:
        self._invoke_excepthook(self)
    finally:
        self._sandbox_finished = True


def _thread_join(self, timeout=None):
    if not self._initialized:
        raise RuntimeError("Thread.__init__() not called")
    if not self._started.is_set():
        raise RuntimeError("cannot join thread before it is started")


def _thread_is_alive(self):
    return self._started.is_set() and not getattr(self, "_sandbox_finished", False)


threading.Thread.start = _thread_start
threading.Thread.join = _thread_join
threading.Thread.is_alive = _thread_is_alive


def _resource_module():
    """Linux's resource module, which Pyodide lacks: judged programs raise their stack
    limit with it. The sandbox's own limits hold whatever a program asks."""
    import collections, time, types
    module = types.ModuleType("resource")
    names = ("CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS")
    for number, name in enumerate(names):
        setattr(module, "RLIMIT_" + name, number)
    module.RLIM_INFINITY = -1
    module.RUSAGE_SELF, module.RUSAGE_CHILDREN = 0, -1
    module.error = OSError
    usage = collections.namedtuple("struct_rusage", [
        "ru_utime", "ru_stime", "ru_maxrss", "ru_ixrss", "ru_idrss", "ru_isrss", "ru_minflt",
        "ru_majflt", "ru_nswap", "ru_inblock", "ru_oublock", "ru_msgsnd", "ru_msgrcv",
        "ru_nsignals", "ru_nvcsw", "ru_nivcsw"])

    def known(resource):
        if not isinstance(resource, int) or not 0 <= resource < len(names):
            raise ValueError("invalid resource specified")

    def getrlimit(resource):
        known(resource)
        return (-1, -1)

    def setrlimit(resource, limits):
        known(resource)
        soft, hard = limits
        if not isinstance(soft, int) or not isinstance(hard, int):
            raise TypeError("an integer is required")

    module.getrlimit, module.setrlimit = getrlimit, setrlimit
    module.getrusage = lambda who: usage(time.process_time(), *[0.0] + [0] * 14)
    module.getpagesize = lambda: 4096
    return module


sys.modules["resource"] = _resource_module()

# A judge's CPython is 64-bit, Pyodide's 32-bit: programs take sys.maxsize for infinity (a
# minimum's start), and 2**31 - 1 is smaller than many of the costs they compare with it.
sys.maxsize = 2**63 - 1


class _ProgramError(Exception):
    """An exception the program raised whose type is not a built-in one."""


def _fresh_stdio():
    """
    Standard streams as CPython makes them on POSIX: no newline translation (input()
    keeps the "\r" of a "\r\n"), a mode (PyRival's fast input/output template reads
    it), and sys.__stdin__ and the others the same objects (a program that wraps
    sys.stdin.buffer anew and rebinds sys.stdin does not close it by dropping the old one).
    """
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(
        io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8", newline="\n")
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8", newline="\n")
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace",
        newline="\n", line_buffering=True)
    sys.stdin.mode, sys.stdout.mode, sys.stderr.mode = "r", "w", "w"


def _fresh_input(seed_high, seed_low):
    random.seed((int(seed_high) << 32) | int(seed_low))
    sys.setrecursionlimit(_RECURSION_LIMIT)
    atexit._clear()
    if _Program.pristine_stdio:
        _Program.pristine_stdio = False
    else:
        _fresh_stdio()


def _flush():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
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

def _tree(value, other):
    """
    A value as a JSON-able tree: exact built-in types (subclasses become their base
    type) are copied, tagged where JSON has no such type; anything else goes to
    other(value), which gives its handle.
    """
    scalar = _scalar(value)
    if scalar is not _NOT_SCALAR:
        return scalar
    if isinstance(value, list):
        return [_tree(item, other) for item in value]
    if isinstance(value, tuple):
        return {"t": [_tree(item, other) for item in value]}
    if isinstance(value, frozenset):
        return {"f": [_tree(item, other) for item in value]}
    if isinstance(value, set):
        return {"s": [_tree(item, other) for item in value]}
    if isinstance(value, dict):
        return {"d": [[_tree(k, other), _tree(v, other)] for k, v in value.items()]}
    if isinstance(value, (bytes, bytearray)):
        return {"b": bytes(value).decode("latin-1")}
    if isinstance(value, complex):
        return {"c": [complex(value).real, complex(value).imag]}
    if isinstance(value, fractions.Fraction):
        return {"q": [int(value.numerator), int(value.denominator)]}
    if isinstance(value, decimal.Decimal):
        return {"e": str(decimal.Decimal(value))}
    return {"h": other(value)}


def _dumps(value, other):
    return json.dumps(_tree(value, other), ensure_ascii=False, separators=(",", ":"))


def _loads(text, handle):
    """The value of a tree made by _dumps: plain values, handles through handle(id)."""
    def tagged(obj):
        if len(obj) != 1:
            raise ValueError("a malformed value")
        ((tag, v),) = obj.items()
        if tag == "t":
            return tuple(v)
        if tag == "s":
            return set(v)
        if tag == "f":
            return frozenset(v)
        if tag == "d":
            return {k: x for k, x in v}
        if tag == "b":
            return v.encode("latin-1")
        if tag == "c":
            return complex(v[0], v[1])
        if tag == "q":
            return fractions.Fraction(v[0], v[1])
        if tag == "e":
            return decimal.Decimal(v)
        if tag == "h" and type(v) is int:
            return handle(v)
        raise ValueError("a malformed value")
    return json.loads(text, object_hook=tagged)


def _error_text(error, filename):
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def _outcome(run, left_early):
    """Runs run(); its outcome as [status, error_text, returned, error_type] in JSON."""
    return _wire(_run_outcome(run, left_early))


def _wire(outcome):
    """An outcome as JSON text, ASCII only; a field that is not exactly a str is null."""
    return "[" + ",".join(_quote(v) if type(v) is str else "null" for v in outcome) + "]"


def _run_outcome(run, left_early):
    """Runs run(); its outcome as (status, error_text, returned, error_type)."""
    status, error_text, returned, error_type = "ok", "", None, None
    try:
        returned = run()
    except _LeftEarly as error:
        status, error_type = "runtime_error", "SystemExit"
        error_text = f"SystemExit: {error}"
    except _Stopped:
        status, error_type = "runtime_error", "KeyboardInterrupt"
        error_text = "KeyboardInterrupt"
    except SystemExit as error:
        if left_early:
            status, error_type = "runtime_error", "SystemExit"
            error_text = f"SystemExit: {left_early}"
        elif error.code is not None and error.code != 0:
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
            error_text = getattr(error, "_program_text", None) or _error_text(error, "<program>")
        except BaseException:
            error_text = type(error).__name__
    finally:
        _flush()
    return (status, error_text, returned, error_type)


def load(code):
    """Compiles a program once for all of its inputs."""
    try:
        _Program.code = compile(code, "<program>", "exec")
    except (SyntaxError, ValueError, OverflowError) as error:
        return "".join(traceback.format_exception_only(error))
    return ""


def _ending(run):
    """
    run, then the callbacks the program registered with atexit, as CPython calls them when
    a script ends (returning, raising or exiting); not after KeyboardInterrupt or
    MemoryError, which are the sandbox's time and memory limits here.
    """
    def whole():
        try:
            returned = run()
        except (KeyboardInterrupt, MemoryError):
            raise
        except BaseException:
            atexit._run_exitfuncs()
            raise
        atexit._run_exitfuncs()
        return returned
    return whole


def run_input(mode, entry_point, args_text, seed_high, seed_low):
    """Runs the loaded program on one stdio or call input; see the module documentation."""
    program = {"__name__": "__main__", "__builtins__": builtins, "__doc__": None}
    _fresh_input(seed_high, seed_low)

    def run():
        exec(_Program.code, program)
        if mode == "call":
            function = program[entry_point] if entry_point in program else None
            if function is None:
                raise NameError(f"name {entry_point!r} is not defined")
            args, kwargs = _literal_args(args_text)
            return _text(_canon(function(*args, **kwargs)))
        return None
    return _outcome(_ending(run), None)


def _handle(value):
    _Program.handles.append(value)
    return len(_Program.handles) - 1


def run_top(seed_high, seed_low):
    """
    Runs the loaded program in fresh globals for gold test mode; on success the third
    item describes its top-level names: [[[name, module], ...], tree of the other names].
    """
    program = {"__name__": "__main__", "__builtins__": builtins, "__doc__": None}
    _Program.handles = [program]
    _fresh_input(seed_high, seed_low)

    def run():
        exec(_Program.code, program)
        modules, values = [], {}
        for name, value in list(program.items()):
            if name.startswith("__") or type(name) is not str:
                continue
            if type(value) is type(sys):
                modules.append([name, value.__name__])
            else:
                values[name] = value
        return _dumps([modules, values], _handle)
    return _outcome(run, "the program exited before check() ran")


def call(op, handle, name, payload):
    """
    Serves one request of the checker on the program's objects: "g" reads attribute
    name of handle (a global name for handle 0), "c" calls handle with payload's
    arguments. Answers "v" + value, "r" + [type, message, traceback] when the program
    raised, "x" when it left (SystemExit) and "s" when it was interrupted.
    """
    try:
        target = _Program.handles[handle]
        if op == "g":
            value = target[name] if handle == 0 else getattr(target, name)
        elif op == "i":
            value = _Iterator(iter(target))
        elif op == "n":
            value = next(target)
        else:
            args, kwargs = _loads(payload, lambda h: _Program.handles[h])
            value = target(*args, **kwargs)
        return "v" + _dumps(value, _handle)
    except StopIteration:
        return "e"
    except SystemExit:
        return "x"
    except KeyboardInterrupt:
        return "s"
    except BaseException as error:
        try:
            return "r" + json.dumps([type(error).__name__, str(error),
                                     _error_text(error, "<program>")])
        except BaseException:
            return "r" + json.dumps([type(error).__name__, "", type(error).__name__])
    finally:
        _flush()


class _Iterator:
    """An iterator of the program's, always handed to the checker as a handle."""
    __slots__ = ("it",)

    def __init__(self, it):
        self.it = it

    def __next__(self):
        return next(self.it)


class _Remote:
    """An object that stays in the program's interpreter: it can be called and read."""
    __slots__ = ("_handle",)

    def __init__(self, handle):
        object.__setattr__(self, "_handle", handle)

    def __call__(self, *args, **kwargs):
        return _ask("c", object.__getattribute__(self, "_handle"), "", [list(args), kwargs])

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _ask("g", object.__getattribute__(self, "_handle"), name, None)

    def __iter__(self):
        return _ask("i", object.__getattribute__(self, "_handle"), "", None)

    def __next__(self):
        return _ask("n", object.__getattribute__(self, "_handle"), "", None)

    def __repr__(self):
        return "<object of the program>"


class _Bridge:
    send = None
    left = False


def _remote_handle(value):
    if type(value) is _Remote:
        return object.__getattribute__(value, "_handle")
    raise TypeError(f"check() passed a value the program cannot receive: {type(value).__name__}")


def _ask(op, handle, name, payload):
    text = _Bridge.send(op, handle, name, "" if payload is None else _dumps(payload, _remote_handle))
    if type(text) is not str or not text:
        raise _Stopped()
    kind, body = text[0], text[1:]
    if kind == "v":
        return _loads(body, _Remote)
    if kind == "r":
        kind_name, message, program_text = json.loads(body)
        error_type = getattr(builtins, str(kind_name), None)
        if not (isinstance(error_type, type) and issubclass(error_type, Exception)):
            error_type = _ProgramError
        error = error_type(str(message))
        error._program_text = str(program_text)
        raise error
    if kind == "e":
        raise StopIteration
    if kind == "x":
        _Bridge.left = True
        raise _LeftEarly("the program exited before check() returned")
    raise _Stopped()


def load_test(test_code):
    """Compiles gold test code once for all of a program's inputs (in the checker)."""
    try:
        _Program.test = compile(test_code, "<test>", "exec") if test_code else None
    except (SyntaxError, ValueError, OverflowError) as error:
        return "".join(traceback.format_exception_only(error))
    return ""


def check_input(entry_point, names_text, send, seed_high, seed_low):
    """
    Runs the gold test code in the checker on the program's top-level names (as
    described by run_top); the program is reached only through send.
    """
    _Bridge.send, _Bridge.left = send, False
    _fresh_input(seed_high, seed_low)

    def run():
        modules, values = _loads(names_text, _Remote)
        tests = {"__name__": "__main__", "__builtins__": builtins}
        for name, module in modules:
            try:
                tests[name] = importlib.import_module(module)
            except BaseException:
                pass
        tests.update(values)
        if _Program.test is not None:
            exec(_Program.test, tests)
        if entry_point:
            check = tests.get("check")
            if check is None or type(check) is _Remote:
                raise NameError("name 'check' is not defined by the test code")
            function = tests.get(entry_point)
            if function is None:
                raise NameError(f"name {entry_point!r} is not defined")
            check(function)
        return None
    try:
        outcome = _run_outcome(run, "the test code exited before it finished")
        if _Bridge.left and outcome[0] == "ok":
            # check() caught the program's exit: the program still left early.
            outcome = ("runtime_error", "SystemExit: the program exited before check() returned",
                       None, "SystemExit")
        return _wire(outcome)
    finally:
        _Bridge.send = None


# Formatting a first error imports modules: do it now, so that it is in the snapshot.
load("def f(:")
try:
    [][1]
except IndexError as _error:
    _error_text(_error, "<program>")

import __main__
setattr(__main__, "${RUNNER_NAME}", (load, run_input, run_top, call, load_test, check_input))
`;
