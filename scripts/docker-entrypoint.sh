#!/bin/sh
# Entry point of the image: `manager` (the default), `sandbox` or `predict`.
# The HorizontalPortrait controller runs the algorithm container of a predictive CronJob with flags only (Kapacity's
# convention: its image's entry point is the Python job) and injects HP_NAME; such a container runs `predict`, so
# this image can be the default predictive image as well as the manager's.
set -e
case "${1:-}" in
  manager|sandbox|predict|help|-h|--help) ;;
  *)
    if [ -n "${HP_NAME:-}" ]; then
      set -- predict "$@"
    else
      set -- manager "$@"
    fi
    ;;
esac
exec java -XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError ${JAVA_OPTS:-} -jar "${KAPACITY_JAR:-/app/kapacity.jar}" "$@"
