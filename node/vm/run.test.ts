import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import { COMPUTE_WAT, errorString, HOST_IMPORTS, u32Input, watBytes } from '../../test/helpers/vm/contracts.js';
import { address, MemoryHost, newWorld, type World } from '../../test/helpers/vm/memory-host.js';
import { wat } from '../../test/helpers/vm/wat.js';
import {
  DynamicCost,
  HostCost,
  InstantiateCost,
  ModuleCache,
  prepareContract,
  runContract,
  TrapReason,
  type EntryPoint,
  type HostEnv,
  type PreparedContract,
  type RunResult,
} from './index.js';

const SELF = address(1);
const ONE_PAGE = InstantiateCost.base + InstantiateCost.perMemoryPage;

const prepare = (body: string, fields = '') =>
  prepareContract(
    wat(`(module
  ${HOST_IMPORTS}
  (memory (export "memory") 1)
  ${fields}
  (func (export "call") ${body}))`),
  );

interface RunOptions {
  input?: Uint8Array;
  gasLimit?: number;
  world?: World;
  host?: HostEnv;
  entry?: EntryPoint;
}

function run(
  prepared: PreparedContract,
  { input = new Uint8Array(), gasLimit = 10_000_000, world = newWorld(), host, entry = 'call' }: RunOptions = {},
): RunResult {
  return runContract({ prepared, entry, input, gasLimit, host: host ?? new MemoryHost(world, SELF) });
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('runContract: results', () => {
  it('returns finish() data and charges exactly the schedule', () => {
    const p = prepare('(i32.store (i32.const 0) (i32.const 0x64636261)) (call $finish (i32.const 0) (i32.const 4))');
    const r = run(p);
    expect(r.status).toBe('success');
    expect(text(r.output)).toBe('abcd');
    // instantiation + one segment (4 consts, store, call) + finish(4 bytes)
    expect(r.gasUsed).toBe(ONE_PAGE + (4 * 1 + 3 + 10) + HostCost.finish.base + 4 * HostCost.finish.perByte);
  });

  it('returns success with empty output when `call` just returns', () => {
    expect(run(prepare(''))).toEqual({ status: 'success', gasUsed: ONE_PAGE, output: new Uint8Array() });
  });

  it('reverts with an Error(string) reason and keeps the revert data', () => {
    const data = errorString('insufficient balance');
    const r = run(
      prepare(`(call $revert (i32.const 0) (i32.const ${data.length}))`, `(data (i32.const 0) "${watBytes(data)}")`),
    );
    expect(r.status).toBe('revert');
    expect(r.revertReason).toBe('insufficient balance');
    expect(r.output).toEqual(data);
    expect(r.gasUsed).toBeLessThan(20_000);
  });

  it('reverts with plain UTF-8 text as the reason', () => {
    const r = run(prepare('(call $revert (i32.const 0) (i32.const 4))', '(data (i32.const 0) "nope")'));
    expect(r).toMatchObject({ status: 'revert', revertReason: 'nope' });
  });

  it('runs `_initialize` before the entry point, metered, on every run', () => {
    const p = prepare(
      '(i32.store (i32.const 0) (global.get $ready)) (call $finish (i32.const 0) (i32.const 4))',
      '(global $ready (mut i32) (i32.const 0)) (func (export "_initialize") (global.set $ready (i32.const 7)))',
    );
    expect(p.hasInitialize).toBe(true);
    const r = run(p);
    expect(new DataView(r.output.buffer, r.output.byteOffset).getInt32(0, true)).toBe(7);
    // _initialize's own block: const + global.set
    expect(r.gasUsed).toBe(run(prepare('(call $finish (i32.const 0) (i32.const 4))')).gasUsed + 2 + (1 + 3 + 1));
  });

  it('treats a missing `deploy` as an empty constructor and runs a present one', () => {
    expect(run(prepare(''), { entry: 'deploy' })).toMatchObject({ status: 'success', gasUsed: ONE_PAGE });
    const world = newWorld();
    const p = prepareContract(
      wat(`(module ${HOST_IMPORTS} (memory (export "memory") 1) (data (i32.const 0) "k")
        (func (export "deploy") (call $storage_set (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)))
        (func (export "call")))`),
    );
    expect(run(p, { entry: 'deploy', world }).status).toBe('success');
    expect(world.storage.get(Buffer.from(SELF).toString('hex'))?.size).toBe(1);
  });
});

describe('runContract: gas', () => {
  const loop = prepare('(loop $l (br $l))');

  it('stops an infinite loop with outOfGas at the same gasUsed every run', () => {
    const results = Array.from({ length: 5 }, () => run(loop, { gasLimit: 1_000_000 }));
    for (const r of results) expect(r).toEqual({ status: 'outOfGas', gasUsed: 1_000_000, output: new Uint8Array() });
  });

  it('needs exactly the gas it reports: one unit less runs out', () => {
    const p = prepareContract(wat(COMPUTE_WAT));
    const input = u32Input(1000);
    const cache = new ModuleCache();
    const first = runContract({
      prepared: p,
      entry: 'call',
      input,
      gasLimit: 10_000_000,
      host: new MemoryHost(newWorld(), SELF),
    });
    expect(first.status).toBe('success');
    for (let i = 0; i < 3; i++) {
      const again = runContract({
        prepared: p,
        entry: 'call',
        input,
        gasLimit: 10_000_000,
        host: new MemoryHost(newWorld(), SELF),
        cache,
      });
      expect(again).toEqual(first);
    }
    expect(run(p, { input, gasLimit: first.gasUsed })).toEqual(first);
    expect(run(p, { input, gasLimit: first.gasUsed - 1 }).status).toBe('outOfGas');
  });

  it('refuses to instantiate without gas for the initial memory', () => {
    expect(run(prepare(''), { gasLimit: ONE_PAGE - 1 })).toEqual({
      status: 'outOfGas',
      gasUsed: ONE_PAGE - 1,
      output: new Uint8Array(),
    });
  });

  it('charges memory.grow per page and bulk memory per word', () => {
    const grow = (pages: number) => run(prepare(`(drop (memory.grow (i32.const ${pages})))`)).gasUsed;
    expect(grow(3) - grow(0)).toBe(3 * DynamicCost.memoryGrowPerPage);
    const fill = (n: number) => run(prepare(`(memory.fill (i32.const 0) (i32.const 1) (i32.const ${n}))`)).gasUsed;
    expect(fill(1000) - fill(0)).toBe(125 * DynamicCost.bulkPerWord);
    expect(fill(1001) - fill(0)).toBe(126 * DynamicCost.bulkPerWord);
  });

  it('caps memory at 256 pages when the module declares no maximum', () => {
    const p = prepare(`
      (i32.store (i32.const 0) (memory.grow (i32.const 255)))
      (i32.store (i32.const 4) (memory.grow (i32.const 1)))
      (call $finish (i32.const 0) (i32.const 8))`);
    const r = run(p, { gasLimit: 100_000_000 });
    expect(r.status).toBe('success');
    const view = new DataView(r.output.buffer, r.output.byteOffset);
    expect(view.getInt32(0, true)).toBe(1);
    expect(view.getInt32(4, true)).toBe(-1);
  });

  it('runs out of gas in a host call before the call has any effect', () => {
    const world = newWorld();
    const p = prepare('(call $storage_set (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1))');
    const r = run(p, { world, gasLimit: ONE_PAGE + 20 + HostCost.storage_set.base });
    expect(r.status).toBe('outOfGas');
    expect(world.storage.size).toBe(0);
  });
});

describe('runContract: traps', () => {
  it.each([
    ['unreachable', 'unreachable', /unreachable/],
    ['memory out of bounds', '(drop (i32.load (i32.const 65535)))', /out of bounds/],
    ['division by zero', '(drop (i32.div_u (i32.const 1) (i32.const 0)))', /divi/],
    [
      'host pointer out of bounds',
      '(call $finish (i32.const 65000) (i32.const 1000))',
      /finish: memory access out of bounds/,
    ],
    [
      'too many event topics',
      '(call $emit_event (i32.const 0) (i32.const 5) (i32.const 0) (i32.const 0))',
      /at most 4/,
    ],
    [
      'input range outside the input',
      '(call $input_copy (i32.const 0) (i32.const 2) (i32.const 4))',
      /outside the 4-byte source/,
    ],
  ])('%s → trap consuming the gas limit', (_name, body, message) => {
    const r = run(prepare(body), { input: u32Input(1), gasLimit: 500_000 });
    expect(r.status).toBe('trap');
    expect(r.gasUsed).toBe(500_000);
    expect(r.trapMessage).toMatch(message);
  });

  it('reports an out-of-bounds data segment as a trap at instantiation', () => {
    const r = run(prepare('', '(data (i32.const 65535) "xy")'));
    expect(r.status).toBe('trap');
    expect(r.trapMessage).toMatch(/instantiation failed/);
    expect(r.trapReason).toBe(TrapReason.Instantiation);
  });

  it("gives engine traps a reason in the VM's own words; the engine's wording stays a diagnostic", () => {
    for (const body of [
      'unreachable',
      '(drop (i32.load (i32.const 65535)))',
      '(drop (i32.div_u (i32.const 1) (i32.const 0)))',
    ]) {
      const r = run(prepare(body), { input: u32Input(1), gasLimit: 500_000 });
      expect(r.trapReason).toBe(TrapReason.Engine);
      expect(r.trapMessage).not.toBe(TrapReason.Engine); // V8's text, whatever this Node version says
    }
    // Host traps are worded by the VM itself, so their words are the reason.
    const host = run(prepare('(call $finish (i32.const 65000) (i32.const 1000))'), { gasLimit: 500_000 });
    expect(host.trapReason).toBe(host.trapMessage);
  });
});

describe('runContract: host API', () => {
  it('exposes storage, context, events, hashing, signatures and logs', () => {
    const world = newWorld();
    const host = new MemoryHost(world, SELF, address(0xaa), address(0xbb));
    const digest = new Uint8Array(32).fill(7);
    const pubkey = new Uint8Array(33).fill(9);
    const signature = keccak_256(new Uint8Array([...digest, ...pubkey]));
    const p = prepare(
      `
      ;; storage: set k=v, read it back, read a missing key, remove
      (call $storage_set (i32.const 0) (i32.const 3) (i32.const 3) (i32.const 5))
      (i32.store (i32.const 100) (call $storage_get (i32.const 0) (i32.const 3) (i32.const 104) (i32.const 2)))
      (i32.store (i32.const 108) (call $storage_get (i32.const 8) (i32.const 3) (i32.const 112) (i32.const 8)))
      (call $storage_set (i32.const 8) (i32.const 3) (i32.const 3) (i32.const 1))
      (call $storage_remove (i32.const 8) (i32.const 3))
      ;; context
      (call $caller (i32.const 120))
      (call $origin (i32.const 140))
      (call $self_address (i32.const 160))
      (i64.store (i32.const 180) (call $block_number))
      (i64.store (i32.const 188) (call $timestamp))
      ;; hash of "key", an event with two topics, a log line
      (call $hash (i32.const 0) (i32.const 3) (i32.const 196))
      (call $emit_event (i32.const 196) (i32.const 2) (i32.const 3) (i32.const 5))
      (call $debug_log (i32.const 3) (i32.const 5))
      ;; signature check with the host's rule
      (i32.store (i32.const 228) (call $verify_signature (i32.const 300) (i32.const 400) (i32.const 32) (i32.const 500) (i32.const 33)))
      (i32.store (i32.const 232) (call $verify_signature (i32.const 300) (i32.const 500) (i32.const 32) (i32.const 500) (i32.const 33)))
      (call $finish (i32.const 100) (i32.const 136))`,
      `(data (i32.const 0) "keyvalue")
       (data (i32.const 300) "${watBytes(digest)}")
       (data (i32.const 400) "${watBytes(signature)}")
       (data (i32.const 500) "${watBytes(pubkey)}")`,
    );
    const r = runContract({ prepared: p, entry: 'call', input: new Uint8Array(), gasLimit: 10_000_000, host });
    expect(r.status).toBe('success');
    const out = r.output;
    const i32 = (at: number) => new DataView(out.buffer, out.byteOffset).getInt32(at - 100, true);
    const i64 = (at: number) => new DataView(out.buffer, out.byteOffset).getBigInt64(at - 100, true);
    const bytes = (at: number, n: number) => out.subarray(at - 100, at - 100 + n);
    expect(i32(100)).toBe(5); // full length, though only 2 bytes were copied
    expect(text(bytes(104, 2))).toBe('va');
    expect(i32(108)).toBe(-1);
    expect(bytes(120, 20)).toEqual(address(0xaa));
    expect(bytes(140, 20)).toEqual(address(0xbb));
    expect(bytes(160, 20)).toEqual(SELF);
    expect(i64(180)).toBe(42n);
    expect(i64(188)).toBe(1_700_000_000_000n);
    expect(bytes(196, 32)).toEqual(keccak_256(new TextEncoder().encode('key')));
    expect(i32(228)).toBe(1);
    expect(i32(232)).toBe(0);

    const slots = world.storage.get(Buffer.from(SELF).toString('hex'))!;
    expect([...slots.keys()]).toEqual([Buffer.from('key').toString('hex')]);
    expect(text(slots.get(Buffer.from('key').toString('hex'))!)).toBe('value');
    expect(world.events).toHaveLength(1);
    expect(world.events[0].topics.map((t) => t.length)).toEqual([32, 32]);
    expect(text(world.events[0].data)).toBe('value');
    expect(world.logs).toEqual(['value']);
  });

  it('echoes its input', () => {
    const p = prepare(`
      (call $input_copy (i32.const 0) (i32.const 0) (call $input_size))
      (call $finish (i32.const 0) (call $input_size))`);
    expect(text(run(p, { input: new TextEncoder().encode('ping') }).output)).toBe('ping');
  });

  it('calls other contracts, forwarding gas and returning their data', () => {
    const world = newWorld();
    const echo = prepare(`
      (call $input_copy (i32.const 0) (i32.const 0) (call $input_size))
      (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 0x72)) (then (call $revert (i32.const 0) (call $input_size))))
      (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 0x74)) (then unreachable))
      (call $finish (i32.const 0) (call $input_size))`);
    world.contracts.set(Buffer.from(address(2)).toString('hex'), echo);
    // Calls address(2) with its own input, then returns [status, return data...].
    const caller = prepare(
      `
      (call $input_copy (i32.const 100) (i32.const 0) (call $input_size))
      (i32.store (i32.const 200) (call $call_contract (i32.const 0) (i32.const 100) (call $input_size) (i64.const -1)))
      (call $return_data_copy (i32.const 204) (i32.const 0) (call $return_data_size))
      (call $finish (i32.const 200) (i32.add (i32.const 4) (call $return_data_size)))`,
      `(data (i32.const 0) "${watBytes(address(2))}")`,
    );
    const call = (msg: string, gasLimit = 10_000_000) => {
      const r = run(caller, { world, input: new TextEncoder().encode(msg), gasLimit });
      return {
        ...r,
        code: r.output.length ? new DataView(r.output.buffer, r.output.byteOffset).getInt32(0, true) : undefined,
        data: text(r.output.subarray(4)),
      };
    };
    expect(call('hello')).toMatchObject({ status: 'success', code: 0, data: 'hello' });
    expect(call('revert!')).toMatchObject({ status: 'success', code: 1, data: 'revert!' });
    // A trapping callee burns what it was forwarded; the caller keeps 1/64 and finishes.
    const trapped = call('trap');
    expect(trapped).toMatchObject({ status: 'success', code: 2, data: '' });
    expect(trapped.gasUsed).toBeGreaterThan(9_800_000);
    expect(call('hello').gasUsed).toBeLessThan(2 * ONE_PAGE + 20_000);
  });

  it('propagates an exception thrown by the HostEnv (a node fault, not a contract outcome)', () => {
    const world = newWorld();
    const host = new MemoryHost(world, SELF);
    host.storageSet = () => {
      throw new Error('disk on fire');
    };
    expect(() =>
      run(prepare('(call $storage_set (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1))'), { host }),
    ).toThrow('disk on fire');
  });

  it('makes no host call once a run has failed', () => {
    const calls: string[] = [];
    let finished = false;
    const inner = new MemoryHost(newWorld(), SELF);
    const host = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (finished) throw new Error(`host call ${String(prop)} after the run ended`);
          calls.push(String(prop));
          return value.apply(target, args);
        };
      },
    });
    // Writes until the gas runs out.
    const r = run(
      prepare('(loop $l (call $storage_set (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1)) (br $l))'),
      { host, gasLimit: 200_000 },
    );
    finished = true;
    expect(r.status).toBe('outOfGas');
    // Each round: 4 consts + call + br = 16 gas of code, then the write; the last write's charge fails.
    const round = 16 + HostCost.storage_set.base + 2 * HostCost.storage_set.perByte;
    expect(calls).toEqual(Array(Math.floor((200_000 - ONE_PAGE) / round)).fill('storageSet'));
  });
});
