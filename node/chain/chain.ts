import { ConfigError, ConfigErrorCode } from '../config/errors.js';
import { type CodeOf, LingdingError } from '../errors/index.js';
import { EventEmitter } from 'node:events';
import {
  BLOCK_VERSION,
  blockHash,
  receiptLeaf,
  encodeTx,
  type Block,
  type BlockHeader,
  type CommitCertificate,
  type Receipt,
} from '../codec/index.js';
import { equalBytes } from '../codec/canonical.js';
import { hexKey, toHex } from '../codec/hex.js';
import { TxType, txHash, txSignature, type EthTx, type LingdingTx, type PrivateTx } from '../codec/tx.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { GenesisConfig } from '../config/genesis.js';
import { Executor, type ContractVm } from '../exec/executor.js';
import {
  type CommitteeMember,
  committeeReader,
  type Proposal,
  readConsensusNodes,
  readMembers,
  readProposal,
  readProposalCount,
  readRules,
  readSystemConfig,
  type VotingRules,
  readSystemConfigEntry,
  type ConsensusNode,
  type SystemConfig,
  deployRefusal,
  type PermissionsSnapshot,
  readPermissions,
  pilotContractRefusal,
  keyIdOf,
  readPilot,
  readPilotCount,
  supervisingRegulators,
  supervisionKeyAt,
  senderRefusal,
} from '../exec/system/index.js';
import type { BlockContext } from '../exec/types.js';
import { readStoredCode } from '../exec/wasm-vm.js';
import { readEthNonce } from '../exec/eth-nonce.js';
import { privateRecordProblem } from '../exec/private-record.js';
import { merkleRoot } from '../ledger/merkle.js';
import { LedgerStore, type ChainHead, type StoredBlock, type TxLocation } from '../ledger/store.js';
import type { StateOverlay, StateReader } from '../state/overlay.js';
import { type BytesSublevel, WorldState, type StateCommit } from '../state/world-state.js';
import { buildGenesis, ZERO_HASH } from './genesis-block.js';
import { type PhaseTimer, untimed } from '../metrics/cpu-clock.js';
import { NonceWindow, nativeReplayKeys, replayKey } from './nonce-window.js';
import { blockOriginProblem, validatorSetOf } from './validators.js';
import type { ChainView, ContractCode, PilotView } from './view.js';

/** A transaction ready to execute: decoded, hashed, sender known. */
/** Why the pool refuses a transaction before it reaches a block; execution refuses the same. */
export interface AdmissionRefusal {
  readonly code: 'account' | 'deploy' | 'pilot';
  readonly message: string;
}

export interface ReadyTx {
  readonly tx: Block['transactions'][number];
  readonly hash: Uint8Array;
  readonly sender: Uint8Array;
  /** Length of the transaction's canonical encoding: what it adds to the block's bytes. */
  readonly size: number;
}

/** A block executed but not yet committed. */
export interface ExecutedBlock {
  readonly block: Block;
  readonly hash: Uint8Array;
  readonly txHashes: readonly Uint8Array[];
  /** Sender of each transaction, as recovered (or taken from the pool) before execution. */
  readonly senders: readonly Uint8Array[];
  readonly receipts: readonly Receipt[];
  readonly stateCommit: StateCommit;
  /** encodeBlock(block), where it is at hand already (the payload a proposal carried it in). */
  readonly encodedBlock?: Uint8Array;
}

export interface ChainEvents {
  block: [ExecutedBlock, ChainHead];
}

export const BlockValidationCode = {
  /** The block does not extend the head (number, parent hash or timestamp). */
  NotOnHead: 'NOT_ON_HEAD',
  /** A header field or the body breaks a rule (limits, roots, proposer, transactions). */
  Invalid: 'INVALID',
  /** Re-execution gives another tx root, receipts root, state root or gas figure than the header. */
  StateMismatch: 'STATE_MISMATCH',
} as const;
export type BlockValidationCodeValue = CodeOf<typeof BlockValidationCode>;

export class BlockValidationError extends LingdingError<BlockValidationCodeValue> {
  constructor(message: string, code: BlockValidationCodeValue = BlockValidationCode.Invalid) {
    super(code, message);
    this.name = 'BlockValidationError';
  }
}

/**
 * The ledger as the rest of the node sees it: builds blocks from ready transactions,
 * re-executes and checks blocks from others, commits them atomically, and answers reads.
 * Consensus engines drive it; they never touch the store or the state directly.
 */
export class Chain extends EventEmitter<ChainEvents> implements ChainView {
  private readonly executor: Executor;
  private readonly nonces: NonceWindow;
  private headValue: ChainHead;
  /** What fromHeadState read from the committed state whose root is `root`. */
  private headStateValues: { root: Uint8Array | null; values: Map<string, unknown> } = {
    root: null,
    values: new Map(),
  };
  /** Serialises commits: a block commit is one awaited batch and must not interleave. */
  private commitQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly suite: CryptoSuite,
    readonly genesis: GenesisConfig,
    private readonly store: LedgerStore,
    private readonly state: WorldState,
    vm: ContractVm | null,
    readonly genesisHash: Uint8Array,
    private readonly cpu: PhaseTimer,
  ) {
    super();
    this.executor = new Executor(vm);
    this.nonces = new NonceWindow(genesis.blockLimitWindow);
    this.headValue = store.head()!;
  }

  static async open(opts: {
    dataDir: string;
    genesis: GenesisConfig;
    suite: CryptoSuite;
    vm?: ContractVm | null;
    syncWrites?: boolean;
    stateCacheEntries?: number;
    /** Counts block building/execution and commits toward the node's CPU breakdown. */
    cpu?: PhaseTimer;
  }): Promise<Chain> {
    const { suite, genesis } = opts;
    const store = await LedgerStore.open(opts.dataDir, { syncWrites: opts.syncWrites });
    try {
      const g = buildGenesis(suite, genesis);
      const gHash = blockHash(suite, g.block.header);
      let head = store.head();
      if (!head) {
        const state = new WorldState(store.state, suite, { root: ZERO_HASH });
        const commit = state.prepareCommit(g.state);
        head = await store.commitBlock({
          block: g.block,
          hash: gHash,
          txHashes: [],
          senders: [],
          receipts: [],
          certificate: null,
          stateOps: commit.ops,
        });
      } else {
        const stored = await store.getBlockHash(0);
        if (!stored || !equalBytes(stored, gHash)) {
          throw new ConfigError(
            `the data directory holds a different chain: genesis ${stored ? toHex(stored) : 'missing'}, this genesis file gives ${toHex(gHash)}`,
            ConfigErrorCode.GenesisMismatch,
          );
        }
      }
      const state = new WorldState(store.state, suite, { root: head.stateRoot, cacheEntries: opts.stateCacheEntries });
      const chain = new Chain(suite, genesis, store, state, opts.vm ?? null, gHash, opts.cpu ?? untimed);
      await chain.loadNonceWindow();
      return chain;
    } catch (e) {
      await store.close();
      throw e;
    }
  }

  private async loadNonceWindow(): Promise<void> {
    const from = Math.max(1, this.headValue.number - this.genesis.blockLimitWindow + 1);
    for (let n = from; n <= this.headValue.number; n++) {
      const b = await this.store.getBlock(n);
      const senders = await this.store.getSenders(n);
      if (!b || !senders) throw new Error(`ledger corrupt: block ${n} or its senders are missing`);
      this.nonces.add(n, nativeReplayKeys(b.block.transactions, senders));
    }
  }

  async close(): Promise<void> {
    await this.commitQueue.catch(() => {});
    await this.store.close();
  }

  get head(): ChainHead {
    return this.headValue;
  }

  get chainId(): string {
    return this.genesis.chainId;
  }

  get ethereumChainId(): number {
    return this.genesis.ethereumChainId;
  }

  getBlock(number: number): Promise<StoredBlock | null> {
    return this.store.getBlock(number);
  }

  /** Sender of each of block `number`'s transactions, in order. */
  getSenders(number: number): Promise<readonly Uint8Array[] | null> {
    return this.store.getSenders(number);
  }

  /** A sublevel of the ledger's database for data derived from the chain (see LedgerStore). */
  derivedSublevel(name: string): BytesSublevel {
    return this.store.derivedSublevel(name);
  }

  /**
   * The committed state, read-only, for readers of system contract state outside the RPC
   * (the regulator node's supervision reads PilotRegistry with its own readers).
   */
  get committedState(): StateReader {
    return this.state;
  }

  getBlockNumberByHash(hash: Uint8Array): Promise<number | null> {
    return this.store.getBlockNumberByHash(hash);
  }

  getBlockHash(number: number): Promise<Uint8Array | null> {
    return this.store.getBlockHash(number);
  }

  getReceipts(number: number): Promise<readonly Receipt[] | null> {
    return this.store.getReceipts(number);
  }

  getTxLocation(txHash: Uint8Array): Promise<TxLocation | null> {
    return this.store.getTxLocation(txHash);
  }

  getLogsBloom(number: number): Promise<Uint8Array | null> {
    return this.store.getLogsBloom(number);
  }

  nonEmptyLogsBlooms(from: number, to: number): Promise<Array<{ number: number; bloom: Uint8Array }>> {
    return this.store.nonEmptyLogsBlooms(from, to);
  }

  contractCode(address: Uint8Array): ContractCode | null {
    const stored = readStoredCode(this.state, address);
    return stored ? { wasm: stored.wasm, abi: stored.abi } : null;
  }

  systemConfigEntry(key: string): { value: string; enableNumber: number } | null {
    return readSystemConfigEntry(this.state, key, this.headValue.number + 1);
  }

  /** System configuration in force for block `height` (default: the next block). */
  systemConfig(height = this.headValue.number + 1): SystemConfig {
    return this.fromHeadState(`systemConfig@${height}`, () => readSystemConfig(this.state, height));
  }

  consensusNodes(): ConsensusNode[] {
    return this.fromHeadState('consensusNodes', () => readConsensusNodes(this.state));
  }

  /**
   * A value read and parsed from the committed state, kept until the next commit: system
   * config and the node list are asked for by every admitted transaction, proposal and
   * block. The state changes only by a commit, which gives it a new root object.
   */
  private fromHeadState<T>(key: string, read: () => T): T {
    if (this.headStateValues.root !== this.state.stateRoot)
      this.headStateValues = { root: this.state.stateRoot, values: new Map() };
    const values = this.headStateValues.values;
    if (!values.has(key)) values.set(key, read());
    return values.get(key) as T;
  }

  committee(): { members: CommitteeMember[]; rules: VotingRules; proposalCount: number } {
    const read = committeeReader(this.state);
    const rules = readRules(read);
    // Genesis always writes the rules; a chain without them was built by other software.
    if (!rules) throw new Error('chain state has no committee voting rules');
    return { members: readMembers(read), rules, proposalCount: readProposalCount(read) };
  }

  proposal(id: number): Proposal | null {
    return readProposal(committeeReader(this.state), id);
  }

  permissions(cap: number): PermissionsSnapshot {
    return readPermissions(this.state, cap);
  }

  /**
   * Why the pool should refuse a transaction of `sender` to `to` now (a frozen or abolished
   * sender, a deploy outside the allow-list, a call to a contract of a pilot that is not
   * active at the head's block time), or null. Execution checks the same again.
   */
  admissionRefusal(sender: Uint8Array, to: Uint8Array | null): AdmissionRefusal | null {
    const account = senderRefusal(this.state, sender);
    if (account) return { code: 'account', message: account };
    if (to === null) {
      const notAllowed = deployRefusal(this.state, sender);
      return notAllowed ? { code: 'deploy', message: notAllowed } : null;
    }
    const inactive = pilotContractRefusal(this.state, to, this.headValue.timestamp);
    return inactive ? { code: 'pilot', message: `PilotRegistry: ${inactive}` } : null;
  }

  /**
   * Why the pool should refuse a private record now (design decision 7), or null. Asked of
   * the head state for the next block's number, at the time that block would have at the
   * earliest; execution asks again of the block's own state and time.
   */
  privateRecordRefusal(tx: PrivateTx, sender: Uint8Array): string | null {
    const head = this.headValue;
    // Wall-clock time only to judge a pilot's period here, never in a block: the pool is advisory.
    const next = { number: head.number + 1, timestamp: Math.max(Date.now(), head.timestamp) };
    return privateRecordProblem(this.state, next, tx.envelope, sender);
  }

  pilotCount(): number {
    return readPilotCount(this.state);
  }

  pilot(id: number): PilotView | null {
    const pilot = readPilot(this.state, id);
    if (!pilot) return null;
    const next = this.headValue.number + 1;
    const supervisors = supervisingRegulators(this.state, pilot).map((r) => {
      const key = supervisionKeyAt(this.state, r.account, next);
      return { ...r, keyId: key ? keyIdOf(key) : null };
    });
    return { pilot, supervisors };
  }

  /** Whether a transaction with this replay key (see replayKey) is on chain within the window. */
  nonceOnChain(key: string): boolean {
    return this.nonces.has(key);
  }

  /** The next Ethereum-type nonce of `address` in the head state. */
  ethNonce(address: Uint8Array): number {
    return readEthNonce(this.state, address);
  }

  txOnChain(hash: Uint8Array): boolean {
    return this.store.hasTxSync(hash);
  }

  /**
   * Executes `candidates` in order on top of the head and returns the block. Stops at
   * tx_count_limit, and before a transaction whose gasLimit would push the block past
   * block_gas_limit or whose bytes would push it past block_bytes_limit; candidates not
   * included stay for a later block. A transaction that could never fit (larger than the
   * whole limit, or asking for more gas than tx_gas_limit) is passed over.
   */
  buildBlock(
    candidates: readonly ReadyTx[],
    opts: { timestamp: number; proposer: number; view: number },
  ): ExecutedBlock {
    return this.cpu.run('execution', () => this.build(candidates, opts));
  }

  private build(
    candidates: readonly ReadyTx[],
    opts: { timestamp: number; proposer: number; view: number },
  ): ExecutedBlock {
    const number = this.headValue.number + 1;
    const cfg = this.systemConfig(number);
    // Never before the parent: a block's time may not run backwards (executeBlock checks it).
    const ctx: BlockContext = {
      number,
      timestamp: Math.max(opts.timestamp, this.headValue.timestamp),
      suite: this.suite,
    };
    const overlay = this.state.overlay();
    const included: ReadyTx[] = [];
    const receipts: Receipt[] = [];
    let gasUsed = 0;
    let reserved = 0;
    let bytes = 0;
    for (const c of candidates) {
      if (included.length >= cfg.txCountLimit) break;
      // An Ethereum tx that is not its sender's next (a gap, or one already used) waits in
      // the pool: a later block may take it once the nonces before it are in.
      if (c.tx.type === TxType.Ethereum ? this.ethTxProblem(c.tx, c.sender, overlay) : c.tx.blockLimit <= number - 1)
        continue;
      if (c.tx.gasLimit > cfg.txGasLimit || c.size > cfg.blockBytesLimit) continue;
      if (reserved + c.tx.gasLimit > cfg.blockGasLimit || bytes + c.size > cfg.blockBytesLimit) break;
      reserved += c.tx.gasLimit;
      bytes += c.size;
      const r = this.executor.runTx(ctx, overlay, { tx: c.tx, sender: c.sender, hash: c.hash });
      included.push(c);
      receipts.push(r);
      gasUsed += r.gasUsed;
    }
    return this.finish(number, ctx.timestamp, opts.proposer, opts.view, included, receipts, gasUsed, overlay);
  }

  /**
   * Re-executes a block proposed or committed by someone else and checks that it is
   * exactly what this node would have built. Senders come from `senders` when the caller
   * already verified the signatures (pool admission), else they are recovered here.
   */
  executeBlock(block: Block, senders?: readonly Uint8Array[]): ExecutedBlock {
    return this.cpu.run('execution', () => this.execute(block, senders));
  }

  private execute(block: Block, senders?: readonly Uint8Array[]): ExecutedBlock {
    const h = block.header;
    const head = this.headValue;
    if (h.number !== head.number + 1)
      throw new BlockValidationError(
        `block ${h.number} does not follow the head ${head.number}`,
        BlockValidationCode.NotOnHead,
      );
    if (!equalBytes(h.parentHash, head.hash))
      throw new BlockValidationError(
        `block ${h.number} parent hash ${toHex(h.parentHash)} is not the head ${toHex(head.hash)}`,
        BlockValidationCode.NotOnHead,
      );
    if (h.version !== BLOCK_VERSION)
      throw new BlockValidationError(`block ${h.number} has unknown version ${h.version}`);
    const origin = blockOriginProblem(h, head, validatorSetOf(this));
    if (origin) throw new BlockValidationError(`block ${h.number} ${origin}`);
    const cfg = this.systemConfig(h.number);
    if (block.transactions.length > cfg.txCountLimit)
      throw new BlockValidationError(
        `block ${h.number} has ${block.transactions.length} transactions; tx_count_limit is ${cfg.txCountLimit}`,
      );
    const ctx: BlockContext = { number: h.number, timestamp: h.timestamp, suite: this.suite };
    const overlay = this.state.overlay();
    const ready: ReadyTx[] = [];
    const receipts: Receipt[] = [];
    const seen = new Set<string>();
    let gasUsed = 0;
    let reserved = 0;
    let bytes = 0;
    block.transactions.forEach((tx, i) => {
      const encoded = encodeTx(tx);
      const hash = txHash(this.suite, tx);
      bytes += encoded.length;
      if (bytes > cfg.blockBytesLimit)
        throw new BlockValidationError(`block ${h.number} exceeds block_bytes_limit (${cfg.blockBytesLimit} bytes)`);
      if (tx.gasLimit > cfg.txGasLimit)
        throw new BlockValidationError(`block ${h.number} tx ${i} gasLimit exceeds tx_gas_limit`);
      reserved += tx.gasLimit;
      if (reserved > cfg.blockGasLimit) throw new BlockValidationError(`block ${h.number} exceeds block_gas_limit`);
      const sender = senders?.[i] ?? this.recoverSender(tx, h.number, i);
      if (tx.type === TxType.Ethereum) {
        const problem = this.ethTxProblem(tx, sender, overlay);
        if (problem) throw new BlockValidationError(`block ${h.number} tx ${i} ${problem}`);
      } else this.checkNativeReplay(tx, sender, h.number, i, seen);
      const r = this.executor.runTx(ctx, overlay, { tx, sender, hash });
      ready.push({ tx, hash, sender, size: encoded.length });
      receipts.push(r);
      gasUsed += r.gasUsed;
    });
    return this.checkAgainstHeader(h, ready, receipts, gasUsed, overlay);
  }

  /**
   * Why an Ethereum transaction cannot run next on `state`, or null: it names another
   * chain, carries value (there is no coin), or its nonce is not the sender's next.
   */
  private ethTxProblem(tx: EthTx, sender: Uint8Array, state: StateReader): string | null {
    if (tx.chainId !== this.genesis.ethereumChainId)
      return `is for Ethereum chain id ${tx.chainId}, this chain is ${this.genesis.ethereumChainId}`;
    if (tx.value !== 0n) return `carries value ${tx.value}: this chain has no coin`;
    const next = readEthNonce(state, sender);
    if (tx.nonce !== next) return `has nonce ${tx.nonce}; sender 0x${hexKey(sender)} is at nonce ${next}`;
    return null;
  }

  /** Native replay protection: blockLimit window and sender + nonce unused in the window and the block. */
  private checkNativeReplay(tx: LingdingTx, sender: Uint8Array, height: number, i: number, seen: Set<string>): void {
    if (tx.chainId !== this.genesis.chainId)
      throw new BlockValidationError(`block ${height} tx ${i} is for chain '${tx.chainId}'`);
    if (tx.blockLimit <= height - 1 || tx.blockLimit > height - 1 + this.genesis.blockLimitWindow)
      throw new BlockValidationError(`block ${height} tx ${i} blockLimit ${tx.blockLimit} is outside the window`);
    const key = replayKey(sender, tx.nonce);
    if (seen.has(key) || this.nonces.has(key))
      throw new BlockValidationError(
        `block ${height} tx ${i} reuses nonce 0x${hexKey(tx.nonce)} of sender 0x${hexKey(sender)}`,
      );
    seen.add(key);
  }

  /** The block re-executed from `ready`, refused unless it gives the header's roots and gas. */
  private checkAgainstHeader(
    h: BlockHeader,
    ready: readonly ReadyTx[],
    receipts: readonly Receipt[],
    gasUsed: number,
    overlay: StateOverlay,
  ): ExecutedBlock {
    const built = this.finish(h.number, h.timestamp, h.proposer, h.view, ready, receipts, gasUsed, overlay);
    const b = built.block.header;
    if (!equalBytes(b.txRoot, h.txRoot))
      throw new BlockValidationError(`block ${h.number} txRoot mismatch`, BlockValidationCode.StateMismatch);
    if (!equalBytes(b.receiptRoot, h.receiptRoot))
      throw new BlockValidationError(
        `block ${h.number} receiptRoot mismatch: execution differs from the proposer's`,
        BlockValidationCode.StateMismatch,
      );
    if (!equalBytes(b.stateRoot, h.stateRoot))
      throw new BlockValidationError(
        `block ${h.number} stateRoot mismatch: expected ${toHex(h.stateRoot)}, executed ${toHex(b.stateRoot)}`,
        BlockValidationCode.StateMismatch,
      );
    if (b.gasUsed !== h.gasUsed)
      throw new BlockValidationError(`block ${h.number} gasUsed mismatch`, BlockValidationCode.StateMismatch);
    return built;
  }

  private recoverSender(tx: Block['transactions'][number], height: number, i: number): Uint8Array {
    let signed: { digest: Uint8Array; signature: Uint8Array };
    try {
      signed = txSignature(this.suite, tx);
    } catch (e) {
      // An Ethereum transaction on a chain whose suite cannot recover it (sm).
      throw new BlockValidationError(`block ${height} tx ${i}: ${(e as Error).message}`);
    }
    const { digest, signature } = signed;
    const pub = this.suite.recoverSigner(digest, signature);
    if (!pub) throw new BlockValidationError(`block ${height} tx ${i} has an invalid signature`);
    return this.suite.addressFromPublicKey(pub);
  }

  private finish(
    number: number,
    timestamp: number,
    proposer: number,
    view: number,
    txs: readonly ReadyTx[],
    receipts: readonly Receipt[],
    gasUsed: number,
    overlay: StateOverlay,
  ): ExecutedBlock {
    const hashFn = (b: Uint8Array) => this.suite.hash(b);
    const txHashes = txs.map((t) => t.hash);
    const stateCommit = this.state.prepareCommit(overlay);
    const header: BlockHeader = {
      version: BLOCK_VERSION,
      parentHash: this.headValue.hash,
      number,
      timestamp,
      proposer,
      txRoot: merkleRoot(hashFn, txHashes),
      receiptRoot: merkleRoot(
        hashFn,
        receipts.map((r, i) => receiptLeaf(txHashes[i], r)),
      ),
      stateRoot: stateCommit.stateRoot,
      gasUsed,
      view,
    };
    const block: Block = { header, transactions: txs.map((t) => t.tx) };
    const senders = txs.map((t) => t.sender);
    return { block, hash: blockHash(this.suite, header), txHashes, senders, receipts, stateCommit };
  }

  /** Persists an executed block atomically and advances the head. */
  commit(executed: ExecutedBlock, certificate: CommitCertificate | null): Promise<ChainHead> {
    const run = async () => {
      if (!equalBytes(executed.block.header.parentHash, this.headValue.hash)) {
        throw new BlockValidationError(
          `block ${executed.block.header.number} no longer extends the head ${this.headValue.number}`,
          BlockValidationCode.NotOnHead,
        );
      }
      const head = await this.cpu.run('storage', () =>
        this.store.commitBlock({
          block: executed.block,
          hash: executed.hash,
          txHashes: executed.txHashes,
          senders: executed.senders,
          receipts: executed.receipts,
          certificate,
          stateOps: executed.stateCommit.ops,
          encodedBlock: executed.encodedBlock,
        }),
      );
      this.cpu.run('storage', () => {
        this.state.applyCommitted(executed.stateCommit);
        this.nonces.add(head.number, nativeReplayKeys(executed.block.transactions, executed.senders));
      });
      this.headValue = head;
      this.emit('block', executed, head);
      return head;
    };
    const p = this.commitQueue.then(run, run);
    this.commitQueue = p.catch(() => {});
    return p;
  }

  /**
   * Runs what an Ethereum transaction from `from` at its next nonce would do (a call, or a
   * deploy when `to` is null) over a throwaway overlay of the head state: writes are allowed
   * and nothing is kept. Gas is `gasLimit`, capped at tx_gas_limit (eth_estimateGas).
   */
  simulate(req: { from: Uint8Array; to: Uint8Array | null; input: Uint8Array; gasLimit?: number }): Receipt {
    const number = this.headValue.number + 1;
    const cfg = this.systemConfig(number);
    // Only the fields execution reads are meaningful: no signature, no value, no fee.
    const tx: EthTx = {
      type: TxType.Ethereum,
      raw: new Uint8Array(),
      ethType: 2,
      chainId: this.genesis.ethereumChainId,
      nonce: this.ethNonce(req.from),
      to: req.to,
      value: 0n,
      input: req.input,
      gasLimit: Math.min(req.gasLimit ?? cfg.txGasLimit, cfg.txGasLimit),
      gasPrice: null,
      maxFeePerGas: null,
      maxPriorityFeePerGas: null,
      accessList: [],
      yParity: 0,
      r: new Uint8Array(32),
      s: new Uint8Array(32),
      v: 0n,
    };
    return this.executor.runTx(
      { number, timestamp: this.headValue.timestamp, suite: this.suite },
      this.state.overlay(),
      { tx, sender: req.from },
    );
  }

  /**
   * A read-only contract call against the head state, with `gasLimit` (never more than the
   * tx_gas_limit in force: a call may not do more work than a transaction could).
   */
  call(from: Uint8Array, to: Uint8Array, input: Uint8Array, gasLimit?: number): Receipt {
    const number = this.headValue.number + 1;
    const cfg = this.systemConfig(number);
    return this.executor.call(
      { number, timestamp: this.headValue.timestamp, suite: this.suite },
      this.state.overlay(),
      from,
      to,
      input,
      Math.min(gasLimit ?? cfg.txGasLimit, cfg.txGasLimit),
    );
  }
}
