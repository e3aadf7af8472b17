#!/bin/sh
# Creates the app's namespace and registers the campaign search attributes before any worker starts,
# so several worker replicas never race to add them. Safe to run on every `docker compose up`.
# The search attributes are listed in search-attributes beside this script, one Name=Type a line
# (types as `temporal operator search-attribute create` takes them); test/compose.test.ts checks the
# list against domain/search-attributes.ts. Used by docker-compose.yml and by `npm run stack`.
set -eu
: "${TEMPORAL_ADDRESS:?}" "${NAMESPACE:?}"
SEARCH_ATTRIBUTES=$(grep -v '^#' "$(dirname "$0")/search-attributes")
T="temporal --address $TEMPORAL_ADDRESS"

# Retries a command while the server or a just-created namespace is still settling.
retry() {
  n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge 30 ]; then
      echo "gave up after $n tries: $*" >&2
      return 1
    fi
    sleep 2
  done
}

retry $T operator cluster health >/dev/null
if $T operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  retry $T operator namespace create --namespace "$NAMESPACE" --retention "${NAMESPACE_RETENTION:-720h}"
fi

for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  if $T operator search-attribute list --namespace "$NAMESPACE" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    retry $T operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type"
  fi
done
echo "namespace $NAMESPACE ready"
