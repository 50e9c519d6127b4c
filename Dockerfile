# Multi-stage build: compile with the full toolchain, run on a slim image with
# only the PostgreSQL client library. SQLite is compiled in (bundled).
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
COPY fonts ./fonts
COPY examples ./examples
RUN cargo build --release --locked --bin council-feedback

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/council-feedback --create-home council-feedback
COPY --from=build /src/target/release/council-feedback /usr/local/bin/council-feedback
USER council-feedback
WORKDIR /var/lib/council-feedback
ENV BIND_ADDRESS=0.0.0.0:8080 \
    DATA_DIR=/var/lib/council-feedback/data \
    RUST_LOG=info
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD curl -fs http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["council-feedback"]
CMD ["serve"]
