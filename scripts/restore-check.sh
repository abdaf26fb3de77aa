#!/bin/sh
# Restore a pg_dump (custom format) into a throwaway database and compare its row counts
# with the live database's (docs/deployment.md). Exits non-zero when the restore fails or
# the dump holds no cases while the live database does.
#   scripts/restore-check.sh /backup/caredesk-2026-12-01.dump
# Uses DATABASE_URL for the live database; the throwaway one is created on the same server.
set -eu
dump="${1:?usage: restore-check.sh DUMP}"
live="${DATABASE_URL:?set DATABASE_URL to the live database}"
scratch="caredesk_restore_check_$$"
base="${live%/*}"
trap 'dropdb --if-exists --maintenance-db="$live" "$scratch" 2>/dev/null || true' EXIT
createdb --maintenance-db="$live" "$scratch"
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$base/$scratch" "$dump"
count() {
  psql --no-psqlrc -At --dbname="$1" -c \
    "select (select count(*) from tickets_ticket), (select count(*) from tickets_message), (select count(*) from tickets_auditevent)"
}
restored=$(count "$base/$scratch")
current=$(count "$live")
echo "restored (cases|messages|audit): $restored"
echo "live     (cases|messages|audit): $current"
restored_cases=${restored%%|*}
current_cases=${current%%|*}
if [ "$restored_cases" -eq 0 ] && [ "$current_cases" -gt 0 ]; then
  echo "restore-check: the dump holds no cases" >&2
  exit 1
fi
echo "restore-check: ok"
