import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CpuClock, type CpuBreakdownPhase } from './cpu-clock.js';

/**
 * The node's Prometheus metrics, on a registry of its own (several nodes may share a
 * process in tests). Names carry their unit, Lodestar style.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly height = new Gauge({
    name: 'lingding_block_height',
    help: 'Height of the newest committed block',
    registers: [this.registry],
  });
  readonly pendingTxs = new Gauge({
    name: 'lingding_txpool_pending',
    help: 'Transactions waiting in the pool',
    registers: [this.registry],
  });
  readonly pendingBytes = new Gauge({
    name: 'lingding_txpool_bytes',
    help: 'Bytes of transactions waiting in the pool',
    registers: [this.registry],
  });
  readonly txsCommitted = new Counter({
    name: 'lingding_transactions_committed_total',
    help: 'Transactions committed in blocks (rate() gives tx/s)',
    registers: [this.registry],
  });
  readonly blocksCommitted = new Counter({
    name: 'lingding_blocks_committed_total',
    help: 'Blocks committed',
    registers: [this.registry],
  });
  readonly txsRejected = new Counter({
    name: 'lingding_txpool_rejected_total',
    help: 'Transactions refused by the pool',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly txsEvicted = new Counter({
    name: 'lingding_txpool_evicted_total',
    help: 'Transactions that left the pool uncommitted, by reason (PENDING_TTL, BLOCK_LIMIT_EXPIRED)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly consensusDropped = new Counter({
    name: 'lingding_consensus_dropped_messages_total',
    help: 'Consensus messages dropped by reason: queue_count, queue_bytes (the peer passed its inbound budget), malformed, invalid (bad signature or signer), penalised (the peer is being ignored)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly peersPenalised = new Counter({
    name: 'lingding_peer_penalties_total',
    help: 'Times a peer was ignored for sending too many bad messages (peerPenalty.maxBadMessages within windowMs)',
    registers: [this.registry],
  });
  readonly supervisionIndexedHeight = new Gauge({
    name: 'lingding_supervision_indexed_height',
    help: 'Newest block a regulator node has decrypted, indexed and run its rules over',
    registers: [this.registry],
  });
  readonly supervisionBlockSeconds = new Histogram({
    name: 'lingding_supervision_block_seconds',
    help: 'Time a regulator node takes to supervise one committed block (decrypt, index, rules, store)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly supervisionRulesSeconds = new Histogram({
    name: 'lingding_supervision_rules_seconds',
    help: 'Time a regulator node spends evaluating its rules over one committed block',
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1],
    registers: [this.registry],
  });
  readonly supervisionAlerts = new Counter({
    name: 'lingding_supervision_alerts_total',
    help: 'Supervision alerts raised by this regulator node, by rule kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly blockInterval = new Histogram({
    name: 'lingding_block_interval_seconds',
    help: 'Time between consecutive committed blocks',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [this.registry],
  });
  readonly blockCommit = new Histogram({
    name: 'lingding_block_commit_seconds',
    help: 'Time to build/execute and persist one block',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers: [this.registry],
  });
  readonly rpcRequests = new Counter({
    name: 'lingding_rpc_requests_total',
    help: 'JSON-RPC calls by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly wsConnections = new Gauge({
    name: 'lingding_rpc_ws_connections',
    help: 'WebSocket JSON-RPC connections open',
    registers: [this.registry],
  });
  readonly wsDropped = new Counter({
    name: 'lingding_rpc_ws_dropped_total',
    help: 'WebSocket connections the node closed: slow_consumer (rpc.wsMaxBufferedBytes), no_pong (keepalive)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** The node's CPU time by phase (node/metrics/cpu-clock.ts); read out by lingding_cpu_seconds_total. */
  readonly cpu = new CpuClock();
  /** What lingding_cpu_seconds_total has reported so far, per phase: a scrape adds the difference. */
  private readonly cpuReported = new Map<CpuBreakdownPhase, number>();
  readonly cpuSeconds = new Counter({
    name: 'lingding_cpu_seconds_total',
    help: "CPU time of this node's process by phase: rpc, admission, gossip, consensus, execution, storage, sync (main thread, wrapped sections), main_other (the main thread's rest: p2p transport, timers, GC), signature (recovery worker threads), background (the process's other threads: LevelDB, V8 helpers)",
    labelNames: ['phase'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [phase, seconds] of Object.entries(this.cpu.snapshot()) as Array<[CpuBreakdownPhase, number]>) {
        const delta = seconds - (this.cpuReported.get(phase) ?? 0);
        if (delta > 0) {
          this.cpuSeconds.inc({ phase }, delta);
          this.cpuReported.set(phase, seconds);
        }
      }
    },
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'lingding_process_' });
  }
}
