import { ReceiptStatus, type Log, type Receipt, type ReceiptStatusCode } from '../codec/block.js';
import { hexKey } from '../codec/hex.js';
import { TxType, type Transaction } from '../codec/tx.js';
import type { StateOverlay, StateReader } from '../state/overlay.js';
import { encodeCanonical } from '../codec/canonical.js';
import { fromHex, toHex } from '../codec/hex.js';
import { getCreateAddress } from 'ethers';
import { writeEthNonce } from './eth-nonce.js';
import { ethDeployInput } from './wasm-vm.js';
import { privatePayloadOf, privateRecordProblem } from './private-record.js';
import { VmInternalError } from '../vm/index.js';
import { GasMeter, OutOfGasError, txIntrinsicGas } from './gas.js';
import { ContractGuards } from './contract-guards.js';
import { adminEntry, deployRefusal, pilotLimitFailure, SYSTEM_CONTRACTS, senderRefusal } from './system/index.js';
import {
  CallFailure,
  RevertError,
  type BlockContext,
  type CallFrame,
  type Contract,
  type PrivatePayloadRef,
} from './types.js';

/**
 * Where contract code runs. Built-in system contracts are resolved first; everything
 * else goes to the VM, which the WebAssembly issue plugs in. Until then deployments and
 * calls to unknown addresses fail with a clear receipt.
 */
export interface ContractVm {
  /** Deploys the contract in `input` at `address`, running its constructor in `frame`. */
  deploy(frame: CallFrame, input: Uint8Array, address: Uint8Array): void;
  /** Returns the contract at `address`, or null if there is none. */
  resolve(state: StateReader, address: Uint8Array): Contract | null;
  /** Lets contracts call other contracts, built-in ones included. */
  bindResolver(resolve: (state: StateReader, address: Uint8Array) => Contract | null): void;
}

/** The address of a contract deployed by `sender` in the transaction with `nonce`. */
export function contractAddress(suite: BlockContext['suite'], sender: Uint8Array, nonce: Uint8Array): Uint8Array {
  return suite.hash(encodeCanonical(['lingding/contract', sender, nonce])).subarray(12);
}

/**
 * Where an Ethereum-type deploy lands: Ethereum's CREATE address keccak256(rlp([sender,
 * nonce]))[12:], which ethers computes by itself and waits on.
 */
export function ethContractAddress(sender: Uint8Array, nonce: number): Uint8Array {
  return fromHex(getCreateAddress({ from: toHex(sender), nonce }));
}

export interface ExecutedTx {
  readonly receipt: Receipt;
}

export interface TxInput {
  readonly tx: Transaction;
  /** The sender recovered (and cached) when the transaction entered the pool. */
  readonly sender: Uint8Array;
  /** The transaction's hash, recorded by permission changes it makes. */
  readonly hash?: Uint8Array;
  /** The pilot and commitment of the private record a type-3 transaction carries (its envelope checked by the caller). */
  readonly privatePayload?: PrivatePayloadRef;
}

export class Executor {
  private readonly guards = new ContractGuards();

  constructor(private readonly vm: ContractVm | null = null) {
    vm?.bindResolver((state, address) => this.lookup(state, address));
  }

  /**
   * Runs one transaction over `blockState`. Its writes land in `blockState` only if it
   * succeeds; a failed transaction still produces a receipt (and uses gas) but changes
   * nothing else — except an Ethereum transaction's sender nonce, which moves on either
   * way (Ethereum's rule; the caller checked the nonce was the sender's next).
   */
  runTx(block: BlockContext, blockState: StateOverlay, input: TxInput): Receipt {
    const { tx, sender } = input;
    this.guards.watch(blockState);
    if (tx.type === TxType.Ethereum) writeEthNonce(blockState, sender, tx.nonce + 1);
    const gas = new GasMeter(tx.gasLimit);
    const txState = blockState.child();
    const logs: Log[] = [];
    let status: ReceiptStatusCode = ReceiptStatus.Success;
    let output: Uint8Array = new Uint8Array();
    let contractAddress_: Uint8Array | null = null;
    let message = '';
    try {
      gas.charge(txIntrinsicGas(tx));
      // Refused here as well as at the pool: a transaction admitted before its sender was
      // frozen is still in blocks, with a failed receipt naming why (design decision 9).
      const refused = senderRefusal(txState, sender);
      if (refused) throw new RevertError(`AccountManager: ${refused}`);
      // Checked again at execution (the pool checked the head state): a record made invalid
      // by an earlier transaction of this block fails here, with nothing kept.
      const privateProblem =
        tx.type === TxType.Private ? privateRecordProblem(txState, block, tx.envelope, sender) : null;
      if (privateProblem) throw new RevertError(`PilotRegistry: ${privateProblem}`);
      const privatePayload = tx.type === TxType.Private ? privatePayloadOf(tx.envelope) : input.privatePayload;
      const frame: CallFrame = {
        block,
        state: txState,
        gas,
        origin: sender,
        sender,
        self: tx.to ?? new Uint8Array(20),
        input: tx.input,
        // Always present (maybe undefined): one object shape for every frame, so the code
        // reading frames stays monomorphic.
        txHash: input.hash,
        privatePayload,
        readOnly: false,
        callStack: [],
        emit: (log) => logs.push(log),
      };
      if (tx.to === null) {
        if (!this.vm)
          throw new CallFailure(
            ReceiptStatus.DeployFailed,
            'contract deployment is not available: this node has no contract VM',
          );
        const notAllowed = deployRefusal(txState, sender);
        if (notAllowed) throw new CallFailure(ReceiptStatus.DeployFailed, `ContractAuth: ${notAllowed}`);
        const eth = tx.type === TxType.Ethereum;
        const address = eth ? ethContractAddress(sender, tx.nonce) : contractAddress(block.suite, sender, tx.nonce);
        this.vm.deploy({ ...frame, self: address }, eth ? ethDeployInput(tx.input) : tx.input, address);
        // The deployer is the contract's admin: it may set the contract's method ACLs.
        txState.set(...adminEntry(address, sender));
        contractAddress_ = address;
      } else {
        output = this.resolve(txState, tx.to).call(frame);
      }
      // Decision 4: the pilots' limits over the Transfer events the transaction's pilot contracts emitted.
      const overLimit = pilotLimitFailure(txState, block.timestamp, sender, logs, (a) =>
        this.guards.pilotId(txState, a),
      );
      if (overLimit) throw new RevertError(overLimit);
    } catch (e) {
      ({ status, message, output } = failure(e));
      logs.length = 0;
      contractAddress_ = null;
    }
    if (status === ReceiptStatus.Success) txState.mergeInto(blockState);
    return { status, gasUsed: gas.used, output, logs, contractAddress: contractAddress_, message };
  }

  /** A read-only call (the `call` RPC): nothing it does is kept. */
  call(
    block: BlockContext,
    state: StateOverlay,
    from: Uint8Array,
    to: Uint8Array,
    input: Uint8Array,
    gasLimit: number,
  ): Receipt {
    const gas = new GasMeter(gasLimit);
    this.guards.watch(state);
    const frame: CallFrame = {
      block,
      state: state.child(),
      gas,
      origin: from,
      sender: from,
      self: to,
      input,
      readOnly: true,
      callStack: [],
      emit: () => {},
    };
    try {
      const output = this.resolve(frame.state, to).call(frame);
      return { status: ReceiptStatus.Success, gasUsed: gas.used, output, logs: [], contractAddress: null, message: '' };
    } catch (e) {
      return { ...failure(e), gasUsed: gas.used, logs: [], contractAddress: null };
    }
  }

  private resolve(state: StateReader, to: Uint8Array): Contract {
    const c = this.lookup(state, to);
    if (!c) throw new CallFailure(ReceiptStatus.BadCall, `no contract at address 0x${hexKey(to)}`);
    return c;
  }

  private lookup(state: StateReader, to: Uint8Array): Contract | null {
    // Every system address starts with a zero byte; a deployed contract's almost never does,
    // so its calls skip making a map key.
    const system = to[0] === 0 ? SYSTEM_CONTRACTS.get(hexKey(to)) : undefined;
    if (system) return system;
    const c = this.vm?.resolve(state, to);
    return c ? this.guarded(c, to) : null;
  }

  /**
   * A deployed contract behind its status, its method ACLs and its pilot: a frozen contract,
   * a method whose ACL excludes the immediate caller, or a contract of a pilot that is
   * suspended, exited or outside its period reverts before any of its code runs (calls from
   * other contracts included, since they resolve through here too).
   */
  private guarded(c: Contract, address: Uint8Array): Contract {
    return {
      call: (frame) => {
        const refused = this.guards.refusal(frame.state, address, frame.sender, frame.input, frame.block.timestamp);
        if (refused) throw new RevertError(refused);
        return c.call(frame);
      },
    };
  }
}

function failure(e: unknown): { status: ReceiptStatusCode; message: string; output: Uint8Array } {
  // The node could not compute a deterministic result (not the contract's fault): the
  // block must not be built or accepted, so this propagates.
  if (e instanceof VmInternalError) throw e;
  if (e instanceof OutOfGasError)
    return { status: ReceiptStatus.OutOfGas, message: e.message, output: new Uint8Array() };
  if (e instanceof RevertError) return { status: ReceiptStatus.Reverted, message: e.message, output: e.data };
  if (e instanceof CallFailure) return { status: e.status, message: e.message, output: new Uint8Array() };
  // Anything else is a bug in a built-in contract: fail the transaction, never the node.
  // The receipt names only the error's class (ECMAScript's words), never its message,
  // which the runtime words and which would then decide a hashed byte.
  return {
    status: ReceiptStatus.Trapped,
    message: `internal error (${e instanceof Error ? e.name : typeof e})`,
    output: new Uint8Array(),
  };
}
