/**
 * A leader with nothing to propose waits for the empty-block interval; a transaction that
 * arrives meanwhile must be proposed at once, not when the interval ends. (With clients that
 * send again only once their transactions committed, the pool is empty at the start of
 * every height, and each block used to wait the whole interval.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../node/codec/hex.js';
import { buildSignedTx } from '../../node/codec/tx-builder.js';
import { SystemAddress } from '../../node/exec/addresses.js';
import { kvIface, suite } from '../helpers/in-process.js';
import { inProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster.js';

/** Ten minutes, the most either setting takes: far longer than the test may run. */
const NEVER_MS = 600_000;

describe('PBFT leader waiting for the empty-block interval', () => {
  let c: InProcessCluster;
  beforeAll(async () => {
    c = await inProcessCluster(4, 0, { emptyBlockIntervalMs: NEVER_MS, viewTimeoutMs: NEVER_MS });
    await Promise.all(c.nodes.map((_, i) => c.start(i)));
  });
  afterAll(async () => {
    await c?.close();
  });

  it('proposes a transaction that arrives meanwhile, once per height, each as it comes', async () => {
    for (let i = 0; i < 3; i++) {
      const height = await c.nodes[0].client.call('getBlockNumber');
      const { raw } = buildSignedTx(
        suite,
        {
          chainId: c.chainId,
          height,
          to: SystemAddress.KVStore,
          input: fromHex(kvIface.encodeFunctionData('set', [`k${i}`, 'v'])),
          gasLimit: 200_000,
        },
        c.accounts[0].secretKey,
      );
      // Sent to each validator in turn: whichever leads this height has it gossiped.
      const receipt = await c.nodes[i % 4].client.call('sendTransaction', [toHex(raw), true]);
      expect(receipt.status).toBe(0);
      expect(receipt.blockNumber).toBe(height + 1);
    }
  });
});
