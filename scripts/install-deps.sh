#!/bin/sh
# Installs every Debian package lispswitch needs to build, test and run its demo; with "bench",
# also what `make bench` needs (the OVS baseline, iperf3, matplotlib, perf).
# Idempotent and non-interactive; run as root on Debian 12. Skips apt when all are present.
set -eu

PACKAGES="
build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
libjansson-dev libmnl-dev libcmocka-dev liburcu-dev libpcap-dev libssl-dev liburing-dev
python3-pytest python3-scapy python3-seccomp tshark
iproute2 iputils-ping ethtool tcpdump procps valgrind
openvswitch-common
python3-prometheus-client mandoc man-db groff-base systemd bash-completion
clang-tidy cppcheck
"
if [ "${1:-}" = bench ]; then
	PACKAGES="$PACKAGES iperf3 openvswitch-switch python3-matplotlib linux-perf"
fi

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections
apt-get update -q
# openvswitch-switch is only a baseline for `make bench`, which runs its own private daemons:
# keep the package's service from starting (a policy-rc.d that refuses, removed afterwards).
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
