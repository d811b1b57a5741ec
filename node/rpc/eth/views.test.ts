import { Signature } from 'ethers';
import { describe, expect, it } from 'vitest';
import { type Block, ReceiptStatus } from '../../codec/block.js';
import { signTx } from '../../codec/tx.js';
import { createEcdsaSuite } from '../../crypto/index.js';
import { ethBlockView, ethReceiptView, ethTimestamp, ethTxView, qty } from './views.js';

const suite = createEcdsaSuite();
const key = suite.keyPairFromSecret(new Uint8Array(32).fill(3));
const tx = signTx(
  suite,
  {
    chainId: 'c',
    nonce: new Uint8Array(32),
    blockLimit: 9,
    to: new Uint8Array(20).fill(5),
    input: new Uint8Array([1]),
    gasLimit: 70_000,
  },
  key.secretKey,
);
const log = (n: number) => ({
  address: new Uint8Array(20).fill(n),
  topics: [new Uint8Array(32).fill(n)],
  data: new Uint8Array(),
});
const receipt = (gasUsed: number, logs: number, status: 0 | 1 = ReceiptStatus.Success) => ({
  status: status as typeof ReceiptStatus.Success,
  gasUsed,
  output: new Uint8Array(),
  logs: Array.from({ length: logs }, (_, i) => log(i + 1)),
  contractAddress: null,
  message: '',
});

describe('Ethereum views', () => {
  it('writes quantities without leading zeros and floors millisecond timestamps to seconds', () => {
    expect(qty(0)).toBe('0x0');
    expect(qty(255)).toBe('0xff');
    expect(qty(2n ** 64n)).toBe('0x10000000000000000');
    expect(ethTimestamp(1_700_000_000_999)).toBe(1_700_000_000);
  });

  it('shows a native transaction as a legacy one with zeros, its gas limit, and a signature ethers accepts', () => {
    const hash = new Uint8Array(32).fill(9);
    const v = ethTxView(tx, hash, key.address, { blockNumber: 4, blockHash: hash, index: 2 }, 1337);
    expect(v).toMatchObject({ type: '0x0', nonce: '0x0', value: '0x0', gasPrice: '0x0', gas: qty(70_000) });
    expect(v).toMatchObject({ chainId: '0x539', blockNumber: '0x4', transactionIndex: '0x2', lingdingNative: true });
    const sig = Signature.from({ r: v.r, s: v.s, v: Number(v.v) });
    expect(sig.v === 27 || sig.v === 28).toBe(true);
  });

  it('numbers logs across the block, sums gas, and maps Success to status 1 and failures to 0', () => {
    const receipts = [receipt(100, 2), receipt(50, 0, ReceiptStatus.Reverted), receipt(10, 1)];
    const hashes = [1, 2, 3].map((n) => new Uint8Array(32).fill(n));
    const at = (index: number) => ({ blockNumber: 7, blockHash: new Uint8Array(32), index });
    const third = ethReceiptView(receipts, hashes, tx, key.address, at(2));
    expect(third.cumulativeGasUsed).toBe(qty(160));
    expect(third.gasUsed).toBe(qty(10));
    expect(third.logs.map((l) => l.logIndex)).toEqual(['0x2']);
    expect(third).toMatchObject({ status: '0x1', effectiveGasPrice: '0x0', type: '0x0' });
    expect(ethReceiptView(receipts, hashes, tx, key.address, at(1)).status).toBe('0x0');
  });

  it('gives a block the fields Ethereum clients read, zero where PBFT has nothing', () => {
    const z = new Uint8Array(32);
    const block: Block = {
      header: {
        version: 1,
        parentHash: z,
        number: 3,
        timestamp: 5_500,
        proposer: 0,
        txRoot: z,
        receiptRoot: z,
        stateRoot: z,
        gasUsed: 10,
        view: 0,
      },
      transactions: [tx],
    };
    const v = ethBlockView(block, {
      hash: z,
      txHashes: [z],
      logsBloom: new Uint8Array(256),
      gasLimit: 1e9,
      size: 300,
      transactions: null,
    });
    expect(v).toMatchObject({
      number: '0x3',
      timestamp: '0x5',
      gasUsed: '0xa',
      baseFeePerGas: '0x0',
      difficulty: '0x0',
      uncles: [],
    });
    expect(v.transactions).toEqual([`0x${'00'.repeat(32)}`]);
    expect(v.logsBloom).toHaveLength(2 + 512);
  });
});
