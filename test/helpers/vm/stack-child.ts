/**
 * Run by node/vm/stack.test.ts in a child process under a chosen `node --stack-size`:
 * unbounded recursion in three shapes, each printed as one JSON line. The depth reached
 * is counted through debug_log, which the in-memory host records.
 */
import {
  DEFAULT_VM_LIMITS,
  prepareContract,
  runContract,
  VmInternalError,
  type VmLimits,
} from '../../../node/vm/index.js';
import { HOST_IMPORTS, watBytes } from './contracts.js';
import { address, MemoryHost, newWorld } from './memory-host.js';
import { wat } from './wat.js';

const SELF = address(7);
const bigLocals = Array.from({ length: 900 }, () => 'i64').join(' ');

const shapes: Record<string, string> = {
  // A tiny frame per level.
  small: `(func $r (call $debug_log (i32.const 0) (i32.const 0)) (call $r))
          (func (export "call") (call $r))`,
  // ~900 locals per level: the frame estimate, not the call count, decides the depth.
  big: `(func $r (local ${bigLocals}) (call $debug_log (i32.const 0) (i32.const 0)) (call $r))
        (func (export "call") (call $r))`,
  // Recursion through the host: the contract calls itself with call_contract.
  nested: `(data (i32.const 0) "${watBytes(SELF)}")
           (func (export "call")
             (call $debug_log (i32.const 0) (i32.const 0))
             (drop (call $call_contract (i32.const 0) (i32.const 0) (i32.const 0) (i64.const -1))))`,
};

const generous: VmLimits = { ...DEFAULT_VM_LIMITS, maxStackBytes: 1 << 30 };

for (const [name, fields] of Object.entries(shapes)) {
  for (const [limitsName, limits] of [
    ['default', DEFAULT_VM_LIMITS],
    ['generous', generous],
  ] as const) {
    const prepared = prepareContract(wat(`(module ${HOST_IMPORTS} (memory (export "memory") 1) ${fields})`), limits);
    const world = newWorld();
    world.contracts.set(Buffer.from(SELF).toString('hex'), prepared);
    try {
      const r = runContract({
        prepared,
        entry: 'call',
        input: new Uint8Array(),
        gasLimit: 4_000_000_000,
        host: new MemoryHost(world, SELF),
      });
      console.log(
        JSON.stringify({
          name,
          limits: limitsName,
          status: r.status,
          gasUsed: r.gasUsed,
          trapMessage: r.trapMessage,
          depth: world.logs.length,
        }),
      );
    } catch (e) {
      console.log(
        JSON.stringify({
          name,
          limits: limitsName,
          error: e instanceof VmInternalError ? 'VmInternalError' : String(e),
          depth: world.logs.length,
        }),
      );
    }
  }
}
