import { describe, expect, it } from 'vitest';
import { buildKernelCmdline, buildQemuArgs, qemuOptValue, type QemuRequest } from './qemu-args.js';

const req: QemuRequest = { kernel: '/k/bzImage', rootImage: '/i/root.ext4', accel: 'tcg', cpus: 2, memoryMiB: 1024, sshPort: 40022, authorizedKeyB64: 'c3NoLWVkMjU1MTk=' };

describe('buildQemuArgs', () => {
  it('boots TCG with -cpu max, a read-only image and SSH on loopback only', () => {
    const a = buildQemuArgs(req);
    expect(a.join(' ')).toContain('-accel tcg,thread=multi -cpu max');
    expect(a).toContain('file=/i/root.ext4,if=virtio,format=raw,snapshot=on');
    expect(a).toContain('user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22');
    expect(a).toContain('-no-reboot');
  });
  it('keeps the guest in its box: restricted user network, only the SSH forward, on loopback', () => {
    const a = buildQemuArgs(req);
    const netdevs = a.filter((_, i) => a[i - 1] === '-netdev');
    expect(netdevs).toEqual(['user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22']);
    expect(netdevs[0]!.match(/hostfwd=/g)!.length).toBe(1);
    expect(a.join(' ')).not.toMatch(/guestfwd|tcp::|0\.0\.0\.0|-net /);
  });
  it('puts the monitor on a unix socket when given one, never on TCP, and none otherwise', () => {
    const a = buildQemuArgs({ ...req, monitorSocket: '/tmp/kph-vm-Ab12/monitor.sock' });
    expect(a[a.indexOf('-monitor') + 1]).toBe('unix:/tmp/kph-vm-Ab12/monitor.sock,server=on,wait=off');
    expect(a.filter((x) => x === '-monitor').length).toBe(1);
    const none = buildQemuArgs(req);
    expect(none[none.indexOf('-monitor') + 1]).toBe('none');
    expect([...a, ...none].join(' ')).not.toMatch(/telnet|tcp:[^1]/);
  });
  it('doubles commas in values of option lists: cache folders and series labels with commas or spaces', () => {
    expect(qemuOptValue('a,b,,c')).toBe('a,,b,,,,c');
    const a = buildQemuArgs({ ...req, rootImage: '/home/u/my cache,1/images/root.ext4', name: 'kph/run 1/ns,serial@v5', monitorSocket: '/tmp/kph-vm-x,y/monitor.sock' });
    expect(a[a.indexOf('-name') + 1]).toBe('kph/run 1/ns,,serial@v5');
    expect(a).toContain('file=/home/u/my cache,,1/images/root.ext4,if=virtio,format=raw,snapshot=on');
    expect(a[a.indexOf('-monitor') + 1]).toBe('unix:/tmp/kph-vm-x,,y/monitor.sock,server=on,wait=off');
    // -kernel takes a plain path, not an option list: no doubling there.
    expect(buildQemuArgs({ ...req, kernel: '/c,d/bzImage' })).toContain('/c,d/bzImage');
  });
  it('serves the console from stdio through a mux (for a serial BREAK), with Ctrl-C passed to the guest', () => {
    const a = buildQemuArgs(req);
    expect(a.join(' ')).toContain('-chardev stdio,id=con0,mux=on,signal=off -serial chardev:con0');
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
