#!/usr/bin/env bash
# The local mail catcher of ./run.sh: smtp4dev (the Rnwood.Smtp4dev dotnet tool, installed under .tools/ the first time),
# SMTP on 127.0.0.1:$CITYPASS_SMTP_PORT (2525), its web page on $CITYPASS_MAIL_WEB (http://127.0.0.1:5025), mails kept in
# memory. Idempotent: a catcher already answering on the SMTP port is used as it is.
#   scripts/mailcatcher.sh start   -> prints the web address; the catcher runs in the background (pid in .tools/smtp4dev.pid)
#   scripts/mailcatcher.sh stop
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=$ROOT/.tools
SMTP_PORT=${CITYPASS_SMTP_PORT:-2525}
WEB=${CITYPASS_MAIL_WEB:-http://127.0.0.1:5025}
VERSION=3.15.0

log() { printf '[mail] %s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "${1:-start}" in
  start)
    if port_open "$SMTP_PORT"; then
      log "a mail catcher already answers on 127.0.0.1:$SMTP_PORT"
      echo "$WEB"
      exit 0
    fi
    if [ ! -x "$TOOLS/smtp4dev" ]; then
      log "installing smtp4dev $VERSION (dotnet tool Rnwood.Smtp4dev) into .tools/"
      dotnet tool install Rnwood.Smtp4dev --version "$VERSION" --tool-path "$TOOLS" >&2
    fi
    mkdir -p "$TOOLS"
    nohup "$TOOLS/smtp4dev" --urls="$WEB" --smtpport="$SMTP_PORT" --imapport=0 --pop3port=0 --bindaddress=127.0.0.1 \
      --db="" --nousersettings --hostname=localhost >"$TOOLS/smtp4dev.log" 2>&1 &
    echo $! >"$TOOLS/smtp4dev.pid"
    for _ in $(seq 1 60); do port_open "$SMTP_PORT" && break; sleep 1; done
    port_open "$SMTP_PORT" || { log "smtp4dev did not start; see .tools/smtp4dev.log"; exit 1; }
    echo "$WEB"
    ;;
  stop)
    [ -f "$TOOLS/smtp4dev.pid" ] && kill "$(cat "$TOOLS/smtp4dev.pid")" 2>/dev/null || true
    rm -f "$TOOLS/smtp4dev.pid"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
