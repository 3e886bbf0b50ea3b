"""Synthesise the bundled Dutch support calls, with exact ground truth.

Each call is a script of utterances spoken by two clearly different Dutch MBROLA voices
(espeak-ng ``mb-nl2``, male, and ``mb-nl3``, female). Utterances are placed on a timeline:
normally after the previous turn, but back-channels fall in the pauses of the other party's
turn and interruptions start before the other party has finished. The ground truth JSON next to
each call gives every utterance's role, start, end (seconds, trimmed to the audible speech),
text and type (``speech``, ``backchannel`` or ``interruption``).

Stereo calls put the agent on the left channel and the customer on the right, with a quiet
delayed copy of each party on the other channel (line echo / crosstalk, 30-40 dB down), as real
stereo recordings have. Mono calls are the sum of both parties.

Needs espeak-ng, mbrola and the mbrola-nl2/nl3 voices (Debian: ``apt-get install espeak-ng
mbrola mbrola-nl2 mbrola-nl3``, with contrib/non-free enabled). The generated audio is committed,
so tests never need the synthesiser. Regenerate with::

    .venv/bin/python -m coach.samples.make_samples
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16000
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Line:
    """One scripted utterance.

    ``gap`` is the time in seconds from the end of the last main (non-back-channel) utterance
    to this one's start; negative means it starts before that utterance ends (an interruption).
    Back-channels do not move the cursor, so the other party's next sentence is placed as if the
    back-channel were not there, and may overlap it.
    """

    role: str
    text: str
    type: str = "speech"
    gap: float = 0.45
    cut_prev: float | None = None  # interruptions: the interrupted line stops this long after it starts


def bc(role: str, text: str, gap: float = 0.1) -> Line:
    return Line(role, text, "backchannel", gap)


def interrupt(role: str, text: str, gap: float = -1.3, cut_prev: float | None = None) -> Line:
    return Line(role, text, "interruption", gap, cut_prev)


A, C = "agent", "customer"

CALLS = {
    "support_call_stereo": {
        "expected": {"summary_before_solution": True},
        "channels": 2,
        "voices": {A: "mb-nl3", C: "mb-nl2"},
        "script": [
            Line(A, "Goedemiddag, u spreekt met Sanne van de klantenservice. Waarmee kan ik u helpen?"),
            Line(C, "Ja, goedemiddag, met Pieter de Vries. Ik bel omdat mijn internet al drie dagen niet werkt."),
            bc(A, "hm hm"),
            Line(C, "Ik heb het modem al twee keer opnieuw opgestart, maar het lampje blijft rood knipperen.", gap=0.7),
            bc(A, "ja"),
            Line(C, "En ik werk thuis, dus ik kan nu eigenlijk helemaal niets doen.", gap=0.7),
            Line(A, "Wat vervelend voor u. Mag ik uw postcode en huisnummer?"),
            Line(C, "Dat is drie vijf een twee, nummer veertien."),
            Line(A, "Dank u wel. Ik zie dat er in uw wijk een storing is geweest."),
            Line(C, "Ja, maar dat zeiden ze gisteren ook al, en toen werd ik niet teruggebeld, terwijl dat wel beloofd was."),
            interrupt(A, "Ja, dat begrijp ik, maar de monteur is vandaag in uw straat bezig."),
            Line(C, "En wanneer is het dan opgelost?"),
            Line(A, "Als ik het goed begrijp werkt uw internet al drie dagen niet, en bent u niet teruggebeld. Klopt dat?"),
            Line(C, "Ja, dat klopt."),
            Line(A, "Ik ga een melding maken met voorrang."),
            bc(C, "oké"),
            Line(A, "En ik stuur u vanmiddag een sms zodra de storing is verholpen.", gap=0.6),
            Line(C, "Fijn, dank u wel."),
            Line(A, "Is er verder nog iets waarmee ik u kan helpen?"),
            Line(C, "Nee, dat was het. Een fijne dag nog."),
            Line(A, "Graag gedaan, u ook een fijne dag."),
        ],
    },
    "support_call_mono": {
        "expected": {"summary_before_solution": True},
        "channels": 1,
        "voices": {A: "mb-nl2", C: "mb-nl3"},
        "script": [
            Line(A, "Goedemorgen, u spreekt met Daan van de webwinkel. Waarmee kan ik u helpen?"),
            Line(C, "Goedemorgen. Ik heb vorige week een wasmachine besteld, en die is nog steeds niet geleverd."),
            bc(A, "ik hoor het"),
            Line(C, "Op de website staat dat hij al bezorgd is, maar er is niemand bij mij aan de deur geweest.", gap=0.9),
            bc(A, "precies"),
            Line(C, "Ik ben de hele dag thuis gebleven, en ik heb ook geen briefje gekregen.", gap=0.8),
            Line(A, "Dat is vervelend. Wat is uw bestelnummer?"),
            Line(C, "Het bestelnummer is vier acht twee zeven negen."),
            Line(A, "Ik zie hier dat de bezorger heeft aangegeven dat er niemand thuis was."),
            interrupt(C, "Maar dat klopt gewoon niet, ik was de hele dag thuis!", gap=-1.2),
            Line(A, "Dus u zegt dat u thuis was, en dat de wasmachine nooit is aangeboden. Klopt dat?"),
            Line(C, "Ja, precies."),
            Line(A, "Wat ik kan doen is een nieuwe bezorging inplannen voor morgen."),
            bc(C, "ja"),
            Line(A, "En ik stuur u een bevestiging per e-mail met het tijdvak.", gap=0.6),
            Line(C, "Goed, dat is prima."),
            Line(A, "Is er nog iets anders waarmee ik u kan helpen?"),
            Line(C, "Nee, dank u wel."),
            Line(A, "Graag gedaan, een fijne dag."),
        ],
    },
    # An agent who interrupts three times (twice taking the floor, once talking over the customer
    # who goes on) and offers a solution without ever summarising the problem.
    "call_agent_interrupts": {
        "expected": {"summary_before_solution": False},
        "channels": 2,
        "voices": {A: "mb-nl2", C: "mb-nl3"},
        "script": [
            Line(A, "Goedemiddag, met Bram van de klantenservice. Waarmee kan ik u helpen?"),
            Line(C, "Hallo, ik heb een vraag over mijn laatste factuur, want er staat een bedrag op dat ik niet herken, en ik heb hier al eerder over gebeld."),
            interrupt(A, "Welk bedrag bedoelt u precies?", gap=-2.6, cut_prev=1.0),
            Line(C, "Het gaat om vijfenveertig euro voor een extra pakket dat ik nooit heb aangevraagd."),
            Line(C, "Ik heb daar ook al een mail over gestuurd, maar ik heb nooit antwoord gekregen, en nu wordt het gewoon weer afgeschreven.", gap=0.6),
            interrupt(A, "Ja, dat pakket wordt automatisch geactiveerd.", gap=-2.4, cut_prev=0.9),
            Line(C, "Maar dat heb ik nooit gewild."),
            Line(A, "Dat staat in de voorwaarden."),
            Line(C, "Dat kan wel zijn, maar ik wil dat geld gewoon terug, want ik heb er nooit om gevraagd en ik vind dit echt niet kunnen."),
            interrupt(A, "Ik ga het pakket nu voor u stopzetten, en ik stort het bedrag terug.", gap=-2.6),
            Line(C, "Oké, dat is fijn, dank u wel."),
            Line(A, "Is er verder nog iets?"),
            Line(C, "Nee, dat was het."),
            Line(A, "Fijne dag nog."),
        ],
    },
    # A customer who interrupts twice (once taking the floor, once giving up), an agent who
    # listens with back-channels, summarises, gets confirmation and then acts.
    "call_customer_interrupts": {
        "expected": {"summary_before_solution": True},
        "channels": 2,
        "voices": {A: "mb-nl3", C: "mb-nl2"},
        "script": [
            Line(A, "Goedemorgen, u spreekt met Lotte van de energieleverancier. Waarmee kan ik u helpen?"),
            Line(C, "Goedemorgen. Mijn voorschot is ineens verdubbeld, en ik begrijp niet waarom."),
            bc(A, "hm hm"),
            Line(C, "Ik heb niets aan mijn contract veranderd, en mijn verbruik is ook niet gestegen.", gap=0.7),
            bc(A, "ik begrijp het"),
            Line(C, "Ik wil graag weten hoe dat kan.", gap=0.9),
            Line(A, "Het voorschot wordt elk jaar opnieuw berekend, op basis van de tarieven en uw verbruik van vorig jaar."),
            interrupt(C, "Maar de tarieven zijn toch juist gedaald?", gap=-2.2, cut_prev=0.9),
            Line(A, "Dat klopt voor de stroom, maar de gasprijs is vorig jaar flink gestegen, en daardoor gaat ook uw voorschot omhoog."),
            interrupt(C, "Maar ik bedoel eigenlijk dat", gap=-3.6),
            Line(A, "Als ik het goed begrijp, is uw voorschot verdubbeld terwijl uw verbruik gelijk is gebleven. Klopt dat?"),
            Line(C, "Ja, precies."),
            Line(A, "Ik ga uw voorschot opnieuw laten berekenen met uw meterstanden van deze maand."),
            bc(C, "oké"),
            Line(A, "U krijgt binnen drie dagen een e-mail met het nieuwe bedrag.", gap=0.6),
            Line(C, "Heel fijn, dank u wel."),
            Line(A, "Graag gedaan. Is er nog iets anders?"),
            Line(C, "Nee hoor, dat was alles."),
        ],
    },
    # A mono call in which the agent summarises but offers no solution at all.
    "call_no_solution": {
        "expected": {"summary_before_solution": None},
        "channels": 1,
        "voices": {A: "mb-nl2", C: "mb-nl3"},
        "script": [
            Line(A, "Goedemiddag, u spreekt met Tim van de klantenservice. Waarmee kan ik u helpen?"),
            Line(C, "Ik wil graag mijn abonnement opzeggen, maar op de website lukt dat niet."),
            bc(A, "ja"),
            Line(C, "Ik krijg steeds een foutmelding als ik op opzeggen klik.", gap=0.8),
            Line(A, "Dus u wilt uw abonnement opzeggen, en de website geeft een foutmelding. Klopt dat?"),
            Line(C, "Ja, dat klopt."),
            Line(A, "Opzeggen kan helaas alleen schriftelijk. Dat is nu eenmaal de regel."),
            Line(C, "Dat vind ik wel erg omslachtig."),
            Line(A, "Daar kan ik helaas niets aan doen."),
            Line(C, "Nou, dan weet ik het. Dag."),
            Line(A, "Tot ziens."),
        ],
    },
}


def synthesize(text: str, voice: str) -> np.ndarray:
    """Speak ``text`` with espeak-ng and return float32 samples at 16 kHz, edges trimmed."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "u.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", str(wav), text], check=True)
        audio, sr = sf.read(wav, dtype="float32")
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    if sr != SR:
        raise SystemExit(f"{voice}: expected {SR} Hz from espeak-ng, got {sr}")
    # Trim to the audible speech so that ground-truth start/end are exact.
    loud = np.flatnonzero(np.abs(audio) > 0.01 * np.abs(audio).max())
    audio = audio[loud[0] : loud[-1] + 1]
    return audio / np.abs(audio).max() * 0.5


def render(name: str, spec: dict, out_dir: Path, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    placed = []  # [line, start_sample, audio]
    cursor = 0.6  # seconds of lead-in before the first word
    for line in spec["script"]:
        audio = synthesize(line.text, spec["voices"][line.role])
        start = max(0.0, cursor + line.gap) if placed else cursor
        if line.cut_prev is not None:
            # the interrupted party stops talking shortly after being interrupted
            prev = next(p for p in reversed(placed) if p[0].role != line.role and p[0].type != "backchannel")
            keep = int(round((start + line.cut_prev) * SR)) - prev[1]
            fade = np.linspace(1.0, 0.0, int(0.06 * SR), dtype=np.float32)
            prev[2] = prev[2][:keep].copy()
            prev[2][-len(fade):] *= fade
            prev[0] = Line(prev[0].role, prev[0].text, prev[0].type, prev[0].gap)
            prev.append("cut")
        placed.append([line, int(round(start * SR)), audio])
        if line.type != "backchannel":
            cursor = max(cursor, start + len(audio) / SR)
    total = max(p[1] + len(p[2]) for p in placed) + int(0.8 * SR)

    tracks = {A: np.zeros(total, np.float32), C: np.zeros(total, np.float32)}
    truth = []
    for line, s, audio, *cut in placed:
        tracks[line.role][s : s + len(audio)] += audio
        truth.append({"role": line.role, "start": round(s / SR, 3), "end": round((s + len(audio)) / SR, 3),
                      "text": line.text, "type": line.type} | ({"cut_off": True} if cut else {}))

    noise = lambda: rng.normal(0, 10 ** (-62 / 20), total).astype(np.float32)  # noqa: E731
    if spec["channels"] == 2:
        # Line echo / crosstalk: each party leaks onto the other channel, delayed and 30-40 dB down.
        def leak(x: np.ndarray, delay_s: float, db: float) -> np.ndarray:
            d = int(delay_s * SR)
            return np.concatenate([np.zeros(d, np.float32), x[: total - d]]) * 10 ** (db / 20)

        left = tracks[A] + leak(tracks[C], 0.030, -34.0) + noise()
        right = 0.8 * tracks[C] + leak(tracks[A], 0.045, -38.0) + noise()
        data = np.stack([left, right], axis=1)
    else:
        data = tracks[A] + 0.9 * tracks[C] + noise()
    data = np.clip(data, -1.0, 1.0)

    out_dir.mkdir(parents=True, exist_ok=True)
    sf.write(out_dir / f"{name}.flac", data, SR, subtype="PCM_16")
    meta = {
        "audio": f"{name}.flac",
        "channels": spec["channels"],
        "agent_channel": "left" if spec["channels"] == 2 else None,
        "voices": spec["voices"],
        "duration_s": round(total / SR, 3),
        "expected": spec.get("expected", {}),
        "generated_by": "audio_samples/make_samples.py (espeak-ng + MBROLA Dutch voices)",
        "utterances": sorted(truth, key=lambda u: u["start"]),
    }
    (out_dir / f"{name}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{name}: {total / SR:.1f} s, {len(truth)} utterances -> {out_dir / (name + '.flac')}")


def main(argv: list[str]) -> None:
    """``make_samples.py [OUT_DIR] [NAME...]``: all calls, or the named ones, into OUT_DIR."""
    out_dir = Path(argv[1]) if len(argv) > 1 else HERE
    names = argv[2:] or list(CALLS)
    for name in names:
        render(name, CALLS[name], out_dir)


if __name__ == "__main__":
    main(sys.argv)
