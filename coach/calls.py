"""From input files to published report folders: the one path under ``coach analyze`` and ``coach batch``.

* **Call ids** (``CallIds``): a call's folder is ``OUT_DIR/<call id>``; the id is the file's stem,
  made file-system safe. When two inputs share a stem, both get ``-<sha256[:8]>`` (which one came
  first does not matter); when ``OUT_DIR/<stem>`` already holds the report of another recording
  (another source path and other audio), the new one gets the suffix. A path keeps the id it was
  given before (the batch state remembers it).
* **Publishing** (``publish``): every file of a call is written into ``OUT_DIR/.tmp-<id>-*`` and the
  folder is renamed into place, replacing an older report; a reader sees a call's folder whole or
  not at all, and a killed run leaves only ``.tmp-*`` leftovers (``clean_partial`` removes them).
* **One call** (``analyze_call``): analyse and publish; never raises: a ``CallResult`` says what
  happened, in the same one-line wording everywhere.
* **Several calls in this process** (``analyze_many``): what ``coach analyze`` runs.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import time
import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .config import AnalyzeOptions
from .errors import CoachError
from .report import RenderOptions, read_stamp
from .report.model import CallReport

TMP_PREFIX, OLD_PREFIX = ".tmp-", ".old-"
StageHook = Callable[[str, str, float], None]  # (stage, "start" | "done", seconds)


def safe_call_id(path: str | Path) -> str:
    """A file-system-safe id from the file's stem."""
    stem = Path(path).stem or "call"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "call"


class CallIds:
    """The call-id rule (see the module text), for one run over ``OUT_DIR``.

    ``owners``: ids already given out, id -> source path (the batch state); ids of earlier
    ``coach analyze`` runs are read from ``OUT_DIR/<id>/analysis.json`` when needed.
    """

    def __init__(self, out_dir: str | Path, owners: dict[str, str] | None = None):
        self.out_dir = Path(out_dir)
        self.owners = dict(owners or {})

    def assign(self, files: Sequence[tuple[str, str]]) -> list[str]:
        """Ids for ``(path, sha256)`` pairs, in order; remembers them as taken."""
        stems = Counter(safe_call_id(p) for p, _ in files)
        by_path = {p: i for i, p in self.owners.items()}
        ids = []
        for path, sha in files:
            if path in by_path:  # given before: a path keeps its id
                ids.append(by_path[path])
                continue
            base = safe_call_id(path)
            call_id = f"{base}-{sha[:8]}" if stems[base] > 1 or self._taken(base, path, sha) else base
            self.owners[call_id] = path
            by_path[path] = call_id
            ids.append(call_id)
        return ids

    def _taken(self, call_id: str, path: str, sha: str) -> bool:
        owner = self.owners.get(call_id)
        if owner is not None:
            return owner != path
        stamp = read_stamp(self.out_dir / call_id)
        if stamp is None:
            return False
        same_source = bool(stamp.source) and _same_file(stamp.source, path)
        return not same_source and stamp.sha256 != sha


def _same_file(a: str, b: str) -> bool:
    with suppress(OSError):
        return os.path.samefile(a, b)
    return os.path.abspath(a) == os.path.abspath(b)


def publish(report: CallReport, out_dir: str | Path, render: RenderOptions = RenderOptions()) -> Path:
    """Write every file of ``report`` into ``OUT_DIR/.tmp-<id>-*``, then rename it to ``OUT_DIR/<id>``."""
    from .report import write_outputs

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # the pid in the name: clean_partial leaves the folders of a run that is still writing alone
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{report.call.id}-{os.getpid()}-", dir=out_dir))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; a report folder is an ordinary folder
        write_outputs(report, tmp, render)
        final = out_dir / report.call.id
        _rename_into_place(tmp, final)
        return final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone already unless something failed


def _rename_into_place(tmp: Path, final: Path) -> None:
    """Rename ``tmp`` to ``final``; an older folder there is moved aside and removed."""
    for _ in range(5):
        try:
            os.rename(tmp, final)
            return
        except OSError as e:
            if e.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        aside = final.with_name(f"{OLD_PREFIX}{final.name}-{uuid.uuid4().hex[:8]}")
        with suppress(FileNotFoundError):
            os.rename(final, aside)
        shutil.rmtree(aside, ignore_errors=True)
    raise OSError(f"could not move the report into {final}")


def clean_partial(out_dir: str | Path) -> None:
    """Remove what a killed run left half-written in ``out_dir``: ``.tmp-*`` and ``.old-*`` folders,
    but not the ``.tmp-*`` folder of a run on this machine that is still writing it (a concurrent
    ``coach analyze``)."""
    with suppress(FileNotFoundError):
        for p in Path(out_dir).iterdir():
            if p.is_dir() and p.name.startswith(TMP_PREFIX) and _writer_alive(p.name):
                continue
            if p.is_dir() and p.name.startswith((TMP_PREFIX, OLD_PREFIX)):
                shutil.rmtree(p, ignore_errors=True)


def _writer_alive(name: str) -> bool:
    """Whether the process whose pid is in a ``.tmp-<id>-<pid>-XXXX`` name is running (and is not us)."""
    m = re.search(r"-(\d+)-[^-]+$", name)
    if not m or int(m.group(1)) == os.getpid():
        return False
    try:
        os.kill(int(m.group(1)), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class CallResult:
    """How one call went. ``error`` is the one-line reason (without the file name) when it failed."""

    path: str
    call_id: str
    error: str | None = None
    duration_s: float | None = None
    elapsed_s: float | None = None
    timings: dict | None = None
    folder: str | None = None
    report: CallReport | None = field(default=None, compare=False, repr=False)

    output_fault: bool = False  # the report could not be written (disk full, OUT_DIR unwritable): not the call's fault

    @property
    def ok(self) -> bool:
        return self.error is None

    def without_report(self) -> "CallResult":
        """The same result without the report itself (what a worker sends back)."""
        return CallResult(self.path, self.call_id, self.error, self.duration_s, self.elapsed_s, self.timings,
                          self.folder, output_fault=self.output_fault)


def failure_reason(exc: BaseException) -> str:
    """The one line a user reads for a failed call (``--debug`` shows the traceback)."""
    if isinstance(exc, CoachError):
        return exc.reason
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"unexpected failure ({type(exc).__name__}: {first})"


def output_reason(e: OSError, out_dir: str | Path) -> str:
    """The one line for a report that could not be written: "cannot write the report into OUT (reason)"."""
    why = {errno.ENOSPC: "no space left on the device", errno.EROFS: "the file system is read-only",
           errno.EACCES: "permission denied", errno.EPERM: "permission denied",
           errno.EDQUOT: "disk quota exceeded"}.get(e.errno, e.strerror or str(e))
    return f"cannot write the report into {out_dir} ({why})"


def analyze_call(path: str | Path, call_id: str, out_dir: str | Path, options: AnalyzeOptions,
                 render: RenderOptions = RenderOptions(), hook: StageHook | None = None,
                 on_error: Callable[[BaseException], None] | None = None) -> CallResult:
    """Analyse one call and publish its folder ``OUT_DIR/<call_id>``. Never raises (but KeyboardInterrupt)."""
    from .pipeline import analyze_file

    t = time.perf_counter()
    try:
        report = analyze_file(path, options, call_id=call_id, hook=hook)
    except Exception as e:  # noqa: BLE001 - one call must not stop the others
        if on_error:
            on_error(e)
        return CallResult(str(path), call_id, error=failure_reason(e))
    try:
        folder = publish(report, out_dir, render)
    except OSError as e:  # the machine's fault, not the call's: nothing of it is left in OUT_DIR
        if on_error:
            on_error(e)
        return CallResult(str(path), call_id, error=output_reason(e, out_dir), output_fault=True)
    return CallResult(str(path), call_id, None, report.call.duration_s, round(time.perf_counter() - t, 3),
                      dict(report.timings), str(folder), report)


def analyze_many(paths: Iterable[str | Path], out_dir: str | Path, options: AnalyzeOptions | None = None,
                 render: RenderOptions = RenderOptions(),
                 on_start: Callable[[str, str], StageHook | None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None) -> list[CallResult]:
    """Analyse ``paths`` one after another in this process into ``OUT_DIR/<call id>/``.

    A bad file gives a failed ``CallResult`` and the others still run. ``on_start(path, call_id)``
    may return a stage hook for a progress display.
    """
    from .audio import file_sha256

    options = options or AnalyzeOptions()
    paths = [str(p) for p in paths]
    shas = []
    for p in paths:
        try:
            shas.append(file_sha256(p))
        except OSError:
            shas.append("")  # missing or unreadable: decoding says why, in the usual words
    ids = CallIds(out_dir).assign(list(zip(paths, shas)))
    results = []
    for path, call_id in zip(paths, ids):
        hook = on_start(path, call_id) if on_start else None
        results.append(analyze_call(path, call_id, out_dir, options, render, hook, on_error))
    return results
