# The itp image: the server and the stage workers (`itp serve`, `itp worker`), one image.
# CPU by default; for the GPU workers build with
#   --build-arg EXTRAS=redis,gpu --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128
# (docker-compose.yml does this for its gpu-worker service).
FROM python:3.11-slim

ARG EXTRAS=redis
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

# CJK-capable fonts for lettering; libgomp for ONNX Runtime's thread pool.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk fonts-dejavu-core fontconfig \
       libgomp1 \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 itp
WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend backend
COPY workers workers
# The torch index first, so the pinned torch comes in the wanted build (CPU or CUDA), not
# whatever PyPI's default wheel pulls in.
RUN pip install --no-cache-dir --extra-index-url "${TORCH_INDEX}" ".[${EXTRAS}]"

# Models (LaMa weights, per-language OCR models) and caches survive container rebuilds here.
ENV ITP_CACHE_DIR=/models PYTHONUNBUFFERED=1
RUN mkdir /models && chown itp /models
VOLUME /models
USER itp
ENTRYPOINT ["itp"]
CMD ["--help"]
