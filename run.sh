#!/usr/bin/env bash
# Starts CityPass on this machine: PostgreSQL and RabbitMQ (docker compose when a Docker engine answers, otherwise the
# local Debian packages, installed when missing), a local mail catcher (smtp4dev) that receives the host's mails, then the
# host with a demo city seeded. Runs until Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

URL=${CITYPASS_URL:-http://127.0.0.1:5080}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

scripts/services.sh start
SMTP_PORT=${CITYPASS_SMTP_PORT:-2525}
(exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && own_catcher=0 || own_catcher=1
MAIL_WEB=$(CITYPASS_SMTP_PORT=$SMTP_PORT scripts/mailcatcher.sh start) || { MAIL_WEB="(not running: the mails wait in the outbox)"; own_catcher=0; }
stop_catcher() { [ "$own_catcher" = 1 ] && scripts/mailcatcher.sh stop; return 0; }
dotnet build src/CityPass.Host -c Release 2>&1 | tail -n 2

ADMIN_EMAIL=${Accounts__AdministratorEmail:-admin@citypass.demo}
ADMIN_PASSWORD=${Accounts__AdministratorPassword:-Demo-Admin-2026}
FINANCE_EMAIL=${Accounts__FinanceEmail:-finance@citypass.demo}
FINANCE_PASSWORD=${Accounts__FinancePassword:-Demo-Finance-2026}
PERSONALISATION_EMAIL=${Accounts__PersonalisationEmail:-personalisation@citypass.demo}
PERSONALISATION_PASSWORD=${Accounts__PersonalisationPassword:-Demo-Personalisation-2026}
Demo__Seed=true Accounts__AdministratorEmail=$ADMIN_EMAIL Accounts__AdministratorPassword=$ADMIN_PASSWORD Accounts__FinanceEmail=$FINANCE_EMAIL Accounts__FinancePassword=$FINANCE_PASSWORD Accounts__PersonalisationEmail=$PERSONALISATION_EMAIL Accounts__PersonalisationPassword=$PERSONALISATION_PASSWORD Mail__Port=$SMTP_PORT Mail__PortalBaseUrl=${Mail__PortalBaseUrl:-$URL} ASPNETCORE_URLS=$URL ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development} \
  dotnet run --project src/CityPass.Host -c Release --no-build --no-launch-profile &
host=$!
trap 'kill $host 2>/dev/null; wait $host 2>/dev/null; stop_catcher' INT TERM EXIT

for _ in $(seq 1 120); do
  if curl -fsS "$URL/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 $host 2>/dev/null || { echo "the host stopped; see its output above" >&2; exit 1; }
  sleep 1
done

cat <<TXT

CityPass is running (Ctrl-C to stop).
  API and its browsable docs   $URL/swagger
  OpenAPI document             $URL/openapi/v1.json
  Health                       $URL/health/live   $URL/health/ready
  The scheme (venues, tariffs) $URL/scheme
  A demo card                  $URL/cards/by-uid/04A22B1C5D6E80
  RabbitMQ management          http://127.0.0.1:15672 (guest/guest)
  Terminals send taps to       the exchange "citypass-taps" (see contracts/README.md)
  Send a tap                   dotnet run --project src/CityPass.TerminalSimulator -- 04A22B1C5D6E80 --venue piscine-brequigny
  Terminal health / deny list  $URL/terminals/health   $URL/deny-list
  Administrator                $ADMIN_EMAIL / $ADMIN_PASSWORD (POST $URL/account/login)
  Operations console           $URL/admin (the administrator's login)   metrics: $URL/metrics
  Finance                      $FINANCE_EMAIL / $FINANCE_PASSWORD ($URL/finance)
  Personalisation machine      $PERSONALISATION_EMAIL / $PERSONALISATION_PASSWORD (POST $URL/cards/personalisation)
  Online reloads               sandbox checkout unless Stripe__SecretKey is set (docs/payments.md)
  Mails sent (mail catcher)    $MAIL_WEB (confirmation links, receipts: docs/cardholders.md, E-mails)

TXT
curl -fsS "$URL/health/ready"; echo

# Bring the demo city to life: its terminals tap demo cards, go offline now and then, upload later (CITYPASS_DEMO_TERMINALS=0 to stop them).
if [ "${CITYPASS_DEMO_TERMINALS:-8}" != "0" ]; then
  dotnet build src/CityPass.TerminalSimulator -c Release 2>&1 | grep -E " error |rror\(s\)" || true
  CITYPASS_ADMIN_EMAIL=$ADMIN_EMAIL CITYPASS_ADMIN_PASSWORD=$ADMIN_PASSWORD CITYPASS_PERSONALISATION_EMAIL=$PERSONALISATION_EMAIL CITYPASS_PERSONALISATION_PASSWORD=$PERSONALISATION_PASSWORD \
    dotnet run --project src/CityPass.TerminalSimulator -c Release --no-build -- demo --api "$URL" --terminals "${CITYPASS_DEMO_TERMINALS:-8}" --seconds 86400 &
  demo=$!
  trap 'kill $demo $host 2>/dev/null; wait $host 2>/dev/null; stop_catcher' INT TERM EXIT
fi
wait $host
