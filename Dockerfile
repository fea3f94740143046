# The image of one etlwatch example program, chosen with the PROGRAM build argument:
#
#   docker build --build-arg PROGRAM=simulator -t etlwatch-simulator:dev .
#
# PROGRAM is one of: simulator, logexporter, cdc, bulkload, quickstart (the directories of
# examples/; a test in deploy/compose keeps this list and the case below in step with them).
# The build stage compiles a static binary (CGO_ENABLED=0: the SQLite driver is pure Go); the final
# image is FROM scratch: the binary, CA certificates for HTTPS sinks, and two directories owned by
# the non-root user it runs as. It has no shell, curl or wget: the health check is the program's
# own -healthcheck mode (deploy/compose/compose.yaml).
# The cache mounts of RUN --mount need BuildKit (Docker's builder since 23.0) or podman/buildah.

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
ARG PROGRAM=simulator
WORKDIR /src
# Modules first, so that a change of source code does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN case "${PROGRAM}" in \
      simulator|logexporter|cdc|bulkload|quickstart) ;; \
      *) echo "PROGRAM=${PROGRAM}: allowed: simulator, logexporter, cdc, bulkload, quickstart" >&2; exit 1 ;; \
    esac
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags='-s -w' -tags timetzdata \
      -o /out/usr/local/bin/etlwatch "./examples/${PROGRAM}"
# The rest of the final image's tree: CA certificates for HTTPS sinks, the user database, /tmp.
# /data holds the two writable directories, copied with their owner in the final stage.
RUN mkdir -p /out/etc/ssl/certs /out/var/lib /out/var/log /out/tmp /data/lib /data/log \
 && chmod 1777 /out/tmp \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/var/lib/etlwatch:/sbin/nologin\n' > /out/etc/passwd \
 && printf 'root:x:0:\nnonroot:x:65532:\n' > /out/etc/group

FROM scratch
ARG PROGRAM=simulator
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="etlwatch-${PROGRAM}" \
      org.opencontainers.image.description="etlwatch example program ${PROGRAM} (examples/${PROGRAM})" \
      org.opencontainers.image.source="https://github.com/etlwatch/etlwatch" \
      org.opencontainers.image.url="https://github.com/etlwatch/etlwatch" \
      org.opencontainers.image.documentation="https://github.com/etlwatch/etlwatch#containers" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.vendor="etlwatch"
COPY --from=build /out/ /
# The writable directories, owned by the non-root user: a named volume mounted on one of them
# starts with this owner, so the program can write its log, warehouse or data there. These COPYs
# create the directories (their parents exist), so --chown applies to the directories themselves.
COPY --from=build --chown=65532:65532 /data/lib/ /var/lib/etlwatch/
COPY --from=build --chown=65532:65532 /data/log/ /var/log/etlwatch/
USER 65532:65532
WORKDIR /var/lib/etlwatch
ENV TMPDIR=/tmp
# /metrics and /health: the programs listen on 127.0.0.1:8083 unless -listen says otherwise, and a
# container must say -listen :8083 to be reached from outside it.
EXPOSE 8083
ENTRYPOINT ["/usr/local/bin/etlwatch"]
