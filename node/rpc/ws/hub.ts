import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { invalidParams, RpcError, RpcErrorCode } from '../errors.js';

/** Who a channel is for: Ethereum tools (`eth_subscribe`) or Lingding's own `subscribe`. */
export type SubscriptionFamily = 'eth' | 'lingding';

/** The notification method of each family: geth's for Ethereum tools, Lingding's own otherwise. */
const NOTIFICATION_METHOD: Record<SubscriptionFamily, string> = {
  eth: 'eth_subscription',
  lingding: 'subscription',
};

/** The methods that open subscriptions of each family, for error messages. */
const SUBSCRIBE_METHOD: Record<SubscriptionFamily, string> = { eth: 'eth_subscribe', lingding: 'subscribe' };

/** One thing to subscribe to, fed by one kind of node event `E`; `F` is a subscriber's filter. */
export interface Channel<E, F = undefined> {
  readonly family: SubscriptionFamily;
  readonly name: string;
  /**
   * What one event becomes: each item is one notification's `result`. Computed once per
   * event for all subscribers, and only while the channel has one.
   */
  readonly views: (event: E) => readonly unknown[] | Promise<readonly unknown[]>;
  /** Whether a subscriber with `filter` gets `view`; absent: every subscriber does. */
  readonly matches?: (filter: F, view: unknown) => boolean;
}

/** Where a connection's notifications go (its transport applies its own limits). */
export type NotificationSink = (json: string) => void;

interface Subscriber {
  readonly sink: NotificationSink;
  readonly filter: unknown;
}

interface ChannelState {
  readonly channel: Channel<unknown, unknown>;
  readonly subscribers: Map<string, Subscriber>;
}

/**
 * Subscriptions of every connection to every channel. The node publishes its events here
 * (a committed block, an admitted transaction); a channel is one `register` call, and each
 * connection's subscriptions are a session of it.
 *
 * Publishing never blocks the caller (the block commit emits synchronously): views are
 * computed and sent later, one event after another in publishing order, and a failure is
 * logged, never thrown back.
 */
export class SubscriptionHub {
  private readonly channels = new Map<string, ChannelState>();
  private delivery: Promise<void> = Promise.resolve();

  constructor(private readonly logger: Logger) {}

  /** Adds a channel; returns what the node calls with each event of it. */
  register<E, F>(channel: Channel<E, F>): (event: E) => void {
    const key = channelKey(channel.family, channel.name);
    if (this.channels.has(key)) throw new Error(`channel ${key} is registered twice`);
    const state: ChannelState = { channel: channel as Channel<unknown, unknown>, subscribers: new Map() };
    this.channels.set(key, state);
    return (event) => this.publish(state, event);
  }

  /** The subscriptions of one connection, at most `maxSubscriptions` at once. */
  session(sink: NotificationSink, maxSubscriptions: number): SubscriptionSession {
    return new SubscriptionSession((family, name) => this.channelState(family, name), sink, maxSubscriptions);
  }

  private channelState(family: SubscriptionFamily, name: string): ChannelState {
    const state = this.channels.get(channelKey(family, name));
    if (state) return state;
    const names = [...this.channels.values()].filter((s) => s.channel.family === family).map((s) => s.channel.name);
    throw invalidParams(`${SUBSCRIBE_METHOD[family]}: unknown subscription '${name}'; one of ${names.join(', ')}`);
  }

  private publish(state: ChannelState, event: unknown): void {
    if (state.subscribers.size === 0) return;
    this.delivery = this.delivery
      .then(() => this.deliver(state, event))
      .catch((e) => this.logger.error({ err: e, channel: state.channel.name }, 'subscription delivery failed'));
  }

  private async deliver(state: ChannelState, event: unknown): Promise<void> {
    if (state.subscribers.size === 0) return;
    const { channel } = state;
    const views = await channel.views(event);
    const head = `{"jsonrpc":"2.0","method":"${NOTIFICATION_METHOD[channel.family]}","params":{"subscription":"`;
    for (const view of views) {
      // The view is serialised once; only the subscription id differs between subscribers.
      const tail = `","result":${JSON.stringify(view)}}}`;
      for (const [id, sub] of state.subscribers) {
        if (channel.matches && !channel.matches(sub.filter, view)) continue;
        sub.sink(head + id + tail);
      }
    }
  }
}

/**
 * One connection's subscriptions. Ids are geth's form (0x and 32 hex digits), random so
 * that one client cannot guess and cancel another's.
 */
export class SubscriptionSession {
  private readonly mine = new Map<string, { family: SubscriptionFamily; state: ChannelState }>();

  constructor(
    private readonly channelOf: (family: SubscriptionFamily, name: string) => ChannelState,
    private readonly sink: NotificationSink,
    private readonly maxSubscriptions: number,
  ) {}

  subscribe(family: SubscriptionFamily, name: string, filter?: unknown): string {
    const state = this.channelOf(family, name);
    if (this.mine.size >= this.maxSubscriptions)
      throw new RpcError(
        RpcErrorCode.TooManySubscriptions,
        `this connection already holds ${this.mine.size} subscriptions: at most ${this.maxSubscriptions} (rpc.wsMaxSubscriptionsPerConnection)`,
      );
    const id = `0x${randomBytes(16).toString('hex')}`;
    state.subscribers.set(id, { sink: this.sink, filter });
    this.mine.set(id, { family, state });
    return id;
  }

  /** True when `id` was this connection's subscription of `family` and is now cancelled. */
  unsubscribe(family: SubscriptionFamily, id: string): boolean {
    const sub = this.mine.get(id);
    if (!sub || sub.family !== family) return false;
    sub.state.subscribers.delete(id);
    this.mine.delete(id);
    return true;
  }

  get size(): number {
    return this.mine.size;
  }

  /** Cancels every subscription (the connection closed). */
  close(): void {
    for (const [id, sub] of this.mine) sub.state.subscribers.delete(id);
    this.mine.clear();
  }
}

function channelKey(family: SubscriptionFamily, name: string): string {
  return `${family}:${name}`;
}
