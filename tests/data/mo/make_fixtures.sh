#!/bin/sh
# Regenerates the .mo fixtures from po/ with GNU msgfmt (Debian package `gettext`).
# fr and de are little-endian (de keeps its ISO-8859-1 charset), pt_BR is big-endian.
set -e
cd "$(dirname "$0")"
for lang in fr de pt_BR; do mkdir -p "catalogs/$lang/LC_MESSAGES"; done
msgfmt -o catalogs/fr/LC_MESSAGES/demo.mo po/fr.po
msgfmt -o catalogs/de/LC_MESSAGES/demo.mo po/de.po
msgfmt --endianness=big -o catalogs/pt_BR/LC_MESSAGES/demo.mo po/pt_BR.po
