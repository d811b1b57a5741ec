import { describe, expect, it } from 'vitest';
import { GENESIS_DEFAULTS, NODE_DEFAULTS, PERMISSION_BOUNDS } from './defaults.js';
import { parseGenesis } from './genesis.js';
import { parseNodeConfig } from './node-config.js';

const NODE_ID = 'ab'.repeat(64);
const minimalNode = { genesis: 'genesis.json', dataDir: 'data', nodeKey: 'node.pem', rpc: { port: 8545 } };

describe('config defaults', () => {
  it('fill every section a node config leaves out from NODE_DEFAULTS', () => {
    const c = parseNodeConfig(minimalNode, 'node.json', '/n');
    expect(c.rpc).toEqual({ ...NODE_DEFAULTS.rpc, port: 8545 });
    expect(c.consensus).toEqual(NODE_DEFAULTS.consensus);
    expect(c.txpool).toEqual(NODE_DEFAULTS.txpool);
    expect(c.txpool.verifyWorkers).toBeUndefined(); // the machine decides: cores - 1
    expect(c.sync).toEqual(NODE_DEFAULTS.sync);
    expect(c.peerPenalty).toEqual(NODE_DEFAULTS.peerPenalty);
    expect(c.storage).toEqual(NODE_DEFAULTS.storage);
    expect(c.log).toEqual(NODE_DEFAULTS.log);
    expect(c.p2p).toBeUndefined();
  });

  it('fill the fields a partly written section leaves out, and keep the ones it sets', () => {
    const c = parseNodeConfig(
      {
        ...minimalNode,
        p2p: { port: 30300 },
        consensus: { engine: 'pbft', viewTimeoutMs: 1500 },
        txpool: { maxCount: 10, verifyWorkers: 1 },
        storage: { syncWrites: false },
      },
      'node.json',
      '/n',
    );
    expect(c.p2p).toEqual({ ...NODE_DEFAULTS.p2p, port: 30300, peers: [] });
    expect(c.consensus).toEqual({ ...NODE_DEFAULTS.consensus, engine: 'pbft', viewTimeoutMs: 1500 });
    expect(c.txpool).toEqual({ ...NODE_DEFAULTS.txpool, maxCount: 10, verifyWorkers: 1 });
    expect(c.storage).toEqual({ ...NODE_DEFAULTS.storage, syncWrites: false });
  });

  it('fill the genesis fields a genesis file leaves out from GENESIS_DEFAULTS', () => {
    const g = parseGenesis({
      chainId: 'c',
      suite: 'ecdsa',
      timestamp: 0,
      sealers: [NODE_ID],
      committee: { members: [{ address: '11'.repeat(20) }] },
    });
    expect(g.blockLimitWindow).toBe(GENESIS_DEFAULTS.blockLimitWindow);
    expect(g.observers).toEqual([]);
    expect(g.systemConfig).toEqual({});
    expect(g.regulators).toEqual([]);
    expect(g.committee).toEqual({
      members: [{ address: '11'.repeat(20), weight: GENESIS_DEFAULTS.committee.weight }],
      participationPercent: GENESIS_DEFAULTS.committee.participationPercent,
      approvalPercent: GENESIS_DEFAULTS.committee.approvalPercent,
      proposalLifetimeBlocks: GENESIS_DEFAULTS.committee.proposalLifetimeBlocks,
    });
  });

  it('refuse a committee member listed twice, a weight of 0 and rules out of bounds', () => {
    const g = (committee: unknown) =>
      parseGenesis({ chainId: 'c', suite: 'ecdsa', timestamp: 0, sealers: [NODE_ID], committee });
    const addr = '11'.repeat(20);
    expect(() => g({ members: [{ address: addr }, { address: `0x${addr.toUpperCase()}` }] })).toThrow(
      /committee.members: an address appears more than once/,
    );
    expect(() => g({ members: [{ address: addr, weight: 0 }] })).toThrow(/committee.members.0.weight/);
    expect(() => g({ members: [{ address: addr }], approvalPercent: 101 })).toThrow(/committee.approvalPercent/);
    expect(() => g({ members: [{ address: addr }], proposalLifetimeBlocks: 0 })).toThrow(
      /committee.proposalLifetimeBlocks/,
    );
    expect(() => g({ members: [] })).toThrow(/at least one committee member/);
  });

  it('take regulators with a name, a jurisdiction and an account, each account once, at most maxRegulators', () => {
    const g = (regulators: unknown) =>
      parseGenesis({
        chainId: 'c',
        suite: 'ecdsa',
        timestamp: 0,
        sealers: [NODE_ID],
        committee: { members: [{ address: '11'.repeat(20) }] },
        regulators,
      });
    const r = { name: 'PBOC', jurisdiction: 'CN', account: '22'.repeat(20) };
    expect(g([r]).regulators).toEqual([r]);
    expect(() => g([r, { ...r, name: 'other', account: `0x${r.account}` }])).toThrow(
      /regulators: an account appears more than once/,
    );
    expect(() => g([{ ...r, account: '22' }])).toThrow(/regulators.0.account: account must be 20 bytes of hex/);
    expect(() => g([{ ...r, jurisdiction: '' }])).toThrow(/regulators.0.jurisdiction/);
    const many = Array.from({ length: PERMISSION_BOUNDS.maxRegulators + 1 }, (_, i) => ({
      ...r,
      account: i.toString(16).padStart(40, '0'),
    }));
    expect(() => g(many)).toThrow(/at most 32 regulators/);
  });

  it('keep the values the node has always used', () => {
    // Changing one of these changes every node that does not set it: do it on purpose.
    expect(NODE_DEFAULTS.consensus).toEqual({
      engine: 'solo',
      emptyBlockIntervalMs: 1000,
      minSealDelayMs: 5,
      viewTimeoutMs: 3000,
      maxClockDriftMs: 30_000,
      maxInboundBytesPerPeer: 32 * 1024 * 1024,
    });
    expect(NODE_DEFAULTS.txpool).toEqual({
      maxTxBytes: 1_100_000,
      pendingTtlMs: 600_000,
      maxCount: 100_000,
      maxBytes: 256 * 1024 * 1024,
      maxPerSender: 20_000,
      maxEthNonceGap: 64,
    });
    expect(NODE_DEFAULTS.sync).toEqual({
      pollIntervalMs: 1000,
      batchSize: 64,
      penaltyMs: 60_000,
      maxServedRequestsPerSecond: 20,
    });
    expect(NODE_DEFAULTS.peerPenalty).toEqual({ maxBadMessages: 16, windowMs: 10_000, penaltyMs: 60_000 });
    expect(GENESIS_DEFAULTS.blockLimitWindow).toBe(1000);
    expect(GENESIS_DEFAULTS.committee).toEqual({
      weight: 1,
      participationPercent: 50,
      approvalPercent: 66,
      proposalLifetimeBlocks: 604_800,
    });
  });
});
