// PROC_CN_GET_FEATURES (rfc-v2 patch 2): asked twice, by the listener (--features, on a socket
// of its own after subscribing) and by `kph-cn-listen --query` in the script. rfc-v2
// (cn-features) answers supported with mask 0x1 (PROC_CN_FEATURE_NS_EVENTS), unicast: the
// listening socket sees no answer. rfc-v1 and the baseline do not know the operation: with a
// listener subscribed, the kernel's ack carries EINVAL (22): unsupported.
import { NO_LISTENER_OUTPUT, check, checkEqual, note, scriptExitedZero } from '../../harness/assert/helpers.js';
import { defineScenario, type Check } from '../../harness/core/scenario.js';

function query(notes: Record<string, string[]>): Record<string, unknown> | null {
  try {
    return JSON.parse(note(notes, 'query') ?? '') as Record<string, unknown>;
  } catch {
    return null;
  }
}

export default defineScenario({
  name: 'feature-query',
  description: 'PROC_CN_GET_FEATURES: supported with mask 1 on rfc-v2, unsupported (EINVAL) elsewhere',
  needs: { config: ['CONFIG_PROC_EVENTS=y'] },
  listener: { args: ['--features'] },
  script: `
echo "KPH query=$(kph-cn-listen --query)"
`,
  timeoutSec: 60,
  expect(ctx) {
    const checks: Check[] = [];
    const { guest, cn, provides } = ctx;
    checks.push(scriptExitedZero(guest));
    const q = query(guest.notes);
    if (!cn) return [...checks, NO_LISTENER_OUTPUT];
    checks.push(check('listener subscribed (acked)', cn.ready, cn.ready ? 'ready' : 'never ready'));
    const answers = cn.events.filter((e) => e.kind === 'none').map((e) => JSON.stringify(e.data));
    if (provides.has('cn-features')) {
      checks.push(checkEqual("listener's query: supported", cn.summary?.features ?? null, 'supported'));
      checks.push(checkEqual('standalone query: supported, mask 0x1 (namespace events)', q, { features: 'supported', mask: 1 }));
      checks.push(check('the answers are unicast: the listening socket saw none', answers.length === 0, `${answers.length} PROC_EVENT_NONE message(s) on the listening socket`, answers));
    } else {
      checks.push(checkEqual("listener's query: unsupported", cn.summary?.features ?? null, 'unsupported'));
      checks.push(checkEqual('standalone query: unsupported, EINVAL in the ack', q, { features: 'unsupported', err: 22 }));
    }
    return checks;
  },
});
