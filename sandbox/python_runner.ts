/**
 * The Python side of the Pyodide runtime: run once when a worker starts, it
 * preloads common modules, snapshots the interpreter state, installs the audit
 * hook that blocks host access and file-system changes, and defines `run`, which
 * executes one program in fresh globals and restores the snapshot afterwards.
 *
 * `run(source, mode, entry_point, args_text)` returns
 * `(status, error_text, return_value_json, exception_type, dirty)` where `status` is
 * `ok`, `runtime_error` or `compile_error` (the JavaScript side turns interrupts and
 * refused memory growth into `timeout`, `output_limit` and `memory_limit`), and
 * `dirty` says the snapshot could not be restored (the worker must be replaced).
 *
 * @module
 */

/** Python source of the runner; evaluated in its own namespace, it returns `run`. */
export const PYTHON_RUNNER: string = String.raw`
import sys, builtins, io, os, ast, json, math, gc, random, traceback, types

for _name in (
    "collections", "collections.abc", "itertools", "functools", "heapq", "bisect",
    "math", "cmath", "string", "re", "typing", "fractions", "decimal", "statistics",
    "operator", "copy", "random", "time", "datetime", "array", "numbers", "struct",
    "textwrap", "unicodedata", "enum", "dataclasses", "json", "io", "os", "sys",
    "hashlib", "queue", "abc", "contextlib", "keyword", "calendar", "pprint", "base64",
    "binascii", "locale", "warnings", "weakref", "codecs", "zlib", "traceback", "ast",
):
    __import__(_name)
import decimal, warnings
os.urandom(16)  # resolves the host's random source while the runtime may still reach it

_BLOCKED = frozenset(("js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core",
                      "micropip", "pyodide_http", "ctypes", "_ctypes"))

def _blocked(name):
    return name.partition(".")[0] in _BLOCKED

for _n in [_n for _n in sys.modules if _blocked(_n)]:
    del sys.modules[_n]
for _n in _BLOCKED:
    sys.modules[_n] = None
sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("_pyodide")]


def _no_introspection(*args, **kwargs):
    raise PermissionError("Object-graph introspection is not allowed in the sandbox")


gc.get_objects = gc.get_referrers = gc.get_referents = _no_introspection

_FS_EVENTS = frozenset((
    "os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "os.chown",
    "os.symlink", "os.link", "os.truncate", "os.utime", "os.chdir", "os.chflags",
    "os.lchown", "os.lchmod", "os.mkfifo", "os.mknod", "os.putenv", "os.unsetenv",
    "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree",
    "shutil.move", "shutil.rmtree", "shutil.chown", "shutil.make_archive",
    "shutil.unpack_archive", "os.fwalk", "tempfile.mkstemp", "tempfile.mkdtemp",
))
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

_HOME = os.getcwd()
_PATH = list(sys.path)
_META_PATH = list(sys.meta_path)
_PATH_HOOKS = list(sys.path_hooks)
_ENVIRON = dict(os.environ)
_WARN_FILTERS = list(warnings.filters)
_STREAMS = (sys.stdin, sys.stdout, sys.stderr)
_BUILTINS = dict(builtins.__dict__)
_MODULES = dict(sys.modules)
_MODULE_DICTS = [(m.__dict__, dict(m.__dict__)) for m in _MODULES.values()
                 if isinstance(m, types.ModuleType)]
_MODULE_NAMES = frozenset(_MODULES)
_IMMUTABLE_TYPE = 1 << 8
_CLASS_DICTS = [(c, dict(vars(c))) for c in {id(v): v for _, d in _MODULE_DICTS for v in d.values()
                                            if isinstance(v, type)
                                            and not v.__flags__ & _IMMUTABLE_TYPE}.values()]
# Live views and their snapshots side by side, so one C-level list comparison finds any change.
_MODULE_VIEWS = [current for current, _ in _MODULE_DICTS]
_MODULE_SNAPSHOTS = [snapshot for _, snapshot in _MODULE_DICTS]
_CLASS_VIEWS = [vars(cls) for cls, _ in _CLASS_DICTS]
_CLASS_SNAPSHOTS = [snapshot for _, snapshot in _CLASS_DICTS]
_GC_THRESHOLD = gc.get_threshold()
_INT_DIGITS = sys.get_int_max_str_digits()
_RECURSION_LIMIT = 1000


class _State:
    active = False
    dirty = False


def _writable(mode, flags):
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return isinstance(flags, int) and flags & _WRITE_FLAGS != 0


def _audit(event, args):
    if not _State.active:
        return
    if event == "import":
        if _blocked(args[0]):
            raise ModuleNotFoundError(f"No module named {args[0]!r}", name=args[0])
    elif event == "open":
        if not isinstance(args[0], int) and _writable(args[1], args[2]):
            raise PermissionError(13, "Writing files is not allowed in the sandbox", args[0])
    elif event in _FS_EVENTS:
        raise PermissionError(13, "Changing the file system is not allowed in the sandbox")
    elif event == "sys.addaudithook":
        raise RuntimeError("Adding audit hooks is not allowed in the sandbox")
    elif event in ("object.__setattr__", "object.__delattr__"):
        target = args[0]
        if target is _audit or target is _State or target is run:
            raise PermissionError("The sandbox runner cannot be changed")
        if isinstance(target, types.FunctionType) and target.__module__ in _MODULE_NAMES:
            _State.dirty = True


def _fresh_stdio():
    for fd, device in ((0, "/dev/stdin"), (1, "/dev/stdout"), (2, "/dev/stderr")):
        try:
            os.fstat(fd)
        except OSError:
            if os.open(device, os.O_RDONLY if fd == 0 else os.O_WRONLY) != fd:
                raise RuntimeError("Cannot reopen the standard streams")
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


def _restore_dict(current, snapshot):
    if current == snapshot:
        return
    for key in [k for k in current if k not in snapshot]:
        del current[key]
    for key, value in snapshot.items():
        if current.get(key, _restore_dict) is not value:
            current[key] = value


def _restore_class(cls, snapshot):
    for key in [k for k in vars(cls) if k not in snapshot]:
        delattr(cls, key)
    for key, value in snapshot.items():
        if vars(cls).get(key, _restore_dict) is not value:
            setattr(cls, key, value)


def _restore():
    # Each run gets fresh standard streams; put the snapshot's back first so that an
    # unchanged interpreter compares equal to its snapshot in one C-level comparison.
    sys.stdin, sys.stdout, sys.stderr = _STREAMS
    modules = sys.modules
    for name in [n for n in modules if n not in _MODULES]:
        del modules[name]
    _restore_dict(modules, _MODULES)
    _restore_dict(builtins.__dict__, _BUILTINS)
    if _MODULE_VIEWS != _MODULE_SNAPSHOTS:
        for current, snapshot in _MODULE_DICTS:
            _restore_dict(current, snapshot)
    if _CLASS_VIEWS != _CLASS_SNAPSHOTS:
        for cls, snapshot in _CLASS_DICTS:
            if vars(cls) != snapshot:
                _restore_class(cls, snapshot)
    sys.path[:] = _PATH
    sys.meta_path[:] = _META_PATH
    sys.path_hooks[:] = _PATH_HOOKS
    sys.path_importer_cache.clear()
    if dict(os.environ) != _ENVIRON:
        os.environ.clear()
        os.environ.update(_ENVIRON)
    warnings.filters[:] = _WARN_FILTERS
    warnings._filters_mutated() if hasattr(warnings, "_filters_mutated") else None
    sys.setrecursionlimit(_RECURSION_LIMIT)
    sys.set_int_max_str_digits(_INT_DIGITS)
    sys.settrace(None)
    sys.setprofile(None)
    gc.enable()
    gc.set_threshold(*_GC_THRESHOLD)
    decimal.setcontext(decimal.Context())
    random.seed()
    if os.getcwd() != _HOME:
        os.chdir(_HOME)
    _fresh_stdio()


def _literal_args(text):
    call = ast.parse("f(" + text + "\n)", mode="eval").body
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    return args, kwargs


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


def _error_text(error):
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != "<program>":
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def run(source, mode, entry_point, args_text):
    """Runs one program; see the module documentation for the result tuple."""
    _State.dirty = False
    try:
        code = compile(source, "<program>", "exec")
    except (SyntaxError, ValueError, OverflowError) as error:
        return ("compile_error", "".join(traceback.format_exception_only(error)), None,
                type(error).__name__, False)
    program = {"__name__": "__main__", "__builtins__": builtins, "__doc__": None}
    status, error_text, returned, error_type = "ok", "", None, None
    _State.active = True
    try:
        exec(code, program)
        if mode == "call":
            function = program[entry_point] if entry_point in program else None
            if function is None:
                raise NameError(f"name {entry_point!r} is not defined")
            args, kwargs = _literal_args(args_text)
            returned = _text(_canon(function(*args, **kwargs)))
        elif mode == "test" and entry_point:
            check = program.get("check")
            if check is None:
                raise NameError("name 'check' is not defined")
            check(program[entry_point])
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
        _State.active = False
        _flush()
        dirty = _State.dirty
        try:
            _restore()
        except BaseException:
            dirty = True
    return (status, error_text, returned, error_type, dirty)


sys.addaudithook(_audit)
_fresh_stdio()
run
`;
