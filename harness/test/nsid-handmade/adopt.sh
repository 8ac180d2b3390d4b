#!/bin/sh
# Replace the hand-made nsid-* fixtures with the real captures of a run:
#   sh harness/test/nsid-handmade/adopt.sh /tmp/nsid-run
# (a run of `kph run -s audit-nsid@strawman -s baseline`; nsid-cost's test reads N from the capture).
# Audit logs are cut to the scenario's begin..end markers to keep fixtures small.
set -eu
run=$1
root=$(cd "$(dirname "$0")/../../.." && pwd)
for s in nsid-unshare nsid-clone nsid-inherit nsid-setns nsid-never-reused nsid-follow nsid-unprivileged nsid-cost nsid-thread; do
	for series in audit-nsid@strawman baseline; do
		src=$run/$series/$s/guest
		[ -d "$src" ] || { echo "missing $src" >&2; exit 1; }
		dst=$root/scenarios/$s/fixtures/$series
		rm -rf "$dst"
		mkdir -p "$dst"
		for f in stdout.txt stderr.txt exit-code duration-ms audit-status-before.txt audit-status-after.txt; do
			[ -f "$src/$f" ] && cp "$src/$f" "$dst/"
		done
		sed -n "/kph-begin $s /,/kph-end $s /p" "$src/audit-full.log" >"$dst/audit-full.log"
	done
	rm -rf "$root/scenarios/$s/fixtures/handmade-"*
	sed -i "s/^const BASE_FIXTURE = 'handmade-baseline';/const BASE_FIXTURE = 'baseline';/; s/^const NSID_FIXTURE = 'handmade-audit-nsid@strawman';/const NSID_FIXTURE = 'audit-nsid@strawman';/; s/^\/\/ Hand-made captures (harness\/test\/nsid-handmade\/make.py): no real run was possible yet.$/\/\/ Real captures of a run (adopted with harness\/test\/nsid-handmade\/adopt.sh)./; s/ on hand-made captures (harness\/test\/nsid-handmade)/ on real captures/" "$root/scenarios/$s/scenario.test.ts"
done
echo "adopted; now: npx tsc --noEmit && npx vitest run --project unit scenarios/nsid"
