import { describe, expect, it } from 'vitest';
import { joinAuditLog } from './captured.js';

describe('joinAuditLog', () => {
  it('prefers a whole log (a fixture, or one copied after a hang)', () => {
    expect(joinAuditLog({ full: 'a\n', boot: 'b\n', window: 'c\n' })).toBe('a\n');
  });
  it('puts the boot\'s records before the window', () => {
    expect(joinAuditLog({ boot: 'type=DAEMON_START x\n', window: 'type=USER y\n' })).toBe('type=DAEMON_START x\ntype=USER y\n');
  });
  it('keeps a line cut where the boot\'s part ends on a line of its own', () => {
    expect(joinAuditLog({ boot: 'type=A x\ntype=B hal', window: 'f\ntype=USER y\n' })).toBe('type=A x\ntype=B hal\nf\ntype=USER y\n');
  });
  it('a window alone (nothing before the boot\'s first scenario)', () => {
    expect(joinAuditLog({ window: 'type=USER y\n' })).toBe('type=USER y\n');
  });
});
