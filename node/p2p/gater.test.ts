import { describe, expect, it } from 'vitest';
import type { MultiaddrConnection } from '@libp2p/interface';
import { AllowList, allowListGater, type Direction } from './gater.js';
import { peerIdFromNodeId } from './identity.js';
import { makeKeys } from '../../test/helpers/p2p.js';

describe('allow-list gater', () => {
  const [a, b, c] = makeKeys(3);
  const conn = {} as MultiaddrConnection;

  it('admits listed nodes and refuses others in both directions, after the handshake', async () => {
    const refused: Array<[string, Direction]> = [];
    const gater = allowListGater(new AllowList([a, b]), (peer, direction) => refused.push([peer, direction]));
    const [pa, pc] = [peerIdFromNodeId(a.nodeId), peerIdFromNodeId(c.nodeId)];
    expect(await gater.denyInboundEncryptedConnection!(pa, conn)).toBe(false);
    expect(await gater.denyOutboundEncryptedConnection!(pa, conn)).toBe(false);
    expect(await gater.denyDialPeer!(pa)).toBe(false);
    expect(await gater.denyInboundEncryptedConnection!(pc, conn)).toBe(true);
    expect(await gater.denyOutboundEncryptedConnection!(pc, conn)).toBe(true);
    expect(await gater.denyDialPeer!(pc)).toBe(true);
    expect(refused).toEqual([
      [c.nodeId, 'inbound'],
      [c.nodeId, 'outbound'],
    ]);
  });

  it('replaces the set at run time and reports who was removed', () => {
    const allow = new AllowList([a, b]);
    expect(allow.replace([b, c])).toEqual([a.nodeId]);
    expect(allow.nodeIdOf(peerIdFromNodeId(a.nodeId))).toBeUndefined();
    expect(allow.nodeIdOf(peerIdFromNodeId(c.nodeId))).toBe(c.nodeId);
    expect(allow.resolve('0X' + c.nodeId.toUpperCase())?.nodeId).toBe(c.nodeId);
  });
});
