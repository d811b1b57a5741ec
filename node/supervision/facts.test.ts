import { id } from 'ethers';
import { describe, expect, it } from 'vitest';
import type { Log } from '../codec/block.js';
import { ASSET_MOVED_TOPIC, ASSET_SPLIT_TOPIC, assetEventsOf } from './facts.js';

const word = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
const CONTRACT = new Uint8Array(20).fill(0x10);
const topic = (t: string) => Uint8Array.from(Buffer.from(t.slice(2), 'hex'));
const addr = (n: bigint) => `0x${n.toString(16).padStart(40, '0')}`;

describe('identified-asset facts (decision 11)', () => {
  it('names the standard events by their Solidity signatures', () => {
    expect(ASSET_MOVED_TOPIC).toBe(id('AssetMoved(uint256,address,address,uint256)'));
    expect(ASSET_SPLIT_TOPIC).toBe(id('AssetSplit(uint256,uint256,address,uint256)'));
  });

  it('reads AssetMoved and AssetSplit logs and ignores malformed ones', () => {
    const logs: Log[] = [
      { address: CONTRACT, topics: [topic(ASSET_MOVED_TOPIC), word(7n), word(0xan), word(0xbn)], data: word(500n) },
      {
        address: CONTRACT,
        topics: [topic(ASSET_SPLIT_TOPIC), word(7n), word(8n)],
        data: Uint8Array.from(Buffer.concat([word(0xbn), word(200n)])),
      },
      { address: CONTRACT, topics: [topic(ASSET_MOVED_TOPIC), word(7n), word(0xan)], data: word(1n) },
      { address: CONTRACT, topics: [topic(ASSET_SPLIT_TOPIC), word(7n), word(9n)], data: word(1n) },
    ];
    const contract = `0x${'10'.repeat(20)}`;
    expect(assetEventsOf(logs)).toEqual([
      { kind: 'move', contract, id: '7', from: addr(0xan), to: addr(0xbn), amount: 500n, logIndex: 0 },
      { kind: 'split', contract, parent: '7', child: '8', holder: addr(0xbn), amount: 200n, logIndex: 1 },
    ]);
  });
});
