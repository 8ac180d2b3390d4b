// Kconfig fragments as data: parse, merge and check which requested options survived
// olddefconfig. Pure: no files, no processes.
//
// Accepts fragment and .config lines such as:
//   CONFIG_AUDIT=y
//   CONFIG_NR_CPUS=8
//   CONFIG_CMDLINE="console=ttyS0"
//   # CONFIG_MODULES is not set

export type KconfigValue = string; // 'y' | 'm' | 'n' | number | quoted string, as written

export interface FragmentSource {
  /** Where the lines came from, for messages: "harness base", "series ns-serial@v5", "scenario setns-loop". */
  origin: string;
  text: string;
}

export interface RequestedOption {
  option: string;
  value: KconfigValue;
  origin: string;
}

const SET = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const UNSET = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;

/** Parse .config or fragment text into option → value ('n' for "is not set"). */
export function parseKconfig(text: string): Map<string, KconfigValue> {
  const out = new Map<string, KconfigValue>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m = SET.exec(line);
    if (m) {
      out.set(m[1]!, m[2]!);
      continue;
    }
    m = UNSET.exec(line);
    if (m) out.set(m[1]!, 'n');
  }
  return out;
}

export interface MergeResult {
  options: RequestedOption[];
  /** An option two sources set to different values: the later source wins, but say so. */
  conflicts: { option: string; values: { value: string; origin: string }[] }[];
}

/** Merge fragments in order; later ones win. Rejects lines that are not options or comments. */
export function mergeFragments(sources: FragmentSource[]): MergeResult {
  const byOption = new Map<string, RequestedOption>();
  const conflicts = new Map<string, { value: string; origin: string }[]>();
  for (const src of sources) {
    src.text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '') return;
      if (!SET.test(line) && !UNSET.test(line) && line.startsWith('#')) return;
      const parsed = parseKconfig(line);
      if (parsed.size !== 1) {
        throw new Error(`${src.origin}: line ${i + 1} is not a Kconfig option: ${JSON.stringify(raw)}`);
      }
      const [option, value] = [...parsed][0]!;
      const prev = byOption.get(option);
      if (prev && prev.value !== value) {
        const list = conflicts.get(option) ?? [{ value: prev.value, origin: prev.origin }];
        list.push({ value, origin: src.origin });
        conflicts.set(option, list);
      }
      byOption.delete(option);
      byOption.set(option, { option, value, origin: src.origin });
    });
  }
  return {
    options: [...byOption.values()],
    conflicts: [...conflicts].map(([option, values]) => ({ option, values })),
  };
}

/** Render merged options as a fragment for merge_config.sh. */
export function renderFragment(options: RequestedOption[]): string {
  return (
    options.map((o) => (o.value === 'n' ? `# ${o.option} is not set` : `${o.option}=${o.value}`)).join('\n') +
    '\n'
  );
}

export interface DroppedOption {
  option: string;
  wanted: KconfigValue;
  got: KconfigValue | null;
  origin: string;
}

/** Requested options whose final value differs; "n" is satisfied by an absent option too. */
export function findDroppedOptions(requested: RequestedOption[], finalConfig: Map<string, KconfigValue>): DroppedOption[] {
  const dropped: DroppedOption[] = [];
  for (const r of requested) {
    const got = finalConfig.get(r.option) ?? null;
    const ok = r.value === 'n' ? got === null || got === 'n' : got === r.value;
    if (!ok) dropped.push({ option: r.option, wanted: r.value, got, origin: r.origin });
  }
  return dropped;
}
