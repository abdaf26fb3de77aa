#!/bin/sh
# System packages the tests need: Debian's Chromium (browser tests), Dovecot's IMAP
# server (the email channel's IMAP tests start one on loopback), GNU gettext (msgfmt
# compiles caredesk/locale/*/django.po; docs/languages.md), OpenLDAP's slapd with
# ldap-utils (the directory sign-in tests start a throwaway slapd on loopback) and xmlsec1
# (pysaml2 checks SAML signatures with it; docs/single-sign-on.md). Idempotent and quiet.
set -eu
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null 2>&1 || missing="$missing dovecot-imapd"
command -v msgfmt >/dev/null 2>&1 || missing="$missing gettext"
[ -x /usr/sbin/slapd ] || missing="$missing slapd"
command -v ldapsearch >/dev/null 2>&1 || missing="$missing ldap-utils"
command -v xmlsec1 >/dev/null 2>&1 || missing="$missing xmlsec1"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Missing system packages:$missing — run: sudo apt-get install$missing" >&2
  exit 1
fi
echo "Installing Debian packages:$missing"
# Another install may hold the package lock (parallel checkouts); wait for it rather than fail.
apt-get -o DPkg::Lock::Timeout=600 update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
# The packaged services are not needed (tests run their own Dovecot and slapd); do not
# leave them running.
if command -v service >/dev/null 2>&1 && [ -x /etc/init.d/dovecot ]; then
  service dovecot stop >/dev/null 2>&1 || true
fi
if command -v service >/dev/null 2>&1 && [ -x /etc/init.d/slapd ]; then
  service slapd stop >/dev/null 2>&1 || true
fi
