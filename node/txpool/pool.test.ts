import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEcdsaSuite } from '../crypto/index.js';
import { buildSignedTx } from '../codec/tx-builder.js';
import { EvictReason, TxPool, type EvictReasonValue, type PoolChainView, type TxPoolOptions } from './pool.js';
import { TxRejectCode, TxRejectedError } from './errors.js';
import { SignatureRecoveryPool } from '../crypto/verify-pool.js';
import { replayKey } from '../chain/nonce-window.js';
import type { NativeTx } from '../codec/tx.js';
import type { CpuPhase, PhaseTimer } from '../metrics/cpu-clock.js';

const suite = createEcdsaSuite();
const alice = suite.generateKeyPair();
const bob = suite.generateKeyPair();

function pool(
  opts: Partial<TxPoolOptions> = {},
  chain: Partial<PoolChainView> = {},
  onEvicted?: (reason: EvictReasonValue, count: number) => void,
  deps: { recovery?: SignatureRecoveryPool; cpu?: PhaseTimer } = {},
) {
  let height = 10;
  const view: PoolChainView = {
    height: () => height,
    txGasLimit: () => 1_000_000,
    blockBytesLimit: () => 64 * 1024,
    nonceOnChain: () => false,
    admissionRefusal: () => null,
    privateRecordRefusal: () => null,
    txOnChain: () => false,
    ethNonce: () => 0,
    ...chain,
  };
  const p = new TxPool(
    {
      chainId: 'c',
      ethereumChainId: 1,
      maxEthNonceGap: 64,
      blockLimitWindow: 100,
      maxTxBytes: 10_000,
      maxCount: 100,
      maxBytes: 1_000_000,
      maxPerSender: 100,
      pendingTtlMs: 600_000,
      ...opts,
    },
    { suite, chain: view, onEvicted, ...deps },
  );
  return { p, setHeight: (h: number) => (height = h) };
}

const tx = (who = alice, blockLimitOffset = 50, input = new Uint8Array(8)) =>
  buildSignedTx(
    suite,
    { chainId: 'c', height: 10, to: new Uint8Array(20), input, gasLimit: 100_000, blockLimitWindow: blockLimitOffset },
    who.secretKey,
  );

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof TxRejectedError) return e.code;
    throw e;
  }
  return 'ACCEPTED';
}

describe('TxPool', () => {
  it('admits in arrival order and recovers the sender once', () => {
    const { p } = pool();
    const a = p.add(tx().raw);
    const b = p.add(tx(bob).raw);
    expect(p.pending(10).map((e) => e.hashHex)).toEqual([a.hashHex, b.hashHex]);
    expect(Buffer.from(a.sender).equals(Buffer.from(alice.address))).toBe(true);
    expect(a.replayKey).toBe(replayKey(alice.address, (a.tx as NativeTx).nonce));
  });

  it('handles the submissions of one turn together: one admission section to check them and one to admit them, in arrival order, each refused on its own', async () => {
    const sections: CpuPhase[] = [];
    const cpu: PhaseTimer = {
      run: (phase, fn) => {
        sections.push(phase);
        return fn();
      },
    };
    const recovery = new SignatureRecoveryPool(suite, { workers: 0 });
    const { p } = pool({}, {}, undefined, { recovery, cpu });
    const [a, b, c] = [tx(), tx(bob), tx()];
    const outcomes = await Promise.allSettled([
      p.submit(a.raw),
      p.submit(a.raw), // a duplicate within the turn
      p.submit(new Uint8Array([1, 2, 3])),
      p.submit(b.raw),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? 'ADMITTED' : (o.reason as TxRejectedError).code))).toEqual([
      'ADMITTED',
      TxRejectCode.AlreadyKnown,
      TxRejectCode.Malformed,
      'ADMITTED',
    ]);
    expect(sections).toEqual(['admission', 'admission']);
    expect(p.pending(10).map((e) => e.hashHex)).toEqual([a.hash, b.hash].map((h) => Buffer.from(h).toString('hex')));
    // Nothing stays reserved: the duplicate is refused as pooled, a new one is admitted.
    await expect(p.submit(a.raw)).rejects.toMatchObject({ code: TxRejectCode.AlreadyKnown });
    await expect(p.submit(c.raw)).resolves.toMatchObject({ hashHex: Buffer.from(c.hash).toString('hex') });
  });

  it('enforces count, byte and per-sender quotas', () => {
    const { p } = pool({ maxCount: 3, maxPerSender: 2 });
    p.add(tx().raw);
    p.add(tx().raw);
    expect(code(() => p.add(tx().raw))).toBe(TxRejectCode.SenderQuota);
    p.add(tx(bob).raw);
    expect(code(() => p.add(tx(bob).raw))).toBe(TxRejectCode.PoolFull);
    const small = pool({ maxBytes: 250 }).p;
    small.add(tx().raw);
    expect(code(() => small.add(tx().raw))).toBe(TxRejectCode.PoolFull);
  });

  it('evicts expired transactions and those committed, freeing their quota', () => {
    const { p, setHeight } = pool({ maxPerSender: 2 });
    const short = p.add(tx(alice, 2).raw); // blockLimit 12
    const long = p.add(tx(alice, 50).raw);
    expect(code(() => p.add(tx().raw))).toBe(TxRejectCode.SenderQuota);
    setHeight(12);
    expect(p.onBlockCommitted([long.hashHex], 12)).toEqual({ removed: 1, expired: 1 });
    expect(p.size).toBe(0);
    expect(p.has(short.hashHex)).toBe(false);
    expect(code(() => p.add(tx().raw))).toBe('ACCEPTED');
  });

  it('refuses a frozen sender (ACCOUNT_FROZEN), a deploy outside the allow-list (DEPLOY_NOT_ALLOWED) and a call to an inactive pilot (PILOT_INACTIVE), asking the chain per sender', () => {
    const asked: Array<[string, boolean]> = [];
    const pilotContract = new Uint8Array(20).fill(0xc1);
    const { p } = pool(
      {},
      {
        admissionRefusal: (sender, to) => {
          asked.push([Buffer.from(sender).toString('hex'), to === null]);
          if (Buffer.from(sender).equals(Buffer.from(bob.address)))
            return { code: 'account', message: 'bob is frozen' };
          if (to && Buffer.from(to).equals(Buffer.from(pilotContract)))
            return { code: 'pilot', message: 'PilotRegistry: pilot 1 is suspended: audit' };
          return to === null ? { code: 'deploy', message: 'not on the deployer allow-list' } : null;
        },
      },
    );
    const toPilot = buildSignedTx(
      suite,
      { chainId: 'c', height: 10, to: pilotContract, input: Uint8Array.of(0), gasLimit: 100_000, blockLimitWindow: 50 },
      alice.secretKey,
    );
    expect(code(() => p.add(toPilot.raw))).toBe(TxRejectCode.PilotInactive);
    expect(() => p.add(toPilot.raw)).toThrow(/pilot 1 is suspended: audit/);
    expect(code(() => p.add(tx(bob).raw))).toBe(TxRejectCode.AccountFrozen);
    expect(() => p.add(tx(bob).raw)).toThrow(/bob is frozen/);
    expect(code(() => p.add(tx(alice).raw))).toBe('ACCEPTED');
    const deploy = buildSignedTx(
      suite,
      { chainId: 'c', height: 10, to: null, input: Uint8Array.of(0), gasLimit: 100_000, blockLimitWindow: 50 },
      alice.secretKey,
    );
    expect(code(() => p.add(deploy.raw))).toBe(TxRejectCode.DeployNotAllowed);
    expect(asked.at(-1)).toEqual([Buffer.from(alice.address).toString('hex'), true]);
  });

  it('refuses nonces already on chain and oversized transactions', () => {
    const { p } = pool({ maxTxBytes: 300 }, { nonceOnChain: () => true });
    expect(code(() => p.add(tx().raw))).toBe(TxRejectCode.NonceReused);
    expect(code(() => p.add(tx(alice, 50, new Uint8Array(400)).raw))).toBe(TxRejectCode.TooLarge);
  });

  it('refuses a transaction larger than block_bytes_limit, which no block could carry', () => {
    const { p } = pool({ maxTxBytes: 10_000 }, { blockBytesLimit: () => 1_000 });
    const e = (() => {
      try {
        p.add(tx(alice, 50, new Uint8Array(2_000)).raw);
      } catch (err) {
        return err as TxRejectedError;
      }
    })();
    expect(e?.code).toBe(TxRejectCode.LargerThanBlock);
    expect(e?.message).toMatch(/block_bytes_limit is 1000, so no block can carry it/);
    expect(code(() => p.add(tx(alice, 50, new Uint8Array(100)).raw))).toBe('ACCEPTED');
  });

  it('counts the transactions whose blockLimit passed when a block committed', () => {
    const evicted: Array<[string, number]> = [];
    const { p } = pool({}, {}, (reason, n) => evicted.push([reason, n]));
    p.add(tx(alice, 2).raw);
    p.add(tx(bob, 2).raw);
    p.onBlockCommitted([], 12);
    expect(evicted).toEqual([[EvictReason.BlockLimit, 2]]);
  });
});

describe('TxPool expiry without commits', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('evicts a transaction pending longer than pendingTtlMs though no block commits, and counts it', () => {
    vi.useFakeTimers();
    const evicted: Array<[string, number]> = [];
    const { p } = pool({ pendingTtlMs: 60_000, maxPerSender: 1 }, {}, (reason, n) => evicted.push([reason, n]));
    p.startExpiry();
    const old = p.add(tx().raw);
    vi.advanceTimersByTime(30_000);
    const young = p.add(tx(bob).raw);
    vi.advanceTimersByTime(30_000 + 15_000);
    expect(p.has(old.hashHex)).toBe(false);
    expect(p.has(young.hashHex)).toBe(true);
    expect(evicted).toEqual([[EvictReason.PendingTtl, 1]]);
    // The sender's quota and bytes are freed with it.
    expect(code(() => p.add(tx().raw))).toBe('ACCEPTED');
    vi.advanceTimersByTime(30_000);
    expect(p.has(young.hashHex)).toBe(false);
    p.close();
  });

  it('runs no timer after close, and the timer does not hold the process open', () => {
    vi.useFakeTimers();
    const { p } = pool({ pendingTtlMs: 1_000 });
    p.startExpiry();
    expect(vi.getTimerCount()).toBe(1);
    p.close();
    expect(vi.getTimerCount()).toBe(0);
    p.add(tx().raw);
    vi.advanceTimersByTime(10_000);
    expect(p.size).toBe(1);
  });
});
