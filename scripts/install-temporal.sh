#!/usr/bin/env bash
# Makes sure both real Temporal servers exist in a cache outside the clone, so that fresh clones
# (CI's included) reuse them. Nothing is downloaded at run time: the CLI is built from the Go
# module proxy, the time-skipping test server is resolved from Maven Central.
# Prints nothing on a cache hit except one line per server.
set -euo pipefail

# shellcheck source=temporal-servers.env
. "$(dirname "$0")/temporal-servers.env"
CACHE="${RELIEF_TEMPORAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/relief-campaigns}"
cli_dir="$CACHE/cli-$TEMPORAL_CLI_VERSION"
ts_dir="$CACHE/test-server-$TEMPORAL_TEST_SERVER_VERSION"
mkdir -p "$CACHE"

install_cli() {
  if [ -x "$cli_dir/temporal" ]; then echo "temporal CLI $TEMPORAL_CLI_VERSION: cached at $cli_dir/temporal"; return; fi
  if ! command -v go >/dev/null 2>&1; then
    echo "temporal CLI: no Go toolchain here; the SDK will download its own dev server" >&2; return
  fi
  echo "temporal CLI $TEMPORAL_CLI_VERSION: building with go install (minutes the first time)..."
  mkdir -p "$cli_dir.tmp"
  CGO_ENABLED=0 GOBIN="$cli_dir.tmp" GOFLAGS=-mod=mod \
    go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  rm -rf "$cli_dir" && mv "$cli_dir.tmp" "$cli_dir"
  echo "temporal CLI: installed at $cli_dir/temporal"
}

install_test_server() {
  if [ -x "$ts_dir/temporal-test-server" ]; then echo "time-skipping test server $TEMPORAL_TEST_SERVER_VERSION: cached at $ts_dir"; return; fi
  if ! command -v mvn >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
    echo "time-skipping test server: no Java/Maven here; the SDK will download its own" >&2; return
  fi
  echo "time-skipping test server $TEMPORAL_TEST_SERVER_VERSION: resolving from Maven Central..."
  local work; work="$(mktemp -d)"
  cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.relief</groupId><artifactId>temporal-test-server-fetch</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId>
      <version>$TEMPORAL_TEST_SERVER_VERSION</version></dependency>
  </dependencies>
</project>
POM
  mkdir -p "$ts_dir.tmp/lib"
  mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$ts_dir.tmp/lib"
  cat > "$ts_dir.tmp/temporal-test-server" <<'WRAP'
#!/usr/bin/env bash
# The SDK passes the port (and locks/unlocks time skipping itself); exec so it stops the JVM it started.
here="$(cd "$(dirname "$0")" && pwd)"
exec java -Xss4m -cp "$here/lib/*" io.temporal.testserver.TestServer "$@"
WRAP
  chmod +x "$ts_dir.tmp/temporal-test-server"
  rm -rf "$work" "$ts_dir" && mv "$ts_dir.tmp" "$ts_dir"
  echo "time-skipping test server: installed at $ts_dir"
}

case "${1:-all}" in
  cli) install_cli ;;
  test-server) install_test_server ;;
  all) install_cli; install_test_server ;;
  *) echo "usage: $0 [cli|test-server|all]" >&2; exit 2 ;;
esac
