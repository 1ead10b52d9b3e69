# selftest fixture: single stage, latest tag, root user, no labels, shell-form entrypoint.
FROM debian:latest
RUN apt-get update && apt-get install -y curl
ADD https://example.com/tool /usr/local/bin/tool
RUN cd /tmp && curl -sL https://example.com/x | sh
ENTRYPOINT /usr/local/bin/shopfleet-bad
