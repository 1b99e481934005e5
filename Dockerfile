# Build: docker build -t onpace .
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libssl-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY migrations migrations
# Declared in Cargo.toml (the benchmark's minimal endpoint, not built here): cargo wants it present.
COPY examples examples
RUN cargo build --release --bin onpace

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libssl3 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 onpace
COPY --from=build /src/target/release/onpace /usr/local/bin/onpace
USER onpace
ENV ONPACE_LISTEN=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["onpace"]
CMD ["serve"]
