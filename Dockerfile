# Image of the Kapacity manager (kapacity.jar), also the built-in predictive algorithm job: a predictive
# HorizontalPortrait's CronJob container started with flags only and HP_NAME in its environment runs `predict`
# (scripts/docker-entrypoint.sh); `docker run IMAGE predict --help` lists its flags.
# Build the jar (and target/kubectl-kapacity) first, then the image:
#   mvn -B package -DskipTests
#   docker build -t ghcr.io/kapacity-stack/kapacity-manager-jvm:0.1.0 .
FROM eclipse-temurin:17-jre

# Non-root user with a fixed numeric id (the chart's runAsUser and runAsNonRoot rely on it).
RUN groupadd --system --gid 65532 kapacity \
 && useradd --system --uid 65532 --gid 65532 --home-dir /app --no-create-home --shell /usr/sbin/nologin kapacity

WORKDIR /app
COPY target/kapacity.jar /app/kapacity.jar
COPY scripts/docker-entrypoint.sh /app/docker-entrypoint.sh
# the kubectl plugin on PATH (`kubectl-kapacity get ihpa -A` in the container, or `kubectl kapacity ...` where
# kubectl is present); mvn package puts it beside the jar in target/ (docs/cli.md)
COPY target/kubectl-kapacity /usr/local/bin/kubectl-kapacity
ENV KAPACITY_JAR=/app/kapacity.jar

USER 65532:65532
# metrics, health probes, console, gRPC, webhook
EXPOSE 8080 8081 8082 9090 9443
ENTRYPOINT ["/app/docker-entrypoint.sh"]
CMD ["manager"]
