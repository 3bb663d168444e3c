# Shared settings for test/env/{start,stop,reset,seed}. Sourced, not run.
# Every port can be overridden from the environment; start records the values it used in
# run/env.sh and run/env.json, and later commands (stop, seed, tests) read them from there.

ENV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=${EAS_TEST_RUN_DIR:-$ENV_DIR/run}
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)

PORT_VARS=(EAS_TEST_IMAP_PORT EAS_TEST_SUBMISSION_PORT EAS_TEST_SMTP_PORT EAS_TEST_LMTP_PORT
  EAS_TEST_SIEVE_PORT EAS_TEST_DAV_PORT EAS_TEST_PG_PORT EAS_TEST_COURIER_PORT EAS_TEST_CYRUS_PORT EAS_TEST_CYRUS_DAV_PORT
  EAS_TEST_XANDIKOS_PORT EAS_TEST_IMAP_TLS_PORT EAS_TEST_IMAPS_PORT EAS_TEST_SUBMISSION_TLS_PORT
  EAS_TEST_SUBMISSIONS_PORT EAS_TEST_SIEVE_TLS_PORT EAS_TEST_DAVS_PORT)
# start: environment, else defaults. Everything else: environment, else what start recorded, else defaults.
if [ "${EAS_ENV_IGNORE_RECORDED:-0}" != 1 ] && [ -f "$RUN/env.sh" ]; then
  declare -A _from_env=()
  for _v in "${PORT_VARS[@]}"; do if [ -n "${!_v:-}" ]; then _from_env[$_v]=${!_v}; fi; done
  # shellcheck disable=SC1091
  . "$RUN/env.sh"
  for _v in "${!_from_env[@]}"; do printf -v "$_v" %s "${_from_env[$_v]}"; done
  unset _from_env _v
fi
EAS_TEST_IMAP_PORT=${EAS_TEST_IMAP_PORT:-1143}
EAS_TEST_SUBMISSION_PORT=${EAS_TEST_SUBMISSION_PORT:-1587}
EAS_TEST_SMTP_PORT=${EAS_TEST_SMTP_PORT:-1025}
EAS_TEST_LMTP_PORT=${EAS_TEST_LMTP_PORT:-1024}
EAS_TEST_SIEVE_PORT=${EAS_TEST_SIEVE_PORT:-14190}
EAS_TEST_DAV_PORT=${EAS_TEST_DAV_PORT:-5232}
EAS_TEST_PG_PORT=${EAS_TEST_PG_PORT:-15432}
EAS_TEST_COURIER_PORT=${EAS_TEST_COURIER_PORT:-1144}
EAS_TEST_CYRUS_PORT=${EAS_TEST_CYRUS_PORT:-1145}
EAS_TEST_CYRUS_DAV_PORT=${EAS_TEST_CYRUS_DAV_PORT:-5233}
EAS_TEST_XANDIKOS_PORT=${EAS_TEST_XANDIKOS_PORT:-5234}
# TLS twins of Dovecot and Radicale (same users and data), certificates from a local CA in run/tls/.
EAS_TEST_IMAP_TLS_PORT=${EAS_TEST_IMAP_TLS_PORT:-1146}             # IMAP, STARTTLS required
EAS_TEST_IMAPS_PORT=${EAS_TEST_IMAPS_PORT:-1993}                   # IMAP, implicit TLS
EAS_TEST_SUBMISSION_TLS_PORT=${EAS_TEST_SUBMISSION_TLS_PORT:-1588} # submission, STARTTLS required
EAS_TEST_SUBMISSIONS_PORT=${EAS_TEST_SUBMISSIONS_PORT:-1465}       # submission, implicit TLS
EAS_TEST_SIEVE_TLS_PORT=${EAS_TEST_SIEVE_TLS_PORT:-14191}          # ManageSieve, STARTTLS required
EAS_TEST_DAVS_PORT=${EAS_TEST_DAVS_PORT:-5235}                     # CalDAV/CardDAV over https
TLS_DIR=$RUN/tls

MAIL_USER=easmail   # owns the Maildirs (created by setup)
DAV_USER=radicale   # runs Radicale (created by the Debian package)
PG_USER=postgres    # runs PostgreSQL (created by the Debian package)
# IMAP servers whose Debian packages conflict with dovecot-imapd (all three "Provide: imap-server"):
# setup installs their dependencies with apt and unpacks the packages themselves here.
SERVERS_DIR=/opt/eas-test-env
COURIER_IMAP=$SERVERS_DIR/courier-imap
CYRUS_IMAPD=$SERVERS_DIR/cyrus-imapd
CYRUS_USER=cyrus   # runs Cyrus (created by cyrus-common)
DAV_USERS=(alice bob carol dave)   # with a Radicale account
# Mailbox only, no DAV account: erin (degraded-backends tests); each of the others belongs to one
# suite that changes mail at random, so no other suite sees its folders move: frank and grace to the
# soak (test/soak), mona to the mail model over Dovecot (test/model).
USERS=("${DAV_USERS[@]}" erin frank grace mona)
PASSWORD=password
DOMAIN=example.test

PIDS=$RUN/pids
LOGS=$RUN/log
# Unix socket paths are limited to 107 bytes: keep the socket directories short. Under run/ when
# the checkout path allows it, else in /tmp under a name derived from run/'s path.
if [ ${#RUN} -le 60 ]; then
  SOCK=$RUN/sock
else
  SOCK=/tmp/eas-test-env-$(printf %s "$RUN" | sha1sum | cut -c1-10)
fi

# Instances started on this machine (any checkout), so that a start on the same ports can stop an
# instance another checkout left running (e.g. CI's fresh clone after a developer's session).
REGISTRY=/tmp/eas-test-env.d
REGISTRY_ENTRY=$REGISTRY/$(printf %s "$RUN" | sha1sum | cut -c1-16)

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid from a pid file if that process is alive and its command name matches.
live_pid() { # file, comm-regex
  local f=$1 re=$2 pid
  [ -s "$f" ] || return 1
  pid=$(head -n1 "$f" | tr -dc 0-9)
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  grep -Eqx "$re" "/proc/$pid/comm" || return 1
  echo "$pid"
}

# service name → comm regex and ports (for health checks and stop)
SERVICES=(postgres dovecot dovecot-tls postfix radicale radicale-tls courier-auth courier cyrus xandikos)
svc_comm() {
  case $1 in
    dovecot|dovecot-tls) echo 'dovecot' ;;
    postfix) echo 'master' ;;
    radicale|radicale-tls) echo 'python3.*|radicale' ;;
    postgres) echo 'postgres|postmaster' ;;
    courier-auth) echo 'authdaemond' ;;
    courier) echo 'couriertcpd' ;;
    cyrus) echo 'master' ;;
    xandikos) echo 'xandikos|python3.*' ;;
  esac
}
svc_ports() {
  case $1 in
    dovecot) echo "$EAS_TEST_IMAP_PORT $EAS_TEST_LMTP_PORT $EAS_TEST_SUBMISSION_PORT $EAS_TEST_SIEVE_PORT" ;;
    dovecot-tls) echo "$EAS_TEST_IMAP_TLS_PORT $EAS_TEST_IMAPS_PORT $EAS_TEST_SUBMISSION_TLS_PORT $EAS_TEST_SUBMISSIONS_PORT $EAS_TEST_SIEVE_TLS_PORT" ;;
    postfix) echo "$EAS_TEST_SMTP_PORT" ;;
    radicale) echo "$EAS_TEST_DAV_PORT" ;;
    radicale-tls) echo "$EAS_TEST_DAVS_PORT" ;;
    postgres) echo "$EAS_TEST_PG_PORT" ;;
    courier) echo "$EAS_TEST_COURIER_PORT" ;;
    cyrus) echo "$EAS_TEST_CYRUS_PORT $EAS_TEST_CYRUS_DAV_PORT" ;;
    xandikos) echo "$EAS_TEST_XANDIKOS_PORT" ;;
  esac
}
svc_log() {
  case $1 in
    postgres) echo "$LOGS/postgres.log" ;;
    courier-auth) echo "$LOGS/courier.log" ;;
    *) echo "$LOGS/$1.log" ;;
  esac
}
