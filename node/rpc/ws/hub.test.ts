import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/logger.js';
import { RpcError, RpcErrorCode } from '../errors.js';
import { SubscriptionHub } from './hub.js';

/** A hub with one filtered channel of numbers; each event is delivered as its items. */
function hubWithNumbers() {
  const hub = new SubscriptionHub(silentLogger());
  const publish = hub.register<number[], { min: number }>({
    family: 'eth',
    name: 'numbers',
    views: (e) => e,
    matches: (f, v) => (v as number) >= f.min,
  });
  return { hub, publish };
}

/** Resolves once every delivery queued so far has run (they run after the publishing turn). */
const delivered = () => new Promise((r) => setTimeout(r, 0));

describe('SubscriptionHub', () => {
  it('sends geth-shaped notifications, one per view, to the subscribers whose filter takes it', async () => {
    const { hub, publish } = hubWithNumbers();
    const got: string[] = [];
    const s = hub.session((m) => got.push(m), 10);
    const id = s.subscribe('eth', 'numbers', { min: 2 });
    expect(id).toMatch(/^0x[0-9a-f]{32}$/);
    publish([1, 2, 3]);
    expect(got).toEqual([]); // never in the publisher's turn
    await delivered();
    expect(got.map((m) => JSON.parse(m))).toEqual([
      { jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: id, result: 2 } },
      { jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: id, result: 3 } },
    ]);
  });

  it("uses Lingding's notification method for its own family, and keeps the families apart", async () => {
    const hub = new SubscriptionHub(silentLogger());
    const publish = hub.register({ family: 'lingding', name: 'blocks', views: (n: number) => [{ number: n }] });
    const got: string[] = [];
    const s = hub.session((m) => got.push(m), 10);
    expect(() => s.subscribe('eth', 'blocks')).toThrow(/eth_subscribe: unknown subscription 'blocks'/);
    const id = s.subscribe('lingding', 'blocks');
    expect(s.unsubscribe('eth', id)).toBe(false);
    publish(7);
    await delivered();
    expect(JSON.parse(got[0])).toEqual({
      jsonrpc: '2.0',
      method: 'subscription',
      params: { subscription: id, result: { number: 7 } },
    });
  });

  it('stops delivering after unsubscribe and after the session closes', async () => {
    const { hub, publish } = hubWithNumbers();
    const a: string[] = [];
    const b: string[] = [];
    const sa = hub.session((m) => a.push(m), 10);
    const sb = hub.session((m) => b.push(m), 10);
    const id = sa.subscribe('eth', 'numbers', { min: 0 });
    sb.subscribe('eth', 'numbers', { min: 0 });
    expect(sb.unsubscribe('eth', id)).toBe(false); // another connection's id
    expect(sa.unsubscribe('eth', id)).toBe(true);
    expect(sa.unsubscribe('eth', id)).toBe(false);
    publish([1]);
    await delivered();
    expect(a).toEqual([]);
    expect(b).toHaveLength(1);
    sb.close();
    publish([2]);
    await delivered();
    expect(b).toHaveLength(1);
  });

  it('refuses a subscription past the per-connection limit with -32016', () => {
    const { hub } = hubWithNumbers();
    const s = hub.session(() => {}, 2);
    s.subscribe('eth', 'numbers', { min: 0 });
    s.subscribe('eth', 'numbers', { min: 0 });
    let err: unknown;
    try {
      s.subscribe('eth', 'numbers', { min: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).rpcCode).toBe(RpcErrorCode.TooManySubscriptions);
    expect((err as RpcError).message).toMatch(/at most 2 \(rpc.wsMaxSubscriptionsPerConnection\)/);
  });

  it('delivers events in publishing order even when a view is computed asynchronously', async () => {
    const hub = new SubscriptionHub(silentLogger());
    const slow = hub.register({
      family: 'lingding',
      name: 'slow',
      views: async (n: number) => {
        await new Promise((r) => setTimeout(r, n === 1 ? 20 : 0));
        return [n];
      },
    });
    const got: number[] = [];
    hub.session((m) => got.push(JSON.parse(m).params.result), 10).subscribe('lingding', 'slow');
    slow(1);
    slow(2);
    await expect.poll(() => got).toEqual([1, 2]);
  });

  it('computes nothing for a channel nobody listens to, and survives a view that throws', async () => {
    const hub = new SubscriptionHub(silentLogger());
    let computed = 0;
    const publish = hub.register({
      family: 'eth',
      name: 'x',
      views: (n: number) => {
        computed++;
        if (n === 0) throw new Error('bad view');
        return [n];
      },
    });
    publish(1);
    await delivered();
    expect(computed).toBe(0);
    const got: string[] = [];
    hub.session((m) => got.push(m), 10).subscribe('eth', 'x');
    publish(0);
    publish(5);
    await expect.poll(() => got.length).toBe(1);
    expect(JSON.parse(got[0]).params.result).toBe(5);
  });
});
