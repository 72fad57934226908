# podfit image: `docker build -t podfit:0.1.0 .` from the checkout (see docs/deploy.md).

# Build stage: the same Debian packages the developer set-up installs (scripts/setup.sh).
FROM debian:12 AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY scripts/setup.sh /tmp/setup.sh
RUN /tmp/setup.sh && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release \
        -DPODFIT_BUILD_TESTS=OFF -DPODFIT_BUILD_BENCH=OFF \
    && cmake --build /build -j"$(nproc)" --target podfit \
    && strip /build/podfit

# Runtime stage: only the shared libraries `ldd podfit` lists (libstdc++ and libc come
# with the base image) and the CA bundle
# for HTTPS to the API server and Prometheus.
FROM debian:12-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        ca-certificates libcurl4 libyaml-cpp0.7 libsqlite3-0 libsimdjson14 zlib1g \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/podfit /usr/local/bin/podfit
# The same numeric user the Kubernetes manifests run as (deploy/cronjob.yaml).
RUN groupadd --gid 65532 podfit && useradd --uid 65532 --gid 65532 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin podfit
USER 65532:65532
ENTRYPOINT ["podfit"]
CMD ["--help"]
