#!/bin/sh
# Entrypoint of the test cluster's Redis image: options alone (`--requirepass …`, as the
# operator passes them) run redis-server with them, as the official image does.
case "${1:-}" in -* | *.conf | "") set -- redis-server "$@" ;; esac
exec "$@"
