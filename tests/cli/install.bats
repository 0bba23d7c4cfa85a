#!/usr/bin/env bats
# make install / uninstall with DESTDIR and PREFIX, and the crm name guard.

setup() {
	load helpers
	ROOT="$BATS_TEST_DIRNAME/../.."
	DEST="$BATS_TEST_TMPDIR/dest"
}

@test "make install DESTDIR=… PREFIX=/usr installs tools, man pages and completions that work" {
	run -0 make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr
	[ -x "$DEST/usr/bin/crm" ]
	[ -x "$DEST/usr/bin/crm-import" ]
	[ -f "$DEST/usr/share/man/man1/crm-import.1" ]
	[ -f "$DEST/usr/share/man/man5/crm-config.5" ]
	[ -f "$DEST/usr/share/man/man7/crm.7" ]
	[ -f "$DEST/usr/share/bash-completion/completions/crm" ]
	[ -L "$DEST/usr/share/bash-completion/completions/crm-import" ]
	[ -f "$DEST/usr/share/zsh/site-functions/_crm" ]
	[ -e "$DEST/usr/share/fish/vendor_completions.d/crm-import.fish" ]
	# the example configuration loads, and the example template fills
	run -0 env CRM_CONFIG="$DEST/usr/share/crm-tools/config.yaml" "$DEST/usr/bin/crm-segment" --explain
	[ -f "$DEST/usr/share/crm-tools/reminder-message.txt" ]
	# the installed dispatcher finds the installed tool next to it
	run -0 --separate-stderr env PATH=/usr/bin:/bin "$DEST/usr/bin/crm" import --help
	[[ "${lines[0]}" == "usage: crm-import"* ]]
	run -0 --separate-stderr env PATH=/usr/bin:/bin "$DEST/usr/bin/crm" help
	[[ "$output" == *"  import "* ]]
	run -0 make -s -C "$ROOT" uninstall DESTDIR="$DEST" PREFIX=/usr
	[ ! -e "$DEST/usr/bin/crm-import" ]
	[ ! -e "$DEST/usr/share/man/man1/crm-import.1" ]
	[ ! -e "$DEST/usr/share/bash-completion/completions/crm-import" ]
	[ ! -e "$DEST/usr/share/crm-tools" ]
}

@test "make install never overwrites a crm that is not ours (crmsh's)" {
	mkdir -p "$DEST/usr/bin"
	printf '#!/bin/sh\necho crmsh\n' > "$DEST/usr/bin/crm"
	chmod +x "$DEST/usr/bin/crm"
	run -0 --separate-stderr make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr
	[[ "$stderr" == *"exists and is not ours; not overwriting it"* ]]
	[ "$("$DEST/usr/bin/crm")" = "crmsh" ]
	[ -x "$DEST/usr/bin/crm-import" ]
}

@test "make uninstall leaves a crm that is not ours" {
	mkdir -p "$DEST/usr/bin"
	printf '#!/bin/sh\necho crmsh\n' > "$DEST/usr/bin/crm"
	chmod +x "$DEST/usr/bin/crm"
	run -0 make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr
	run -0 make -s -C "$ROOT" uninstall DESTDIR="$DEST" PREFIX=/usr
	[ "$("$DEST/usr/bin/crm")" = "crmsh" ]
	[ ! -e "$DEST/usr/bin/crm-import" ]
}
