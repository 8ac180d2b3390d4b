// Parse auditd's raw log into records and events. Pure.
//
// Accepts lines as auditd 3.0.9 writes them with log_format = RAW:
//   type=SYSCALL msg=audit(1732263318.120:245): arch=c000003e syscall=272 success=yes exit=0 ... key="kph"
//   type=UNKNOWN[1340] msg=audit(1732263318.120:245): netns=8 utsns=2 ipcns=1 pidns=4 userns=3 mntns=5
//   type=USER msg=audit(1732263318.300:250): pid=301 uid=0 auid=4294967295 ses=4294967295 msg='kph-begin unshare-net exe="/usr/sbin/auditctl" ...'
// and the kernel's own console form (kauditd printing when no daemon listens):
//   audit: type=1340 audit(1732263318.120:5): pid=1 uid=0 ... old_netns=0 netns=7 res=1

import type { AuditEvent, AuditField, AuditRecord } from '../core/types.js';

/** Names auditd knows for the numbers harness scenarios meet (include/uapi/linux/audit.h). */
export const KNOWN_RECORD_TYPES: Record<number, string> = {
  1100: 'USER_AUTH', 1101: 'USER_ACCT', 1103: 'CRED_ACQ', 1104: 'CRED_DISP', 1105: 'USER_START', 1106: 'USER_END',
  1107: 'USER_AVC', 1005: 'USER', 1112: 'USER_LOGIN', 1130: 'SERVICE_START', 1131: 'SERVICE_STOP', 1305: 'CONFIG_CHANGE',
  1300: 'SYSCALL', 1302: 'PATH', 1307: 'CWD', 1309: 'EXECVE', 1320: 'EOE', 1321: 'BPRM_FCAPS', 1322: 'CAPSET',
  1327: 'PROCTITLE', 1328: 'FEATURE_CHANGE', 2000: 'KERNEL', 2400: 'VIRT_CONTROL', 1006: 'LOGIN', 1335: 'EVENT_LISTENER',
  1334: 'BPF', 1331: 'FANOTIFY', 1330: 'KERN_MODULE', 1329: 'REPLACE', 1700: 'ANOM_PROMISCUOUS', 1701: 'ANOM_ABEND',
  1702: 'ANOM_LINK', 1325: 'NETFILTER_CFG', 1326: 'SECCOMP', 1323: 'NETFILTER_PKT', 1313: 'MMAP', 1318: 'OBJ_PID',
  1311: 'TTY', 1319: 'TTY', 1337: 'OPENAT2', 1336: 'URINGOP', 1304: 'SOCKADDR', 1303: 'IPC', 1308: 'SOCKETCALL', 1317: 'FD_PAIR',
};
const NUMBER_BY_NAME: Record<string, number> = Object.fromEntries(Object.entries(KNOWN_RECORD_TYPES).map(([n, name]) => [name, Number(n)]));

const DAEMON_LINE = /^(?:node=\S+ )?type=(\S+) msg=audit\((\d+\.\d+):(\d+)\):\s?(.*)$/;
const KERNEL_LINE = /audit: type=(\d+) audit\((\d+\.\d+):(\d+)\):\s?(.*)$/;

/** Split `a=1 b="x y" msg='c=d e=f' g=(null)` into fields, keeping raw values and order. */
export function parseFields(body: string): AuditField[] {
  const fields: AuditField[] = [];
  // A field name, '=', then a double- or single-quoted value or a bare token.
  const re = /([A-Za-z_][\w-]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  // ENRICHED logs put resolved fields after a 0x1d byte; RAW never does, so cut them off.
  const raw = body.split('\x1d')[0]!;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) fields.push({ name: m[1]!, raw: m[2]! });
  return fields;
}

/**
 * Parse a log. `names` maps a series' record numbers to names (series.json "records"), so
 * UNKNOWN[1340] reads NS_INFO; unparseable lines are skipped (a console log holds other text).
 */
export function parseAuditLog(text: string, names: Record<string, string> = {}): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    let type: string;
    let typeNumber: number | null;
    let m = DAEMON_LINE.exec(line);
    if (m) {
      const unk = /^UNKNOWN\[(\d+)\]$/.exec(m[1]!);
      typeNumber = unk ? Number(unk[1]) : (NUMBER_BY_NAME[m[1]!] ?? null);
      type = unk ? (names[unk[1]!] ?? m[1]!) : m[1]!;
      // A series may also name a number auditd already knows by another name.
      if (typeNumber !== null && names[String(typeNumber)]) type = names[String(typeNumber)]!;
    } else if ((m = KERNEL_LINE.exec(line))) {
      typeNumber = Number(m[1]);
      type = names[m[1]!] ?? KNOWN_RECORD_TYPES[typeNumber] ?? `UNKNOWN[${m[1]}]`;
    } else continue;
    out.push({ type, typeNumber, timestamp: m[2]!, serial: Number(m[3]), fields: parseFields(m[4]!), line });
  }
  return out;
}

/** Group records into events by serial, in the order events first appear. */
export function groupAuditEvents(records: AuditRecord[]): AuditEvent[] {
  const bySerial = new Map<string, AuditEvent>();
  for (const r of records) {
    const key = `${r.timestamp}:${r.serial}`;
    let ev = bySerial.get(key);
    if (!ev) {
      ev = { serial: r.serial, timestamp: r.timestamp, records: [] };
      bySerial.set(key, ev);
    }
    ev.records.push(r);
  }
  return [...bySerial.values()];
}

/** The value of a field without its quotes, or undefined. */
export function field(r: AuditRecord, name: string): string | undefined {
  const f = r.fields.find((x) => x.name === name);
  if (!f) return undefined;
  return /^(["']).*\1$/s.test(f.raw) ? f.raw.slice(1, -1) : f.raw;
}

/**
 * The records between two USER marker records (`auditctl -m "kph-begin ID"`), exclusive. The
 * last begin marker: a scenario repeated on one guest (`kph run --repeat N`) leaves its earlier
 * windows in the log, and the capture is the latest.
 */
export function sliceBetweenMarkers(records: AuditRecord[], begin: string, end: string): { before: AuditRecord[]; inside: AuditRecord[]; found: { begin: boolean; end: boolean } } {
  const isMarker = (r: AuditRecord, text: string) => {
    // auditctl -m logs msg='text=kph-begin ID exe=... res=success'
    const msg = r.type === 'USER' ? (field(r, 'msg') ?? '').replace(/^text=/, '') : '';
    return msg === text || msg.startsWith(text + ' ');
  };
  let b = -1;
  for (let i = records.length - 1; i >= 0 && b < 0; i--) if (isMarker(records[i]!, begin)) b = i;
  const e = records.findIndex((r, i) => i > b && isMarker(r, end));
  return {
    before: b >= 0 ? records.slice(0, b) : records,
    inside: b >= 0 ? records.slice(b + 1, e >= 0 ? e : records.length) : [],
    found: { begin: b >= 0, end: e >= 0 },
  };
}
