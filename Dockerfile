# syntax=docker/dockerfile:1
# connectd: a static binary on distroless, running as non-root.
#
#   docker build -t connectd:local .
#   docker run --rm -e CONNECT_BOOTSTRAP_SERVERS=... -e CONNECT_GROUP_ID=... connectd:local
#
# Configure the worker with CONNECT_* variables (Confluent image naming) or mount a properties file and run
# `worker /path/connect-distributed.properties`.

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so source edits do not invalidate the module download layer.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
# COMMIT (e.g. --build-arg COMMIT=$(git rev-parse HEAD)) is what GET / reports; "unknown" when not given.
ARG COMMIT=
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/connectd ./cmd/connectd
# The spool directory (spool.dir in docker-compose.yml), owned by nonroot: a named volume mounted on it starts with
# its ownership, so the worker can write there.
RUN mkdir -p /out/spool

# distroless/static: CA certificates and tzdata, no shell; "nonroot" is uid/gid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/connectd /connectd
COPY --from=build --chown=nonroot:nonroot /out/spool /var/lib/connectd/spool
USER nonroot:nonroot
EXPOSE 8083
# No curl in the image: the binary checks its own GET /health. Override --url when rest.port is not 8083.
HEALTHCHECK --interval=10s --timeout=6s --start-period=30s --retries=6 CMD ["/connectd", "health"]
ENTRYPOINT ["/connectd"]
CMD ["worker"]
