"""Personal data out of every rendering: Dutch examples as ASR writes them (each with a near miss that
must stay), the agent's own name, the sample calls rendered with nothing redacted left in any of them,
silence over the redacted stretches of embedded audio, speed, and the installed command."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from coach.conversation import Conversation, Utterance, Word
from coach.report import RenderOptions, write_outputs
from coach.report.html import render_html
from coach.report.index import index_html
from coach.report.redact import number_value, plan, redact
from coach.report.session import render_session
from coach.report.view import make_view
from conftest import COACH, ROOT

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"


# (text as ASR writes it, kind, words that must be gone) and the near miss that must stay as it is
@pytest.mark.parametrize("text,kind,gone,near_miss", [
    ("ja goedemiddag met peter jansen", "name", ["peter", "jansen"], "ja goedemiddag met de monteur"),
    ("ik heb gesproken met peter de vriest gisteren", "name", ["peter", "vriest"],  # misheard surname
     "ik heb gesproken met de monteur gisteren"),
    ("ja met mevrouw de jong", "name", ["jong"], "ja met de jongen van de buren"),
    ("Ja, goed emiddag, met Pieter de Vries.", "name", ["Pieter", "Vries"], "Ja, goedemiddag, met de storingsdienst."),
    ("ik woon op de kerkstraat drie en twintig b", "address", ["kerkstraat", "drie en twintig"],
     "ik woon al drie jaar in deze straat"),
    ("mijn adres is dorpsstraat 12", "address", ["dorpsstraat", "12"], "ik ben onderweg naar de winkel"),
    ("mijn geboortedatum is twaalf maart negentienzeventig", "date", ["twaalf maart", "negentienzeventig"],
     "ik bel u morgen terug"),
    ("ik ben geboren op 12-03-1970", "date", ["12-03-1970"], "ik ben al 12 jaar klant"),
    ("mijn klantnummer is 4827 9911", "id", ["4827", "9911"], "ik ben al twee jaar klant"),
    ("wat is uw bestel nummer is vier acht tweezeven negen", "id", ["vier acht tweezeven negen"],
     "het duurt vier of vijf dagen"),
    ("het polisnummer is ab 123456", "id", ["123456"], "de polis loopt nog een jaar"),
    ("het kenteken is ab 123 c", "plate", ["ab 123 c"], "de auto staat voor de deur"),
    ("kenteken 12-ABC-3 klopt dat", "plate", ["12-ABC-3"], "om 10 uur 5 minuten"),
    ("u kunt me bellen op nul zes twaalf vierendertig zesenvijftig achtenzeventig", "number",
     ["nul zes twaalf vierendertig"], "het rente is nul procent"),
    ("dat is drie vijf een twee j k", "number", ["drie vijf een twee"], "het duurt drie dagen"),
    ("bel me op 06-12345678", "phone", ["06-12345678"], "het kost vijfenveertig euro"),
    ("mijn bsn is 111222333", "bsn", ["111222333"], "het bedrag is 123.456.789 euro"),
    ("rekening NL91 ABNA 0417 1643 00", "iban", ["NL91", "0417"], "ik heb een rekening bij de bank"),
])
def test_each_kind_is_redacted_and_its_near_miss_stays(text, kind, gone, near_miss):
    out, counts = redact(text)
    assert kind in counts, (out, counts)
    for g in gone:
        assert g.lower() not in out.lower(), (g, out)
    assert redact(near_miss) == (near_miss, {})


def test_number_words():
    assert number_value("drieëntwintig") == 23 and number_value("negentienzeventig") == 1970
    assert number_value("vierhonderdtwaalf") == 412 and number_value("nul") == 0 and number_value("monteur") is None


def _conversation(lines: list[tuple[str, float, str]]) -> Conversation:
    utts = []
    for role, start, text in lines:
        words = [Word(w, start + 0.4 * k, start + 0.4 * k + 0.35) for k, w in enumerate(text.split())]
        utts.append(Utterance.from_words(role, words))
    return Conversation(utterances=tuple(utts), duration=utts[-1].end + 1, speaker_source="channels",
                        roles={}, turns=())


def test_agent_first_name_in_greeting_is_kept_only_when_asked():
    conv = _conversation([("agent", 0.5, "goedemiddag u spreekt met sanne van de klantenservice"),
                          ("customer", 4.0, "ja goedemiddag met pieter de vries"),
                          ("agent", 8.0, "dank u meneer de vries")])
    kept = plan(conv)
    assert kept.agent_name_kept and kept.text(0) == "goedemiddag u spreekt met sanne van de klantenservice"
    assert "pieter" not in kept.text(1) and "vries" not in kept.text(2)
    gone = plan(conv, keep_agent_name=False)
    assert "sanne" not in gone.text(0) and "[naam]" in gone.text(0)
    spans = gone.spans()  # from the word times
    assert {s["role"] for s in spans} == {"agent", "customer"}
    assert any(s["role"] == "customer" and 5.2 <= s["start"] and s["end"] <= 6.0 + 0.4 for s in spans)


def test_six_minutes_of_transcript_is_redacted_well_under_a_second():
    lines = ["ja goedemiddag met pieter de vries ik bel over mijn factuur",
             "mijn klantnummer is vier acht twee zeven negen en ik woon op de kerkstraat veertien",
             "dat begrijp ik ik ga het voor u uitzoeken en ik bel u morgen terug",
             "mijn nummer is nul zes twaalf vierendertig zesenvijftig achtenzeventig"]
    conv = _conversation([("agent" if k % 2 else "customer", 4.0 * k, lines[k % 4]) for k in range(90)])
    assert conv.utterances[-1].end > 355
    plan(_conversation([("agent", 0, "warm")]))  # loads deduce once per process (cached lookup lists)
    t = time.perf_counter()
    r = plan(conv)
    elapsed = time.perf_counter() - t
    print(f"redaction of a 6-minute transcript ({sum(len(u.words) for u in conv.utterances)} words): {elapsed:.3f} s")
    assert len(r.spans()) >= 90
    assert elapsed < 2.0  # measured 0.1-0.3 s here on a shared CPU; the issue asks well under a second


def _redacted_strings(report, redaction) -> list[str]:
    out = []
    for toks, ranges in zip(redaction.tokens, redaction.ranges):
        for first, last, _ in ranges:
            s = " ".join(toks[first:last + 1]).strip(".,;:!?")
            if len(re.sub(r"\W", "", s)) >= 4:
                out.append(s)
    return out


@pytest.mark.models
def test_sample_calls_render_without_any_redacted_string(sample_reports, tmp_path):
    found_kinds = set()
    for stem, report in sample_reports.items():
        view = make_view(report)
        strings = _redacted_strings(report, view.redaction)
        found_kinds |= {k for rs in view.redaction.ranges for _, _, k in rs}
        out = tmp_path / stem
        write_outputs(report, out, RenderOptions(redact_json=True))
        pages = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()
                 if p.name not in ("analysis.json", "call.rttm")}
        pages["session.html"] = render_session([report], tmp_path / "session.html")
        pages["index.html"] = index_html({"totals": {"files": 1, "done": 1, "failed": 0, "skipped": 0, "pending": 0,
                                                    "audio_hours": 0.0, "done_this_run": 1, "wall_s": 1.0,
                                                    "calls_per_hour": 1.0, "audio_hours_per_hour": 1.0},
                                          "calls": [{"call_id": stem, "status": "done", "error": None, "duration_s": 1,
                                                     "path": f"in/{stem}.flac", "report": f"{stem}/report.html"}],
                                          "in_dir": "in", "out_dir": "out", "generated": "", "settings_hash": ""})
        for name, page in pages.items():
            low = page.lower()
            for s in strings:
                assert s.lower() not in low, (stem, name, s)
        data = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
        assert data["privacy"]["redacted_in_renderings"] is True and data["versions"]["deduce"] == "3.0.6"
        assert len(data["privacy"]["spans"]) == sum(len(r) for r in view.redaction.ranges)
        assert all(s["end"] >= s["start"] for s in data["privacy"]["spans"])
        assert '<audio id="audio"' not in pages["report.html"]  # the recording is not linked by default
    stereo = make_view(sample_reports["support_call_stereo"]).redaction
    assert "Pieter" in " ".join(_redacted_strings(None, stereo))  # "met Pieter de Vries"
    assert {"name", "id"} <= found_kinds


@pytest.mark.models
def test_embedded_audio_is_silent_over_the_redacted_spans(stereo_report, tmp_path):
    import av

    view = make_view(stereo_report)
    spans = view.redaction.spans()
    assert spans
    page = render_html(view, tmp_path, embed_audio=True)
    data = base64.b64decode(re.search(r'src="data:audio/ogg;base64,([^"]+)"', page).group(1))
    with av.open(io.BytesIO(data)) as f:
        frames = [fr.to_ndarray() for fr in f.decode(audio=0)]
        sr = f.streams.audio[0].rate
    pcm = np.concatenate(frames, axis=1)
    mask = np.zeros(pcm.shape[1], bool)
    for s in spans:
        a, b = int((s["start"] + 0.03) * sr), int((s["end"] - 0.03) * sr)
        if b > a:
            assert np.sqrt(np.mean(pcm[:, a:b] ** 2)) < 1e-3, s
        mask[max(0, int((s["start"] - 0.3) * sr)):int((s["end"] + 0.3) * sr)] = True
    assert np.sqrt(np.mean(pcm[:, ~mask] ** 2)) > 1e-2  # the rest of the call is still heard


def test_installed_coach_report_with_the_redaction_flags(tmp_path):
    data = json.loads((GOLDEN / "report_fixture.json").read_text(encoding="utf-8"))
    data["call"]["source"] = str(ROOT / data["call"]["source"])
    (tmp_path / "analysis.json").write_text(json.dumps(data), encoding="utf-8")
    run = subprocess.run([str(COACH), "report", str(tmp_path), "--redact-json", "--no-keep-agent-name",
                          "--report-language", "en"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "" and "DEBUG" not in run.stdout  # no library log lines on the terminal
    shared = (tmp_path / "analysis.redacted.json").read_text(encoding="utf-8")
    for secret in ("06-12345678", "jan@example.nl", "3512 JK"):
        assert secret not in shared and secret not in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "06-12345678" in (tmp_path / "analysis.json").read_text(encoding="utf-8")  # the contract keeps the words
    assert "lotten" not in (tmp_path / "call.vtt").read_text(encoding="utf-8")  # the agent's name, not kept
    assert 'id="audio"' not in (tmp_path / "report.html").read_text(encoding="utf-8")
    run = subprocess.run([str(COACH), "report", str(tmp_path), "--link-original"], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0 and 'id="audio"' in (tmp_path / "report.html").read_text(encoding="utf-8")
