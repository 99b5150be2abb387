#!/usr/bin/env bash
# Debian packages the tests and the rehearsal lab use: dpkg-dev (dpkg-scanpackages indexes the lab's apt repository), OpenSSH (a real sshd for the SSH tests and the lab hosts),
# corosync + corosync-qdevice + corosync-qnetd (the lab's real quorum stack), iproute2/psmisc (namespaces, process control),
# openssl (the lab's API certificate and port 8006; the TLS test's CA), libfaketime (the lab's clock-skew fault), nginx-light
# (the TLS terminator in front of the dev server in test/tls.test.ts), chromium (the browser test of the Temporal UI, driven by
# playwright-core), Java + Maven (they fetch and run Temporal's time-skipping test server from Maven Central).
# The real Proxmox VE code in the lab (scripts/build-pve.sh, docs/lab.md): what pmxcfs and PVE::IPCC are built with
# (gcc, make, pkg-config and the -dev packages of glib, FUSE 2, corosync's libraries, libqb, rrd, sqlite, perl), the tools
# pvecm calls (rsync, faketime, sqlite3, fuse), and every Perl library that pvecm, pveproxy and pvedaemon load which Debian
# packages (the rest are Proxmox's own modules, built from the sources, or the lab's marked stubs).
# Needs root; skips what is installed. Nothing is started: Debian's policy-rc.d / no systemd keeps services down.
set -euo pipefail
packages=(dpkg-dev openssh-server openssh-client corosync corosync-qdevice corosync-qnetd systemd-timesyncd iproute2 psmisc util-linux perl openssl libfaketime nginx-light chromium default-jre-headless maven
  gcc make pkg-config rsync faketime sqlite3 fuse libglib2.0-dev libfuse-dev libcpg-dev libcmap-dev libcorosync-common-dev libquorum-dev libqb-dev librrd-dev libsqlite3-dev libperl-dev
  libanyevent-http-perl libanyevent-perl libapt-pkg-perl libauthen-pam-perl libclone-perl libcrypt-openssl-random-perl libcrypt-openssl-rsa-perl
  libcrypt-ssleay-perl libdevel-cycle-perl libdigest-hmac-perl libfile-readbackwards-perl libfilesys-df-perl libhtml-parser-perl libhttp-daemon-perl
  libhttp-date-perl libhttp-message-perl libio-socket-ssl-perl libio-stringy-perl libjson-perl libjson-xs-perl liblinux-inotify2-perl
  liblwp-protocol-https-perl libmime-base32-perl libnet-dbus-perl libnet-dns-perl libnet-ip-perl libnet-ldap-perl libnet-ssleay-perl libnetaddr-ip-perl
  librrds-perl libstring-shellquote-perl libtemplate-perl libtimedate-perl liburi-perl libuuid-perl libwww-perl libyaml-libyaml-perl libfile-chdir-perl
  libnet-subnet-perl libposix-strptime-perl libxml-libxml-perl libio-multiplex-perl)
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
