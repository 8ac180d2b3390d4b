// The base tree's own connector selftest, tools/testing/selftests/connector/proc_filter.c, built
// on the host against the series' exported headers (harness/image/selftests.ts) and uploaded
// to /tmp/kph-selftests after boot. Run as its Makefile/usage says: without arguments (every
// event) and with -f (struct proc_input filter PROC_EVENT_NONZERO_EXIT), each while the script
// runs two processes that exit 0 and three that exit non-zero, then stopped with SIGINT.
// Every kernel must pass: exit 0 and "Done total count: N", N >= 15 unfiltered (fork, exec,
// exit of five processes) and exactly 3 with -f (the non-zero exits; the ack is filtered too).
import { check, checkEqual, note, scriptExitedZero } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

export default defineScenario({
  name: 'cn-selftest',
  description: "the tree's connector selftest (proc_filter, unfiltered and -f) built against the series' headers",
  needs: { config: ['CONFIG_CONNECTOR=y', 'CONFIG_PROC_EVENTS=y'], selftests: ['connector'] },
  listener: false,
  script: `
d=/tmp/kph-selftests
if [ ! -x $d/proc_filter ]; then
	echo "KPH built=no"
	echo "proc_filter was not built or not uploaded:" >&2
	cat $d/build-error.txt >&2 2>/dev/null
	exit 1
fi
echo "KPH built=yes"
run() {
	name=$1
	shift
	$d/proc_filter "$@" >$name.out 2>$name.err &
	p=$!
	# Wait until it sleeps in epoll_wait: subscribed (the send comes before epoll_ctl).
	# Builtins only: proc_filter's socket joins the group at bind() and gets its filter at
	# the LISTEN message, so a fork in between (cat, sleep) would reach the -f run unfiltered.
	i=0
	while :; do
		w=
		read -r w </proc/$p/wchan 2>/dev/null
		case "$w" in *epoll*|ep_poll*) break ;; esac
		i=$((i + 1))
		if [ $i -gt 2000000 ]; then echo "$name: proc_filter never waited in epoll_wait" >&2; break; fi
	done
	/bin/true
	/bin/true
	sh -c 'exit 3'
	sh -c 'exit 4'
	sh -c 'exit 5'
	sleep 0.5
	kill -INT $p
	wait $p
	echo "KPH \${name}_exit=$?"
	echo "KPH \${name}_count=$(sed -n 's/^Done total count: //p' $name.out)"
	sed 's/^/  /' $name.out | tail -n 40
}
run unfiltered
run filtered -f
`,
  timeoutSec: 120,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest } = ctx;
    const n = (k: string) => note(guest.notes, k);
    checks.push(scriptExitedZero(guest));
    checks.push(checkEqual('proc_filter built against the series headers and uploaded', n('built'), 'yes', guest.stderr.split('\n').slice(0, 20)));
    checks.push(checkEqual('proc_filter (no filter): exit status', n('unfiltered_exit'), '0', guest.stdout.split('\n')));
    const all = Number(n('unfiltered_count') ?? Number.NaN);
    checks.push(check('proc_filter (no filter): counted the fork, exec and exit events (>= 15)', all >= 15, `Done total count: ${n('unfiltered_count') ?? '(missing)'}`));
    checks.push(checkEqual('proc_filter -f: exit status', n('filtered_exit'), '0', guest.stdout.split('\n')));
    checks.push(checkEqual('proc_filter -f: only the three non-zero exits', n('filtered_count'), '3', guest.stdout.split('\n')));
    return checks;
  },
});
