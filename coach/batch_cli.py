"""The ``coach batch`` command (registered on the main app by ``register``). Thin: parses, calls
``coach.batch.run_batch``, prints. Exit codes: 0 all done, 1 some calls failed, 2 the job could not run."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from .errors import CoachError

out = Console()
err = Console(stderr=True)


class AgentChannel(str, Enum):
    left = "left"
    right = "right"
    auto = "auto"


class ReportLanguage(str, Enum):
    nl = "nl"
    en = "en"


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def batch(
    in_dir: Path = typer.Argument(..., help="Directory searched (recursively) for recorded calls."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Directory for the reports, the state and index.html."),
    workers: int = typer.Option(1, "--workers", "-w", min=1,
                                help="Local worker processes (each loads the models once; cores are shared out)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help="Run on a Dask cluster: tcp://HOST:PORT (then --workers is unused)."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Analyse files that failed in earlier runs again."),
    timeout: float = typer.Option(1800.0, "--timeout", min=1.0, help="Time limit per call, seconds."),
    agent_channel: AgentChannel = typer.Option(None, "--agent-channel", case_sensitive=False,
                                               help="Stereo: which channel is the agent (default: left)."),
    speakers: Optional[int] = typer.Option(None, "--speakers", min=1, max=10,
                                           help="Mono: number of speakers to find (default: 2)."),
    model: Optional[str] = typer.Option(None, "--model",
                                        help="ASR model: 'base' (default), a directory, or a hub name."),
    allow_download: bool = typer.Option(False, "--allow-download", help="Allow fetching a hub model named by --model."),
    language: Optional[str] = typer.Option(None, "--language", help="Spoken language code (default: nl)."),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML file with stage options (see coach/config.py)."),
    report_language: ReportLanguage = typer.Option(ReportLanguage.nl, "--report-language",
                                                   help="Language of report.html / report.md."),
    no_redact: bool = typer.Option(False, "--no-redact", help="Keep personal data in the rendered reports."),
    embed_audio: bool = typer.Option(False, "--embed-audio", help="Put the audio into report.html (Opus)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """The nightly job: analyse every call under IN_DIR into OUT_DIR/<call>/, resumably, and write OUT_DIR/index.html.

    Re-running skips calls done with the same audio and settings. Exit code 0 when all are done, 1 when some failed, 2 when the job could not run.
    """
    from .batch import run_batch
    from .config import AnalyzeOptions
    from .models import resolve_asr_model
    from .report import RenderOptions

    progress = Progress(TextColumn("{task.description}"), BarColumn(bar_width=30), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=err, disable=quiet)
    task = None

    def on_event(event: str, call_id: str, finished: int, total: int) -> None:
        nonlocal task
        if task is None:
            task = progress.add_task("", total=total)
        progress.update(task, completed=finished,
                        description=escape(f"{call_id}: analysing" if event == "start" else f"{call_id}: {event}"))

    try:
        options = AnalyzeOptions.from_toml(config) if config else AnalyzeOptions()
        options = options.with_overrides(
            roles={"agent_channel": agent_channel.value if agent_channel else None},
            diarization={"num_speakers": speakers},
            asr={"model": model, "language": language, "allow_download": allow_download or None})
        resolve_asr_model(options.asr.model, options.asr.allow_download)  # a bad --model fails once, up front
        with progress:
            result = run_batch(in_dir, out_dir, options, workers=workers, scheduler=scheduler,
                               retry_failed=retry_failed, timeout_s=timeout, on_event=on_event,
                               render=RenderOptions(report_language.value, not no_redact, embed_audio))
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


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command to ``app``."""
    app.command("batch")(batch)
