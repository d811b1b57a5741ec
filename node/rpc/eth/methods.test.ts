import { describe, expect, it } from 'vitest';
import { type Receipt, ReceiptStatus, type ReceiptStatusCode } from '../../codec/block.js';
import { CallQueue } from '../call-queue.js';
import type { MethodContext, RpcBackend } from '../methods.js';
import { parseParams } from '../schema.js';
import { FILTER_TIMEOUT_MS, FilterRegistry } from './filters.js';
import { ETH_METHODS } from './methods.js';

const ADDRESS = `0x${'12'.repeat(20)}`;
const TX_GAS_LIMIT = 30_000_000;

/**
 * A node whose head is block 9, whose state says the sender's next nonce is 3 while the
 * pool holds two more, and whose simulated transactions succeed with at least `needs` gas
 * (using `uses` of it): a contract that forwards gas to another keeps some back, so it may
 * use less than it needs.
 */
function fakeNode(sim: { needs: number; uses: number; status?: ReceiptStatusCode } = { needs: 0, uses: 0 }) {
  const limits: number[] = [];
  const chain = {
    head: { number: 9 },
    getBlockNumberByHash: async () => null,
    ethNonce: () => 3,
    systemConfigEntry: (key: string) =>
      key === 'tx_gas_limit' ? { value: String(TX_GAS_LIMIT), enableNumber: 0 } : null,
    simulate: ({ gasLimit }: { gasLimit: number }): Receipt => {
      limits.push(gasLimit);
      const enough = gasLimit >= sim.needs;
      return {
        status: enough ? (sim.status ?? ReceiptStatus.Success) : ReceiptStatus.OutOfGas,
        gasUsed: enough ? sim.uses : gasLimit,
        output: new Uint8Array(),
        logs: [],
        contractAddress: null,
        message: '',
      };
    },
  };
  const backend = { chain, pool: { pendingEthNonce: () => 5 } } as unknown as RpcBackend;
  const ctx: MethodContext = {
    calls: new CallQueue(chain as unknown as RpcBackend['chain'], 50_000_000),
    filters: new FilterRegistry({ maxFilters: 1, timeoutMs: FILTER_TIMEOUT_MS, maxPendingHashes: 10 }),
    eth: { maxLogsBlockRange: 10, maxLogsPerResponse: 10 },
  };
  return { backend, ctx, limits };
}

const count = (block: unknown) => {
  const { backend, ctx } = fakeNode();
  const params = parseParams('eth_getTransactionCount', block === undefined ? [ADDRESS] : [ADDRESS, block]);
  return ETH_METHODS.eth_getTransactionCount(params, backend, ctx);
};

const estimate = async (sim: Parameters<typeof fakeNode>[0], call: Record<string, string> = { to: ADDRESS }) => {
  const node = fakeNode(sim);
  const gas = await ETH_METHODS.eth_estimateGas(parseParams('eth_estimateGas', [call]), node.backend, node.ctx);
  return { gas: Number(gas), limits: node.limits };
};

describe('eth_getTransactionCount', () => {
  it('reads the committed state nonce for the head, and counts the pool for pending', async () => {
    for (const block of [undefined, 'latest', 'safe', 'finalized', '0x9']) expect(await count(block)).toBe('0x3');
    expect(await count('pending')).toBe('0x5');
  });

  it('refuses an older block rather than answering with the head state', async () => {
    await expect(count('earliest')).rejects.toThrow(/historical state is not available/);
    await expect(count('0x8')).rejects.toThrow(/historical state is not available/);
    await expect(count('0xa')).rejects.toThrow(/header not found/);
  });
});

describe('eth_estimateGas', () => {
  it('answers the gas used when a run with exactly that much succeeds', async () => {
    const { gas, limits } = await estimate({ needs: 52_000, uses: 52_000 });
    expect(gas).toBe(52_000);
    // One run at the cap (rpc.callGasLimit above tx_gas_limit here), one to confirm.
    expect(limits).toEqual([TX_GAS_LIMIT, 52_000]);
  });

  it('searches for the least gas that succeeds when a call keeps gas back, within 1.5% above it', async () => {
    for (const needs of [52_800, 60_000, 1_000_000]) {
      const { gas } = await estimate({ needs, uses: 52_000 });
      expect(gas).toBeGreaterThanOrEqual(needs);
      expect(gas).toBeLessThanOrEqual(Math.ceil(needs * 1.015));
    }
  });

  it("caps the search at the call's gas, and says so when even that is not enough", async () => {
    const { gas, limits } = await estimate({ needs: 60_000, uses: 52_000 }, { to: ADDRESS, gas: '0xea60' });
    expect(gas).toBe(60_000);
    expect(limits[0]).toBe(60_000);
    await expect(estimate({ needs: 70_000, uses: 52_000 }, { to: ADDRESS, gas: '0xea60' })).rejects.toThrow(
      'gas required exceeds allowance (60000)',
    );
  });

  it('reports a revert as eth_call does, and refuses a value', async () => {
    await expect(estimate({ needs: 0, uses: 30_000, status: ReceiptStatus.Reverted })).rejects.toMatchObject({
      rpcCode: 3,
      message: 'execution reverted',
      data: '0x',
    });
    await expect(estimate({ needs: 0, uses: 0 }, { to: ADDRESS, value: '0x1' })).rejects.toThrow(
      'insufficient funds for gas * price + value',
    );
  });
});
