import { ReceiptStatus, type Log, type Receipt, type ReceiptStatusCode } from '../codec/block.js';
import { hexKey } from '../codec/hex.js';
import type { Transaction } from '../codec/tx.js';
import type { StateOverlay } from '../state/overlay.js';
import { GasMeter, intrinsicGas, OutOfGasError } from './gas.js';
import { SYSTEM_CONTRACTS } from './system/index.js';
import { CallFailure, RevertError, type BlockContext, type CallFrame, type Contract } from './types.js';

/**
 * Where contract code runs. Built-in system contracts are resolved first; everything
 * else goes to the VM, which the WebAssembly issue plugs in. Until then deployments and
 * calls to unknown addresses fail with a clear receipt.
 */
export interface ContractVm {
  /** Deploys `code`, running its constructor; returns the new contract's address. */
  deploy(frame: CallFrame, code: Uint8Array): Uint8Array;
  /** Returns the contract at `address`, or null if there is none. */
  resolve(state: StateOverlay, address: Uint8Array): Contract | null;
}

export interface ExecutedTx {
  readonly receipt: Receipt;
}

export interface TxInput {
  readonly tx: Transaction;
  /** The sender recovered (and cached) when the transaction entered the pool. */
  readonly sender: Uint8Array;
}

export class Executor {
  constructor(private readonly vm: ContractVm | null = null) {}

  /**
   * Runs one transaction over `blockState`. Its writes land in `blockState` only if it
   * succeeds; a failed transaction still produces a receipt (and uses gas) but changes
   * nothing else.
   */
  runTx(block: BlockContext, blockState: StateOverlay, input: TxInput): Receipt {
    const { tx, sender } = input;
    const gas = new GasMeter(tx.gasLimit);
    const txState = blockState.child();
    const logs: Log[] = [];
    let status: ReceiptStatusCode = ReceiptStatus.Success;
    let output: Uint8Array = new Uint8Array();
    let contractAddress: Uint8Array | null = null;
    let message = '';
    try {
      gas.charge(intrinsicGas(tx.input.length));
      const frame: CallFrame = {
        block,
        state: txState,
        gas,
        origin: sender,
        sender,
        self: tx.to ?? new Uint8Array(20),
        input: tx.input,
        readOnly: false,
        emit: (log) => logs.push(log),
      };
      if (tx.to === null) {
        if (!this.vm) throw new CallFailure(ReceiptStatus.DeployFailed, 'contract deployment is not available: this node has no contract VM');
        contractAddress = this.vm.deploy(frame, tx.input);
      } else {
        output = this.resolve(txState, tx.to).call(frame);
      }
    } catch (e) {
      ({ status, message, output } = failure(e));
      logs.length = 0;
      contractAddress = null;
    }
    if (status === ReceiptStatus.Success) txState.mergeInto(blockState);
    return { status, gasUsed: gas.used, output, logs, contractAddress, message };
  }

  /** A read-only call (the `call` RPC): nothing it does is kept. */
  call(block: BlockContext, state: StateOverlay, from: Uint8Array, to: Uint8Array, input: Uint8Array, gasLimit: number): Receipt {
    const gas = new GasMeter(gasLimit);
    const frame: CallFrame = {
      block,
      state: state.child(),
      gas,
      origin: from,
      sender: from,
      self: to,
      input,
      readOnly: true,
      emit: () => {},
    };
    try {
      const output = this.resolve(frame.state, to).call(frame);
      return { status: ReceiptStatus.Success, gasUsed: gas.used, output, logs: [], contractAddress: null, message: '' };
    } catch (e) {
      return { ...failure(e), gasUsed: gas.used, logs: [], contractAddress: null };
    }
  }

  private resolve(state: StateOverlay, to: Uint8Array): Contract {
    const builtin = SYSTEM_CONTRACTS.get(hexKey(to));
    if (builtin) return builtin;
    const deployed = this.vm?.resolve(state, to) ?? null;
    if (!deployed) throw new CallFailure(ReceiptStatus.BadCall, `no contract at address 0x${hexKey(to)}`);
    return deployed;
  }
}

function failure(e: unknown): { status: ReceiptStatusCode; message: string; output: Uint8Array } {
  if (e instanceof OutOfGasError) return { status: ReceiptStatus.OutOfGas, message: e.message, output: new Uint8Array() };
  if (e instanceof RevertError) return { status: ReceiptStatus.Reverted, message: e.message, output: e.data };
  if (e instanceof CallFailure) return { status: e.status, message: e.message, output: new Uint8Array() };
  // Anything else is a bug in a built-in contract: fail the transaction, never the node.
  return { status: ReceiptStatus.Trapped, message: `internal error: ${(e as Error)?.message ?? String(e)}`, output: new Uint8Array() };
}
