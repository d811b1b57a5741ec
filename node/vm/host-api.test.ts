import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HOST_FUNCTIONS, HostCost, type HostFunctionName } from './index.js';

/** Rows of the "Host functions" table in HOST_API.md: name, signature, gas. */
function documentedHostFunctions(): Map<string, { signature: string; gas: string }> {
  const doc = readFileSync(new URL('./HOST_API.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Host functions'), doc.indexOf('## Gas'));
  const rows = new Map<string, { signature: string; gas: string }>();
  for (const line of section.split('\n')) {
    const m = /^\| `(\w+)` \| `([^`]*)` \| ([^|]+) \|/.exec(line);
    if (m) rows.set(m[1], { signature: m[2], gas: m[3].trim() });
  }
  return rows;
}

describe('HOST_API.md', () => {
  const rows = documentedHostFunctions();

  it('documents exactly the host functions the VM accepts', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(HOST_FUNCTIONS).sort());
  });

  it.each(Object.keys(HOST_FUNCTIONS) as HostFunctionName[])('%s: signature and gas match the code', (name) => {
    const { signature, gas } = rows.get(name)!;
    const type = HOST_FUNCTIONS[name];
    const [params, result] = signature.split(' -> ');
    const arity = params === '()' ? 0 : params.split(',').length;
    expect(arity).toBe(type.params.length);
    expect(result).toBe(type.results.length ? (type.results[0] === 0x7f ? 'i32' : 'i64') : undefined);
    const base = Number(/^(\d+)/.exec(gas)![1]);
    const perByte = Number(/(\d+)\/byte/.exec(gas)?.[1] ?? 0);
    expect({ base, perByte }).toEqual(HostCost[name]);
  });
});
