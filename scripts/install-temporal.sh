#!/usr/bin/env bash
# Makes sure the real Temporal servers exist in a cache outside the clone, so that fresh clones
# (CI's included) reuse them. Nothing is downloaded at run time: the CLI, the production server (with
# its SQL tool and config files) and the Web UI server are built from the Go module proxy, the
# time-skipping test server is resolved from Maven Central.
# Prints nothing on a cache hit except one line per server.
set -euo pipefail

# shellcheck source=temporal-servers.env
. "$(dirname "$0")/temporal-servers.env"
CACHE="${RELIEF_TEMPORAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/relief-campaigns}"
cli_dir="$CACHE/cli-$TEMPORAL_CLI_VERSION"
ts_dir="$CACHE/test-server-$TEMPORAL_TEST_SERVER_VERSION"
server_dir="$CACHE/server-$TEMPORAL_SERVER_VERSION"
ui_dir="$CACHE/ui-server-$TEMPORAL_UI_SERVER_VERSION"
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

need_go() {
  if command -v go >/dev/null 2>&1; then return; fi
  echo "$1: no Go toolchain here; install Go (1.26 or newer: the server module's go line)" >&2; exit 1
}

# The production server and its schema tool; the module's own PostgreSQL config files beside them,
# writable, so that the stack renders its node configs from what this server version ships.
# disable_grpc_modules leaves out gRPC's optional cloud modules, which do not build with CGO off.
install_server() {
  if [ -x "$server_dir/temporal-server" ] && [ -x "$server_dir/temporal-sql-tool" ]; then
    echo "temporal server $TEMPORAL_SERVER_VERSION: cached at $server_dir"; return
  fi
  need_go "temporal server"
  echo "temporal server $TEMPORAL_SERVER_VERSION: building with go install (4-8 minutes on 2 cores the first time)..."
  rm -rf "$server_dir.tmp" && mkdir -p "$server_dir.tmp/config/dynamicconfig"
  CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$server_dir.tmp" GOFLAGS=-mod=mod \
    go install -tags disable_grpc_modules \
    "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" \
    "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"
  mv "$server_dir.tmp/server" "$server_dir.tmp/temporal-server"
  mv "$server_dir.tmp/sql" "$server_dir.tmp/temporal-sql-tool"
  local module
  module="$(GOTOOLCHAIN=local go mod download -json "go.temporal.io/server@$TEMPORAL_SERVER_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  cp "$module/config/development-postgres12.yaml" "$server_dir.tmp/config/"
  cp "$module/config/dynamicconfig/development-sql.yaml" "$server_dir.tmp/config/dynamicconfig/"
  chmod -R u+w "$server_dir.tmp/config"
  rm -rf "$server_dir" && mv "$server_dir.tmp" "$server_dir"
  echo "temporal server: installed at $server_dir"
}

install_ui() {
  if [ -x "$ui_dir/temporal-ui-server" ]; then echo "temporal UI server $TEMPORAL_UI_SERVER_VERSION: cached at $ui_dir"; return; fi
  need_go "temporal UI server"
  echo "temporal UI server $TEMPORAL_UI_SERVER_VERSION: building with go install (minutes the first time)..."
  rm -rf "$ui_dir.tmp" && mkdir -p "$ui_dir.tmp"
  CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$ui_dir.tmp" GOFLAGS=-mod=mod \
    go install "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_SERVER_VERSION"
  mv "$ui_dir.tmp/server" "$ui_dir.tmp/temporal-ui-server"
  rm -rf "$ui_dir" && mv "$ui_dir.tmp" "$ui_dir"
  echo "temporal UI server: installed at $ui_dir"
}

# all: what npm test needs (test/stack.test.ts runs the production server, its SQL tool and the UI server).
case "${1:-all}" in
  cli) install_cli ;;
  test-server) install_test_server ;;
  server) install_server ;;
  ui) install_ui ;;
  stack) install_server; install_ui ;;
  all) install_cli; install_test_server; install_server; install_ui ;;
  *) echo "usage: $0 [cli|test-server|server|ui|stack|all]" >&2; exit 2 ;;
esac
