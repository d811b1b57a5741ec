/** The regulator-only JSON-RPC methods on a node process in-process: absent elsewhere, answering on a regulator node. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSupervisionKey, writeSupervisionKeyFile } from '../../node/crypto/envelope.js';
import { startTestNode, type TestNode } from '../helpers/in-process.js';

let plain: TestNode;
let regulator: TestNode;

beforeAll(async () => {
  plain = await startTestNode();
  const keyFile = join(plain.dir, 'supervision.key.json');
  writeSupervisionKeyFile(keyFile, generateSupervisionKey());
  const rulesFile = join(plain.dir, 'rules.yaml');
  writeFileSync(rulesFile, 'rules:\n  - {id: unreadable, kind: undecryptable-record, severity: critical}\n');
  regulator = await startTestNode({ node: { supervision: { keyFiles: [keyFile], rulesFile } } });
}, 60_000);

afterAll(async () => {
  await regulator?.cleanup();
  await plain?.cleanup();
});

async function error(t: TestNode, method: string, params: unknown[]) {
  try {
    await t.client.request(method, params);
  } catch (e) {
    return e as { rpcCode: number; message: string };
  }
  throw new Error(`${method} answered`);
}

describe('regulator-only JSON-RPC methods', () => {
  const ADDRESS = `0x${'12'.repeat(20)}`;
  it.each([
    ['getSupervisedRecords', [{ pilot: 1 }]],
    ['traceAsset', [ADDRESS, ADDRESS]],
    ['getActivity', [1, ADDRESS, 0, 1]],
    ['getAlerts', []],
    ['reindexSupervision', []],
  ])('%s is refused by a node without supervision, saying why', async (m, params) => {
    const e = await error(plain, m, params);
    expect(e.rpcCode).toBe(-32601);
    expect(e.message).toBe(
      `${m} is served only by a regulator node (a node config with a \`supervision\` section and supervision keys)`,
    );
  });

  it('serves supervision only on the node whose config has the section', () => {
    expect(regulator.node.supervision).not.toBeNull();
    expect(plain.node.supervision).toBeNull();
  });

  it('answers on a regulator node', async () => {
    const head = await regulator.client.call('getBlockNumber', []);
    expect(await regulator.client.call('getAlerts', [{}])).toEqual({ alerts: [] });
    expect(await regulator.client.call('getSupervisedRecords', [{ pilot: 1 }])).toEqual({ records: [], next: null });
    const reindexed = await regulator.client.call('reindexSupervision', []);
    expect(reindexed.fromBlock).toBe(1);
    expect(reindexed.toBlock).toBeGreaterThanOrEqual(head);
    const trace = await regulator.client.call('traceAsset', [`0x${'12'.repeat(20)}`, '7']);
    expect(trace).toMatchObject({ subject: { tokenId: '7' }, hops: [], holders: [], truncated: false });
  });

  it('reports its supervision work in its metrics: the height indexed and the time per block', async () => {
    await expect
      .poll(
        async () => {
          const text = await (await fetch(`${regulator.client.url}/metrics`)).text();
          const height = /^lingding_supervision_indexed_height (\d+)/m.exec(text);
          const count = /^lingding_supervision_block_seconds_count (\d+)/m.exec(text);
          return Number(height?.[1] ?? 0) > 0 && Number(count?.[1] ?? 0) > 0;
        },
        { timeout: 60_000 },
      )
      .toBe(true);
  });

  it('refuses bad params naming the parameter', async () => {
    expect((await error(regulator, 'getSupervisedRecords', [{ day: 3 }])).message).toContain('query');
    expect((await error(regulator, 'getSupervisedRecords', [{ pilot: 1, colour: 'red' }])).rpcCode).toBe(-32602);
    expect((await error(regulator, 'traceAsset', [`0x${'12'.repeat(20)}`, 'bob'])).message).toContain('holderOrId');
    expect((await error(regulator, 'getActivity', [1, `0x${'12'.repeat(20)}`, 10, 5])).message).toBe(
      'toMs must be after fromMs',
    );
    expect((await error(regulator, 'getAlerts', [{ limit: 0 }])).message).toContain('limit');
  });
});
