import { describe, expect, it } from 'vitest';
import { buildKernelCmdline, buildQemuArgs, type QemuRequest } from './qemu-args.js';

const req: QemuRequest = { kernel: '/k/bzImage', rootImage: '/i/root.ext4', accel: 'tcg', cpus: 2, memoryMiB: 1024, sshPort: 40022, authorizedKeyB64: 'c3NoLWVkMjU1MTk=' };

describe('buildQemuArgs', () => {
  it('boots TCG with -cpu max, a read-only image and SSH on loopback only', () => {
    const a = buildQemuArgs(req);
    expect(a.join(' ')).toContain('-accel tcg,thread=multi -cpu max');
    expect(a).toContain('file=/i/root.ext4,if=virtio,format=raw,snapshot=on');
    expect(a).toContain('user,id=n0,hostfwd=tcp:127.0.0.1:40022-:22');
    expect(a).toContain('-no-reboot');
  });
  it('uses -cpu host under KVM', () => {
    expect(buildQemuArgs({ ...req, accel: 'kvm' }).join(' ')).toContain('-accel kvm -cpu host');
  });
});

describe('buildKernelCmdline', () => {
  it('makes every panic, oops and hang end the VM, and keeps audit records from boot', () => {
    const c = buildKernelCmdline(req);
    for (const arg of ['console=ttyS0', 'panic=-1', 'oops=panic', 'softlockup_panic=1', 'hung_task_panic=1', 'audit=1', 'audit_backlog_limit=8192', 'init=/sbin/kph-init', 'kph.key=c3NoLWVkMjU1MTk=']) {
      expect(c.split(' ')).toContain(arg);
    }
  });
  it('puts extra arguments last, so init= and "--" from the user win', () => {
    expect(buildKernelCmdline({ ...req, extraCmdline: ['init=/usr/bin/sleep', '--', 'infinity'] })).toMatch(/kph\.key=\S+ init=\/usr\/bin\/sleep -- infinity$/);
  });
});
