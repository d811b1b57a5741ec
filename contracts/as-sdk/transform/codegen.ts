/**
 * Generates what a contract would otherwise hand-write: the `call` dispatcher (selector ->
 * decode arguments -> method -> encode result), the `deploy` entry point (ABI-encoded
 * constructor arguments -> the @deploy method), the bodies of `@event` declarations, and
 * the JSON ABI. The code is appended to the contract's own file, so it sees the types the
 * contract imported; SDK helpers are imported under `__ld_` aliases to avoid clashes.
 */
import { keccakText, selector, signature, type AbiEntry, type AbiParam } from '../../toolchain/abi-json.js';
import { ContractBuildError } from '../../toolchain/errors.js';
import type { ContractModel, EventDecl, Method, Param } from './model.js';
import { isDynamic } from './types.js';

const SDK_NAMES = [
  'AbiDecoder',
  'AbiEncoder',
  'input',
  'finish',
  'finishWord',
  'selectorOf',
  'unknownSelector',
  'emitEventAt',
  'writeWord',
];

const hex32 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

function abiParams(params: readonly Param[], withIndexed = false): AbiParam[] {
  return params.map((p) =>
    withIndexed ? { name: p.name, type: p.abiType, indexed: p.indexed } : { name: p.name, type: p.abiType },
  );
}

function methodSignature(m: Method): string {
  return signature(m.name, abiParams(m.params));
}

export function abiOf(model: ContractModel): AbiEntry[] {
  const abi: AbiEntry[] = [];
  if (model.deploy)
    abi.push({ type: 'constructor', inputs: abiParams(model.deploy.params), stateMutability: 'nonpayable' });
  for (const m of model.methods) {
    abi.push({
      type: 'function',
      name: m.name,
      inputs: abiParams(m.params),
      outputs: m.returns ? [{ name: '', type: m.returns.abiType }] : [],
      stateMutability: m.view ? 'view' : 'nonpayable',
    });
  }
  for (const e of model.events)
    abi.push({ type: 'event', name: e.name, inputs: abiParams(e.params, true), anonymous: false });
  return abi;
}

/** Decodes a method's arguments into locals __a0.. and calls it on `target`. */
function invoke(target: string, m: Method, indent: string): string[] {
  const lines = m.params.map((p, i) => `${indent}const __a${i} = __dec.read<${p.asType}>();`);
  const call = `${target}.${m.name}(${m.params.map((_, i) => `__a${i}`).join(', ')})`;
  if (!m.returns) return [...lines, `${indent}${call};`, `${indent}return;`];
  const t = m.returns.asType;
  const result = isDynamic(m.returns.abiType)
    ? `__ld_finish(new __ld_AbiEncoder().write<${t}>(${call}).finish());`
    : `__ld_finishWord<${t}>(${call});`;
  return [...lines, `${indent}${result}`, `${indent}return;`];
}

function dispatcher(model: ContractModel): string[] {
  const seen = new Map<number, string>();
  const cases: string[] = [];
  for (const m of model.methods) {
    const sig = methodSignature(m);
    const sel = selector(sig);
    const clash = seen.get(sel);
    if (clash) throw new ContractBuildError(`selector ${hex32(sel)} of ${sig} collides with ${clash}`);
    seen.set(sel, sig);
    cases.push(`    case ${hex32(sel)}: { // ${sig}`, ...invoke('__self', m, '      '), '    }');
  }
  return [
    'export function call(): void {',
    '  const __data = __ld_input();',
    '  const __sel = __ld_selectorOf(__data);',
    '  const __dec = new __ld_AbiDecoder(__data, 4);',
    `  const __self = new ${model.className}();`,
    '  switch (__sel) {',
    ...cases,
    '  }',
    '  __ld_unknownSelector(__sel);',
    '}',
  ];
}

function deployEntry(model: ContractModel): string[] {
  if (!model.deploy) return [];
  return [
    'export function deploy(): void {',
    '  const __dec = new __ld_AbiDecoder(__ld_input(), 0);',
    ...invoke(`new ${model.className}()`, model.deploy, '  '),
    '}',
  ];
}

/**
 * An event's topics, and its data when every non-indexed parameter is static, are written
 * word by word into a zeroed area of the module's static memory (each emit overwrites every
 * word, and the host copies them); dynamic data goes through the AbiEncoder.
 */
function eventBody(e: EventDecl): string[] {
  const topic0 = Array.from(keccakText(signature(e.name, abiParams(e.params)))).join(', ');
  const params = e.params.map((p) => `${p.name}: ${p.asType}`).join(', ');
  const indexed = e.params.filter((p) => p.indexed);
  const data = e.params.filter((p) => !p.indexed);
  const topics = 1 + indexed.length;
  const dataInPlace = !data.some((p) => isDynamic(p.abiType));
  const words = topics + (dataInPlace ? data.length : 0);
  const write = (p: Param, word: number) => `  __ld_writeWord<${p.asType}>(__at + ${word * 32}, ${p.name});`;
  const dataLines = dataInPlace
    ? [
        ...data.map((p, i) => write(p, topics + i)),
        `  __ld_emitEventAt(__at, ${topics}, __at + ${topics * 32}, ${data.length * 32});`,
      ]
    : [
        '  const __enc = new __ld_AbiEncoder();',
        ...data.map((p) => `  __enc.write<${p.asType}>(${p.name});`),
        '  const __data = __enc.finish();',
        `  __ld_emitEventAt(__at, ${topics}, __data.dataStart, __data.length);`,
      ];
  return [
    `function ${e.name}(${params}): void {`,
    `  const __at = memory.data(${words * 32});`,
    `  memory.copy(__at, memory.data<u8>([${topic0}]), 32);`,
    ...indexed.map((p, i) => write(p, 1 + i)),
    ...dataLines,
    '}',
  ];
}

/**
 * The contract file's new text: event declarations blanked in place (same length, same
 * line breaks, so compiler diagnostics keep pointing at the right lines) and the
 * generated code appended.
 */
export function generateSource(text: string, model: ContractModel, sdkImportPath: string): string {
  let out = text;
  for (const e of model.events) {
    out = out.slice(0, e.start) + out.slice(e.start, e.end).replace(/[^\n]/g, ' ') + out.slice(e.end);
  }
  const imports = SDK_NAMES.map((n) => `${n} as __ld_${n}`).join(', ');
  const generated = [
    '',
    '// ---- generated by the Lingding contract transform ----',
    `import { ${imports} } from ${JSON.stringify(sdkImportPath)};`,
    ...model.events.flatMap(eventBody),
    ...dispatcher(model),
    ...deployEntry(model),
  ];
  return out + '\n' + generated.join('\n') + '\n';
}
