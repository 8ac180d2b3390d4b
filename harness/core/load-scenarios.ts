// Find and load scenarios: scenarios/<name>/scenario.ts, default export defineScenario({...}).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './errors.js';
import { scenariosDir } from './paths.js';
import type { ParamValue, Scenario } from './scenario.js';

export function listScenarioNames(root = scenariosDir): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'scenario.ts')))
    .sort();
}

/**
 * Scenario names: lower-case letters, digits and dashes, not starting with a dash. They name
 * folders on the host and /tmp/kph/<name> in the guest, and reach shell command lines there.
 */
export const SCENARIO_NAME = /^[a-z0-9][a-z0-9-]*$/;

export async function loadScenario(name: string, root = scenariosDir): Promise<Scenario> {
  if (!SCENARIO_NAME.test(name)) {
    throw new UsageError(`Scenario name "${name}" is not allowed: only lower-case letters, digits and "-" (not first).`, {
      hint: `Rename the scenario (its folder and its name field) to something like "${name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '') || 'my-scenario'}".`,
    });
  }
  const file = join(root, name, 'scenario.ts');
  if (!existsSync(file)) {
    throw new UsageError(`Unknown scenario "${name}".`, { hint: `Scenarios: ${listScenarioNames(root).join(', ') || '(none)'}` });
  }
  const mod = (await import(pathToFileURL(file).href)) as { default?: Scenario };
  const s = mod.default;
  if (!s || typeof s.expect !== 'function' || typeof s.script !== 'string') {
    throw new UsageError(`${file} does not default-export a scenario (use defineScenario).`);
  }
  if (s.name !== name) throw new UsageError(`${file} calls itself "${s.name}"; the folder is "${name}".`);
  return s;
}

/**
 * Apply `--param` overrides: "N=10000" (every scenario that has N) or "setns-loop.N=10000".
 * Unknown names are usage errors, so a typo never silently runs the default.
 */
export function resolveParams(scenarios: Scenario[], overrides: string[]): Map<string, Record<string, ParamValue>> {
  const out = new Map(scenarios.map((s) => [s.name, { ...(s.params ?? {}) }]));
  for (const o of overrides) {
    const m = /^(?:([\w-]+)\.)?(\w+)=(.*)$/.exec(o);
    if (!m) throw new UsageError(`--param ${o}: expected NAME=VALUE or SCENARIO.NAME=VALUE.`);
    const [, scen, key, raw] = m as unknown as [string, string | undefined, string, string];
    const targets = scenarios.filter((s) => (scen ? s.name === scen : true) && s.params && key in s.params);
    if (targets.length === 0) {
      throw new UsageError(`--param ${o}: no selected scenario has a parameter "${key}"${scen ? ` (scenario ${scen})` : ''}.`);
    }
    for (const t of targets) out.get(t.name)![key] = typedParam(o, t.name, key, t.params![key]!, raw);
  }
  return out;
}

/** A --param value converted to the type of the scenario's default, or a usage error. */
export function typedParam(option: string, scenario: string, key: string, def: ParamValue, raw: string): ParamValue {
  if (typeof def === 'string') return raw;
  const integer = Number.isInteger(def);
  const ok = integer ? /^-?\d+$/.test(raw) : /^-?\d+(\.\d+)?$/.test(raw);
  if (!ok) throw new UsageError(`--param ${option}: ${scenario}.${key} takes ${integer ? 'a whole number' : 'a number'} (its default is ${def}), got "${raw}".`);
  return Number(raw);
}
