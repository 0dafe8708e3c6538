# Shared set-up of .ci/run and .ci/demo: Debian packages and Go.
# Sourced; expects to run as root from the repository root.

export DEBIAN_FRONTEND=noninteractive
export PATH="/usr/local/go/bin:$PATH"

step() { printf '\n=== %s\n' "$*"; }

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$0: must run as root (it installs packages); try: sudo bash $0" >&2
		exit 1
	fi
}

# install_packages PKG...: apt-get install without starting the system
# services (a policy-rc.d that exits 101): mailferry's tests and demo run
# their own private Dovecot on 127.0.0.1.
install_packages() {
	step "packages: $*"
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	apt-get update
	apt-get install -y "$@"
	# If a system Dovecot runs anyway (e.g. installed before policy-rc.d
	# existed), stop it. Only the one using /etc/dovecot is touched.
	if [ -d /run/systemd/system ]; then
		systemctl disable --now dovecot.socket dovecot.service >/dev/null 2>&1 || true
	fi
	if [ -s /run/dovecot/master.pid ] && kill -0 "$(cat /run/dovecot/master.pid)" 2>/dev/null; then
		doveadm stop || kill "$(cat /run/dovecot/master.pid)"
		for _ in $(seq 50); do
			kill -0 "$(cat /run/dovecot/master.pid 2>/dev/null)" 2>/dev/null || break
			sleep 0.1
		done
	fi
}

# ensure_go: the runner's Go if there is one, else the version go.mod names.
ensure_go() {
	if ! command -v go >/dev/null; then
		step "installing Go"
		apt-get install -y ca-certificates curl
		gover=$(awk '$1 == "go" { print $2; exit }' go.mod)
		arch=$(dpkg --print-architecture)
		curl -fsSL "https://go.dev/dl/go${gover}.linux-${arch}.tar.gz" | tar -C /usr/local -xz
	fi
}
