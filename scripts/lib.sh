# Shared by ./run, ./test and ./bench: a private PostgreSQL cluster and the system packages it needs.
# shellcheck shell=bash

say() { printf '%s\n' "$*" >&2; }

is_root() { [ "$(id -u)" -eq 0 ]; }

apt_install() {
    if ! is_root; then
        say "Missing system package(s): $*. Install them with: sudo apt-get install -y $*"
        return 1
    fi
    if [ -z "${_APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        _APT_UPDATED=1
    fi
    say "Installing $* with apt-get..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

ensure_postgres() {
    if [ -z "$(pg_bindir)" ]; then
        apt_install postgresql || return 1
        # The Debian package starts its own cluster; ours are private, so the default one is not needed.
        if command -v pg_ctlcluster >/dev/null 2>&1; then
            pg_ctlcluster --force "$(ls /etc/postgresql | sort -V | tail -n1)" main stop >/dev/null 2>&1 || true
        fi
    fi
    PG_BIN=$(pg_bindir)
    export PG_BIN
}

ensure_chromium() {
    command -v chromium >/dev/null 2>&1 || apt_install chromium
}

# clamd for the attachment scanning tests, which start their own throwaway daemon (the package's service is not used).
ensure_clamd() {
    [ -x /usr/sbin/clamd ] || command -v clamd >/dev/null 2>&1 || apt_install clamav-daemon
}

# PostgreSQL refuses to run as root, so as root every server command runs as the postgres user.
as_pg_owner() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    # Below the kernel's ephemeral range: a port in it can be taken between this check and the bind by an outgoing
    # connection (the benchmark opens thousands), and nothing can listen on a port an open connection is using.
    local port low=32768
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    [ "$low" -gt 12000 ] || low=32768
    for _ in $(seq 1 50); do
        port=$(( 10000 + RANDOM % (low - 10000) ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# pg_start DATADIR PORT [extra postgres -c options...]: creates the cluster when absent, then starts it on 127.0.0.1.
pg_start() {
    local datadir=$1 port=$2
    shift 2
    if is_root; then
        mkdir -p "$datadir"
        chown postgres:postgres "$datadir"
        chmod 700 "$datadir"
    fi
    if [ ! -f "$datadir/PG_VERSION" ]; then
        as_pg_owner "$PG_BIN/initdb" -D "$datadir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    local opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$datadir"
    for o in "$@"; do opts="$opts -c $o"; done
    as_pg_owner "$PG_BIN/pg_ctl" -D "$datadir" -l "$datadir/server.log" -o "$opts" -w -t 60 start >/dev/null
}

# pg_running DATADIR: true when that cluster's postmaster is alive (a postmaster.pid left by a crash does not count).
pg_running() {
    [ -f "$1/postmaster.pid" ] && as_pg_owner "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# pg_port DATADIR: the port a running cluster actually listens on (line 4 of postmaster.pid).
pg_port() {
    sed -n 4p "$1/postmaster.pid"
}

pg_stop() {
    local datadir=$1
    [ -f "$datadir/postmaster.pid" ] || return 0
    as_pg_owner "$PG_BIN/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null 2>&1 || true
}

ensure_dotnet() {
    if ! command -v dotnet >/dev/null 2>&1; then
        say "The .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)."
        return 1
    fi
}

# http_ok URL: true when GET URL answers 2xx. curl when present; otherwise bash's /dev/tcp (plain http only),
# because a fresh machine may not have curl.
http_ok() {
    local url=$1
    if command -v curl >/dev/null 2>&1; then
        curl -fsSk -o /dev/null --max-time 5 "$url" 2>/dev/null
        return
    fi
    [[ "$url" == http://* ]] || return 1
    local rest=${url#http://} hostport path host port
    hostport=${rest%%/*}
    path=${rest#"$hostport"}; path=/${path#/}
    host=${hostport%:*}; port=${hostport##*:}
    [ "$host" = "$hostport" ] && port=80
    host=${host#[}; host=${host%]}
    (
        exec 3<>"/dev/tcp/$host/$port" || exit 1
        printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$hostport" >&3
        read -r -t 5 _ status _ <&3 || exit 1
        [[ "$status" == 2* ]]
    ) 2>/dev/null
}

# local_url URL: the same URL with a wildcard host (0.0.0.0, [::], *, +) replaced by loopback, for probing.
local_url() {
    sed -E 's#://(\*|\+|0\.0\.0\.0|\[::\])#://127.0.0.1#' <<<"$1"
}
