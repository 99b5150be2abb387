#!/usr/bin/env bash
# Debian packages the tests and the rehearsal lab use: OpenSSH (a real sshd for the SSH tests and the lab hosts),
# corosync + corosync-qdevice + corosync-qnetd (the lab's real quorum stack), iproute2/psmisc (namespaces, process control),
# openssl (the lab's API certificate and port 8006; the TLS test's CA), libfaketime (the lab's clock-skew fault), nginx-light
# (the TLS terminator in front of the dev server in test/tls.test.ts), chromium (the browser test of the Temporal UI, driven by
# playwright-core), Java + Maven (they fetch and run Temporal's time-skipping test server from Maven Central).
# Needs root; skips what is installed. Nothing is started: Debian's policy-rc.d / no systemd keeps services down.
set -euo pipefail
packages=(openssh-server openssh-client corosync corosync-qdevice corosync-qnetd systemd-timesyncd iproute2 psmisc util-linux perl openssl libfaketime nginx-light chromium default-jre-headless maven)
missing=()
for p in "${packages[@]}"; do
  [[ $p == default-jre-headless ]] && command -v java >/dev/null && continue   # any Java will do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then echo "[install-system-packages] all present" >&2; exit 0; fi
if [[ $EUID -ne 0 ]]; then echo "[install-system-packages] missing ${missing[*]}; run as root: sudo $0" >&2; exit 1; fi
echo "[install-system-packages] installing ${missing[*]}" >&2
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
