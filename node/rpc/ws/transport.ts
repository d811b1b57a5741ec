import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { NodeMetrics } from '../../metrics/metrics.js';
import { type WebSocket, WebSocketServer } from 'ws';
import type { MethodContext } from '../methods.js';
import type { RpcDispatcher } from '../dispatch.js';
import type { SubscriptionHub } from './hub.js';

export interface WsTransportOptions {
  /** Largest inbound message (rpc.maxBodyBytes, as for an HTTP body); past it: close 1009. */
  readonly maxMessageBytes: number;
  readonly maxConnections: number;
  readonly maxSubscriptionsPerConnection: number;
  /** Bytes waiting for one reader past which the connection is closed (1008, "slow consumer"). */
  readonly maxBufferedBytes: number;
  readonly pingIntervalMs: number;
}

/** Close code and reason for a reader that does not keep up (RFC 6455 1008: policy violation). */
export const SLOW_CONSUMER = { code: 1008, reason: 'slow consumer' } as const;

interface Connection {
  readonly ws: WebSocket;
  /** Answered the last ping (or has not been pinged yet). */
  alive: boolean;
}

/**
 * JSON-RPC over WebSocket, on the HTTP server's port (the server hands over each upgrade it
 * admits). Every message goes through the same dispatcher as an HTTP body; a connection is
 * one client for rpc.maxConcurrentPerClient, and holds its own subscriptions.
 */
export class WsTransport {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  private pingTimer: NodeJS.Timeout | null = null;
  private opened = 0;

  constructor(
    private readonly opts: WsTransportOptions,
    private readonly deps: {
      dispatcher: RpcDispatcher;
      hub: SubscriptionHub;
      /** What every method gets; a connection adds its subscriptions. */
      methods: MethodContext;
      logger: Logger;
      metrics: NodeMetrics;
    },
  ) {
    // ws itself refuses a frame over maxPayload with 1009 before buffering it whole.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes, perMessageDeflate: false });
  }

  /** Starts the keepalive (the server is listening). */
  start(): void {
    if (this.pingTimer) return;
    this.pingTimer = setInterval(() => this.pingAll(), this.opts.pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Room for another connection? (Checked by the server before it answers the upgrade.) */
  get full(): boolean {
    return this.connections.size >= this.opts.maxConnections;
  }

  get size(): number {
    return this.connections.size;
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, req));
  }

  /** Drops every connection (the node is stopping). */
  close(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    for (const c of this.connections) c.ws.terminate();
    this.connections.clear();
    this.wss.close();
  }

  private serve(ws: WebSocket, req: IncomingMessage): void {
    const conn: Connection = { ws, alive: true };
    this.connections.add(conn);
    this.deps.metrics.wsConnections.set(this.connections.size);
    const client = `${req.socket.remoteAddress ?? ''} (WebSocket #${++this.opened})`;
    const send = (text: string) => this.send(ws, text);
    const subscriptions = this.deps.hub.session(send, this.opts.maxSubscriptionsPerConnection);
    const ctx: MethodContext = { ...this.deps.methods, subscriptions };
    ws.on('message', (data: Buffer) => {
      const slot = this.deps.dispatcher.admit(client);
      if ('refusal' in slot) return send(slot.refusal);
      this.deps.dispatcher
        .dispatchBody(data.toString('utf8'), ctx)
        .then(
          (out) => {
            if (out !== null) send(out);
          },
          (e) => this.deps.logger.error({ err: e }, 'rpc dispatch failed'),
        )
        .finally(slot.release);
    });
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('close', () => {
      subscriptions.close();
      this.connections.delete(conn);
      this.deps.metrics.wsConnections.set(this.connections.size);
    });
    // An oversized or malformed frame: ws closes the connection itself (1009 / 1002).
    ws.on('error', (e) => this.deps.logger.debug({ err: e, client }, 'websocket error'));
  }

  /**
   * Sends unless the reader is too far behind: what waits for it (ws.bufferedAmount, bytes
   * not yet taken by the kernel) plus this message may not pass rpc.wsMaxBufferedBytes, so
   * one stalled client costs the node that much memory at most. A message to a reader with
   * nothing waiting always goes (an answer may be larger than the bound).
   */
  private send(ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return;
    const waiting = ws.bufferedAmount;
    if (waiting > 0 && waiting + Buffer.byteLength(text) > this.opts.maxBufferedBytes) {
      this.deps.logger.debug({ waiting }, 'websocket reader too slow: closing');
      this.deps.metrics.wsDropped.inc({ reason: 'slow_consumer' });
      ws.close(SLOW_CONSUMER.code, SLOW_CONSUMER.reason);
      return;
    }
    ws.send(text);
  }

  /** Drops the peers that did not answer the previous ping (dead or unreachable), pings the rest. */
  private pingAll(): void {
    for (const c of this.connections) {
      if (!c.alive) {
        this.deps.metrics.wsDropped.inc({ reason: 'no_pong' });
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}
