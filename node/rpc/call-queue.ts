import { setImmediate as nextTurn } from 'node:timers/promises';
import { SerialQueue } from '../chain/serial-queue.js';
import type { ChainView } from '../chain/view.js';
import type { Receipt } from '../codec/block.js';

/** What one read-only call answered, and the head it ran against. */
export interface CallOutcome {
  readonly receipt: Receipt;
  readonly blockNumber: number;
}

/**
 * Read-only contract calls from the RPC, one at a time, each with `gasCap` (rpc.callGasLimit).
 *
 * A call runs synchronously on the main thread (the VM is synchronous), so while it runs
 * nothing else does: not consensus timers, not p2p, not block commits. Two things bound
 * that: the gas cap bounds one call's run, and each call first waits for the next turn of
 * the event loop (setImmediate), so whatever became due while the previous call ran goes
 * first; a batch or many clients' calls never run back to back. A call cannot ask for more
 * gas: the request has no gas field, and the chain caps every call at tx_gas_limit too.
 *
 * Not in a worker thread: a call reads the world state through the chain's LevelDB handle
 * and its caches, and a worker would need a second handle on the same LevelDB, which
 * LevelDB's lock forbids within one process.
 */
export class CallQueue {
  private readonly queue = new SerialQueue();

  constructor(
    private readonly chain: ChainView,
    readonly gasCap: number,
  ) {}

  run(from: Uint8Array, to: Uint8Array, input: Uint8Array): Promise<CallOutcome> {
    return this.queue.run(async () => {
      await nextTurn();
      const receipt = this.chain.call(from, to, input, this.gasCap);
      return { receipt, blockNumber: this.chain.head.number };
    });
  }

  /**
   * What an Ethereum transaction from `from` would do (eth_estimateGas: writes and deploys
   * allowed, nothing kept), in the same queue and under the same cap as calls: it runs on
   * the main thread just as they do.
   */
  simulate(from: Uint8Array, to: Uint8Array | null, input: Uint8Array, gasLimit: number): Promise<CallOutcome> {
    return this.queue.run(async () => {
      await nextTurn();
      const receipt = this.chain.simulate({ from, to, input, gasLimit: Math.min(gasLimit, this.gasCap) });
      return { receipt, blockNumber: this.chain.head.number };
    });
  }

  /** Calls queued or running. */
  get size(): number {
    return this.queue.size;
  }
}
