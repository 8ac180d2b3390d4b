#!/usr/bin/env python3
"""Hand-made captures for the nsid-* scenarios, written while no real run was possible (the build
lock was taken for the whole session). NOT real captures of the series: replace them with
results/<run>/<series>/<scenario>/guest/ folders of a real `kph run -s audit-nsid@strawman -s
baseline` (and delete fixtures/handmade-*).

How they are made, per scenario:
  - stdout.txt / stderr.txt / exit-code: the scenario's own guest script, run as root on the
    HOST (a kernel without the series: every auditnsid reads "none"), with the guest tools of
    images/guest-tools built statically; this part is real output of the scripts.
  - handmade-baseline: that stdout, and an audit log holding the begin/end markers and the
    SYSCALL records the scenario's rules would log (no NSID record).
  - handmade-audit-nsid@strawman: the same stdout with the auditnsid values a kernel with the
    series would print, and NSID records (type=UNKNOWN[1357], as auditd 3.0.9 logs them) in the
    format of 0002-audit-log-an-NSID-record-..., in the SYSCALL's event when a rule audits the
    call, built from the pids and namespace links the script printed.
Usage: sudo python3 harness/test/nsid-handmade/make.py  (from the repository root)
"""
import json, os, re, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
TOOLS = tempfile.mkdtemp(prefix='kph-nsid-tools-')
for c in os.listdir(os.path.join(ROOT, 'images', 'guest-tools')):
    if c.endswith('.c'):
        subprocess.run(['gcc', '-static', '-O2', '-o', os.path.join(TOOLS, c[:-2]), os.path.join(ROOT, 'images', 'guest-tools', c)], check=True)

LINKS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'time_for_children', 'user', 'uts']
FLAG = {'cgroup': 0x02000000, 'ipc': 0x08000000, 'mnt': 0x00020000, 'net': 0x40000000, 'pid': 0x20000000, 'time': 0x80, 'user': 0x10000000, 'uts': 0x04000000}
SYSNR = {'clone': 56, 'unshare': 272, 'setns': 308}
T0 = 1795341200.0


def script_of(name):
    out = subprocess.run(['npx', 'tsx', '-e', f"import s from './scenarios/{name}/scenario.ts'; process.stdout.write(s.default?.script ?? s.script)"], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout


def run_on_host(name, env):
    d = tempfile.mkdtemp(prefix='kph-nsid-run-')
    open(os.path.join(d, 'script.sh'), 'w').write(script_of(name))
    e = dict(os.environ, PATH=TOOLS + ':' + os.environ['PATH'], **env)
    t = time.time()
    p = subprocess.run(['sh', './script.sh'], cwd=d, env=e, capture_output=True, text=True, timeout=600)
    return p.stdout, p.stderr, p.returncode, int((time.time() - t) * 1000)


def notes(stdout):
    n = {}
    for l in stdout.split('\n'):
        m = re.match(r'^KPH ([\w.-]+)=(.*)$', l)
        if m:
            n.setdefault(m.group(1), []).append(m.group(2))
    return n


def ino(link):
    m = re.search(r':\[(\d+)\]', link or '')
    return int(m.group(1)) if m else 0


class Log:
    def __init__(self, name):
        self.name, self.serial, self.t, self.lines = name, 100, T0, []

    def ev(self):
        self.serial += 1
        self.t += 0.004
        return f'msg=audit({self.t:.3f}:{self.serial})'

    def user(self, text):
        self.lines.append(f"type=USER {self.ev()}: pid=200 uid=0 auid=4294967295 ses=4294967295 msg='text={text} exe=\"/usr/sbin/auditctl\" hostname=? addr=? terminal=? res=success'")

    def syscall(self, nr, pid, ok=True, exit_=0, a0=0, uid=0, comm='unshare', nsid=None):
        m = self.ev()
        self.lines.append(f'type=SYSCALL {m}: arch=c000003e syscall={nr} success={"yes" if ok else "no"} exit={exit_} a0={a0:x} a1=0 a2=0 a3=0 items=0 ppid=1 pid={pid} auid=4294967295 uid={uid} gid={uid} euid={uid} suid={uid} fsuid={uid} egid={uid} sgid={uid} fsgid={uid} tty=(none) ses=4294967295 comm="{comm}" exe="/usr/bin/{comm}" key="kph-nsid"')
        if nsid:
            self.lines.append(f'type=UNKNOWN[1357] {m}: {nsid}')
        self.lines.append(f'type=PROCTITLE {m}: proctitle="{comm}"')

    def nsid_alone(self, text):
        self.lines.append(f'type=UNKNOWN[1357] {self.ev()}: {text}')

    def text(self):
        return '\n'.join(self.lines) + '\n'


def nsid(op, pid, old, flags, new, inums, new_pid=None):
    s = f'op={op} pid={pid} auditnsid={old:08x} nsflags={flags:x}'
    if new_pid is not None:
        s += f' new_pid={new_pid}'
    s += f' new_auditnsid={new:08x} ' + ' '.join(f'{l}_inum={inums.get(l, 0)}' for l in LINKS) + ' res=1'
    return s


def links_of(n, prefix):
    return {l: ino((n.get(f'{prefix}_{l}') or [''])[-1]) for l in LINKS}


STATUS = 'enabled 1\nfailure 1\npid 52\nrate_limit 0\nbacklog_limit 8192\nlost 0\nbacklog 0\nbacklog_wait_time 60000\nbacklog_wait_time_actual 0\nloginuid_immutable 0 unlocked\n'


def write(name, series, stdout, stderr, rc, ms, log):
    d = os.path.join(ROOT, 'scenarios', name, 'fixtures', series)
    os.makedirs(d, exist_ok=True)
    for f, v in [('stdout.txt', stdout), ('stderr.txt', stderr), ('exit-code', f'{rc}\n'), ('duration-ms', f'{ms}\n'), ('audit-full.log', log), ('audit-status-before.txt', STATUS), ('audit-status-after.txt', STATUS)]:
        open(os.path.join(d, f), 'w').write(v)


def fixtures(name, env, model):
    stdout, stderr, rc, ms = run_on_host(name, env)
    n = notes(stdout)
    base, ours = Log(name), Log(name)
    for L in (base, ours):
        L.user(f'kph-begin {name}')
    out2 = model(n, stdout, base, ours)
    for L in (base, ours):
        L.user(f'kph-end {name}')
    write(name, 'handmade-baseline', stdout, stderr, rc, ms, base.text())
    write(name, 'handmade-audit-nsid@strawman', out2, stderr, rc, ms, ours.text())
    print(name, 'rc', rc, 'records', len(ours.lines))


S = 0x25  # the script shell's id in the model: ids minted at boot, sshd, earlier scenarios


def m_unshare(n, out, base, ours):
    pid = int(n['pid'][0])
    base.syscall(272, pid, a0=FLAG['net'])
    ours.syscall(272, pid, a0=FLAG['net'], nsid=nsid('unshare', pid, S, FLAG['net'], S + 1, links_of(n, 'child')))
    return (out.replace('KPH init_auditnsid=none', 'KPH init_auditnsid=00000001').replace('KPH kdevtmpfs_auditnsid=none', 'KPH kdevtmpfs_auditnsid=00000002')
            .replace('KPH parent_auditnsid=none', f'KPH parent_auditnsid={S:08x}').replace('KPH child_auditnsid=none', f'KPH child_auditnsid={S + 1:08x}'))


def m_clone(n, out, base, ours):
    parent, child = int(n['parent'][0]), int(n['child'][0])
    fl = FLAG['mnt'] | FLAG['net']
    base.syscall(56, parent, exit_=child, a0=fl | 17, comm='kph-clone-ns')
    ours.syscall(56, parent, exit_=child, a0=fl | 17, comm='kph-clone-ns', nsid=nsid('clone', parent, S, fl, S + 1, links_of(n, 'child'), new_pid=child))
    return (out.replace('KPH parent_auditnsid_before=none', f'KPH parent_auditnsid_before={S:08x}').replace('KPH child_auditnsid=none', f'KPH child_auditnsid={S + 1:08x}')
            .replace('KPH parent_auditnsid_after=none', f'KPH parent_auditnsid_after={S:08x}'))


HOST_NS = {'cgroup': 4026531835, 'ipc': 4026531839, 'mnt': 4026531841, 'net': 4026531840, 'pid': 4026531836, 'pid_for_children': 4026531836, 'time': 4026531834, 'time_for_children': 4026531834, 'user': 4026531837, 'uts': 4026531838}


def m_inherit(n, out, base, ours):
    outer, inner = int(n['outer'][0]), int(n['inner'][0])
    a = dict(HOST_NS, uts=4026532301)
    b = dict(a, ipc=4026532302)
    ours.nsid_alone(nsid('unshare', outer, S, FLAG['uts'], S + 1, a))
    ours.nsid_alone(nsid('unshare', inner, S + 1, FLAG['ipc'], S + 2, b))
    return out


def m_setns(n, out, base, ours):
    caller, pidfd = int(n['setns_caller'][0]), int(n['pidfd_caller'][0])
    target = links_of(n, 'target')
    allfl = sum(FLAG.values())
    ours.nsid_alone(nsid('unshare', caller - 5, S, allfl, S + 1, dict(HOST_NS, **{k: v for k, v in target.items() if k not in ('pid', 'time')})))
    pf = FLAG['uts'] | FLAG['ipc'] | FLAG['net']
    pidfd_links = links_of(n, 'pidfd')
    base.syscall(308, pidfd, a0=3, comm='kph-setns-each')
    ours.syscall(308, pidfd, a0=3, comm='kph-setns-each', nsid=nsid('setns', pidfd, S, pf, S + 2, pidfd_links))
    cur, nid = dict(HOST_NS), S + 3
    old = S
    for t in ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'uts', 'user']:
        if t == 'pid':
            cur['pid_for_children'] = target['pid']
        elif t == 'time':
            cur['time'] = cur['time_for_children'] = target['time']
        else:
            cur[t] = target[t]
        base.syscall(308, caller, a0=3, comm='kph-setns-each')
        ours.syscall(308, caller, a0=3, comm='kph-setns-each', nsid=nsid('setns', caller, old, FLAG[t], nid, dict(cur)))
        old, nid = nid, nid + 1
    return out


def m_never(n, out, base, ours):
    j = json.loads([l for l in out.split('\n') if l.startswith('{"pid"')][0])
    pid, last = j['pid'], j['last']
    old = S
    pool = [last - 2, last - 1, last]
    for i in range(j['calls']):
        inum = pool[i % 3] if i < j['calls'] - 1 else last
        ours.nsid_alone(nsid('unshare', pid, old, FLAG['net'], old + 1, dict(HOST_NS, net=inum)))
        old += 1
    return out


def m_follow(n, out, base, ours):
    init = int(n['init'][0])
    members = [int(x) for x in n['member']]
    outside = [int(x) for x in n['outside']]
    p2, p3, p4, p5 = [m for m in members if m != init][:4]
    o1, o2, o3, o4 = outside
    ns = dict(HOST_NS)
    A, B, C, D, E, F, G = range(S + 1, S + 8)
    ours.nsid_alone(nsid('unshare', o1, S, FLAG['ipc'], E, ns))
    ours.nsid_alone(nsid('unshare', init, S, FLAG['uts'] | FLAG['net'], A, ns))
    ours.nsid_alone(nsid('unshare', o2, E, FLAG['net'], F, ns))
    ours.nsid_alone(nsid('unshare', p2, A, FLAG['ipc'], B, ns))
    ours.nsid_alone(nsid('clone', o3, S, FLAG['uts'], G, ns, new_pid=o4))
    ours.nsid_alone(nsid('unshare', p3, B, FLAG['mnt'], C, ns))
    ours.nsid_alone(nsid('clone', p4, A, FLAG['uts'], D, ns, new_pid=p5))
    return out


def m_unpriv(n, out, base, ours):
    netp, userp = int(n['net_pid'][0]), int(n['user_pid'][0])
    for L in (base, ours):
        L.syscall(272, netp, ok=False, exit_=-1, a0=FLAG['net'], uid=1000)
    base.syscall(272, userp, a0=FLAG['user'], uid=1000)
    ours.syscall(272, userp, a0=FLAG['user'], uid=1000, nsid=nsid('unshare', userp, S, FLAG['user'], S + 1, dict(HOST_NS, user=ino(n['user_link'][0]))))
    return out


def m_cost(n, out, base, ours):
    loops = {k: json.loads(v[0]) for k, v in n.items() if k.startswith('loop_')}
    nid = S + 1
    u = loops['loop_unshare']
    old = S
    for i in range(u['calls']):
        ours.nsid_alone(nsid('unshare', u['pid'], old, FLAG['uts'], nid, HOST_NS)); old, nid = nid, nid + 1
    s = loops['loop_setns']
    old = S
    for i in range(s['calls'] + 1):
        ours.nsid_alone(nsid('unshare' if i == 0 else 'setns', s['pid'], old, FLAG['uts'], nid, HOST_NS)); old, nid = nid, nid + 1
    c = loops['loop_clone']
    for i in range(c['calls']):
        ours.nsid_alone(nsid('clone', c['pid'], S, FLAG['uts'], nid, HOST_NS, new_pid=c['pid'] + 1 + i)); nid += 1
    return out


def m_thread(n, out, base, ours):
    tgid, tid, child = int(n['tgid'][0]), int(n['thread_tid'][0]), int(n['vfork_child'][0])
    tl = dict(HOST_NS, net=ino(n['thread_net'][0]))
    vl = dict(HOST_NS, uts=ino(n['vfork_uts'][0]))
    base.syscall(56, tgid, exit_=tid, a0=0x7d2f00 | FLAG['net'], comm='kph-clone-thread')
    ours.syscall(56, tgid, exit_=tid, a0=0x7d2f00 | FLAG['net'], comm='kph-clone-thread', nsid=nsid('clone', tgid, S, FLAG['net'], S + 1, tl, new_pid=tid))
    base.syscall(56, tgid, exit_=child, a0=0x4011 | FLAG['uts'], comm='kph-clone-thread')
    ours.syscall(56, tgid, exit_=child, a0=0x4011 | FLAG['uts'], comm='kph-clone-thread', nsid=nsid('clone', tgid, S, FLAG['uts'], S + 2, vl, new_pid=child))
    return (out.replace('KPH main_auditnsid_before=none', f'KPH main_auditnsid_before={S:08x}').replace('KPH main_auditnsid_after=none', f'KPH main_auditnsid_after={S:08x}')
            .replace('KPH main_auditnsid_end=none', f'KPH main_auditnsid_end={S:08x}').replace('KPH thread_auditnsid=none', f'KPH thread_auditnsid={S + 1:08x}')
            .replace('KPH vfork_auditnsid=none', f'KPH vfork_auditnsid={S + 2:08x}'))


MODELS = {'nsid-thread': m_thread, 'nsid-unshare': m_unshare, 'nsid-clone': m_clone, 'nsid-inherit': m_inherit, 'nsid-setns': m_setns, 'nsid-never-reused': m_never, 'nsid-follow': m_follow, 'nsid-unprivileged': m_unpriv, 'nsid-cost': m_cost}

if __name__ == '__main__':
    for name in (sys.argv[1:] or MODELS):
        fixtures(name, {'N': '100' if name == 'nsid-cost' else '1000'}, MODELS[name])
