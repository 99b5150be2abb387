#!/usr/bin/env bash
# Installs Temporal's servers from package registries (Temporal's own binary downloads are
# unreachable here): the Temporal CLI (dev server + Web UI + SQLite) from the Go module proxy and
# the Java time-skipping test server from Maven Central. Idempotent; skips what is present.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${PVE_TWONODE_CACHE:-$repo/.cache}
cli_version=v1.5.1                 # the last tag `go install pkg@version` accepts (later go.mods use replace)
test_server_version=1.38.0
log() { printf '[install-temporal] %s\n' "$*" >&2; }

install_cli() {
  local bin=$cache/bin/temporal
  if [[ -n ${TEMPORAL_CLI_PATH:-} ]]; then log "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH (not installing)"; return; fi
  # go install stamps no version into the binary (it prints 0.0.0-DEV), so a marker records it.
  if [[ -x $bin && $(cat "$bin.version" 2>/dev/null) == "$cli_version" ]]; then log "temporal CLI $cli_version present"; return; fi
  # The CLI's go.mod wants Go 1.25; any Go >= 1.21 fetches that toolchain from the Go module proxy by itself
  # (GOTOOLCHAIN=auto; Debian and Ubuntu default to local).
  command -v go >/dev/null || { log "Go >= 1.21 is required to build the Temporal CLI: Ubuntu 24.04: apt install golang-go; Debian 12: a golang-1.2x package from bookworm-backports or https://go.dev/dl (its golang-go 1.19 is too old)"; exit 1; }
  local minor; minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
  ((minor >= 21)) || { log "$(go env GOVERSION) cannot fetch the Go 1.25 toolchain the Temporal CLI needs: install Go >= 1.21 (Debian 12: bookworm-backports or https://go.dev/dl)"; exit 1; }
  log "building temporal CLI $cli_version with $(go version | cut -d' ' -f3) (first time: a few minutes)"
  local t0=$SECONDS
  mkdir -p "$cache/bin"
  GOBIN=$cache/bin GOFLAGS=-mod=mod GOTOOLCHAIN=auto go install "github.com/temporalio/cli/cmd/temporal@$cli_version"
  echo "$cli_version" >"$bin.version"
  log "temporal CLI built in $((SECONDS - t0)) s: $("$bin" --version)"
}

install_test_server() {
  local dir=$cache/temporal-test-server
  if [[ -n ${TEMPORAL_TEST_SERVER_PATH:-} ]]; then log "TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH (not installing)"; return; fi
  if [[ -x $dir/run.sh && -f $dir/lib/temporal-test-server-$test_server_version.jar ]]; then log "time-skipping test server $test_server_version present"; return; fi
  command -v mvn >/dev/null && command -v java >/dev/null || { log "Java (>= 11) and Maven fetch and run the time-skipping test server: apt install default-jre-headless maven (scripts/install-system-packages.sh does, as root)"; exit 1; }
  rm -rf "$dir"; mkdir -p "$dir"
  cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.pve-twonode</groupId><artifactId>temporal-test-server-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>$test_server_version</version></dependency>
  </dependencies>
</project>
POM
  log "fetching io.temporal:temporal-test-server:$test_server_version from Maven Central"
  (cd "$dir" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=lib)
  # The SDK SIGKILLs the pid it spawned, so the wrapper must exec java. Client-only JIT and serial GC
  # shorten JVM start-up on 2 cores; the SDK gives the server 5 s to listen.
  cat >"$dir/run.sh" <<RUN
#!/bin/sh
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp '$dir/lib/*' io.temporal.testserver.TestServer "\$@"
RUN
  chmod +x "$dir/run.sh"
  log "test server installed: $dir/run.sh"
}

install_cli
install_test_server
