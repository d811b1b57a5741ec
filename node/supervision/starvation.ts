/**
 * Decision 10: a regulator node that is starved of blocks says so itself. Starved = its head
 * more than `maxLagBlocks` behind the highest head its peers report, or no new block for
 * longer than the empty-block interval plus slack (a chain that commits nothing at all
 * still seals an empty block every interval, so silence means this node is cut off or the
 * chain is stalled). One alert per starved spell: the watch re-arms once blocks flow again.
 */
export interface StarvationOptions {
  readonly maxLagBlocks: number;
  /** consensus.emptyBlockIntervalMs + supervision.stallSlackMs. */
  readonly stallMs: number;
}

export interface StarvationDeps {
  /** This node's head. */
  readonly head: () => number;
  /** The highest head peers report (this node's own without networking). */
  readonly peerHead: () => number;
  /** The local clock (ms): starvation is about this node's wall time, never a consensus input. */
  readonly now: () => number;
  readonly onStarved: (reason: string) => void;
}

export class StarvationWatch {
  private lastBlockAt: number;
  private lastHead: number;
  private starved = false;

  constructor(
    private readonly opts: StarvationOptions,
    private readonly deps: StarvationDeps,
  ) {
    this.lastBlockAt = deps.now();
    this.lastHead = deps.head();
  }

  /** Looks once; the supervisor calls it on a timer. */
  check(): void {
    const now = this.deps.now();
    const head = this.deps.head();
    if (head !== this.lastHead) {
      this.lastHead = head;
      this.lastBlockAt = now;
    }
    const lag = this.deps.peerHead() - head;
    const silentMs = now - this.lastBlockAt;
    const reason =
      lag > this.opts.maxLagBlocks
        ? `head ${head} is ${lag} blocks behind the highest head peers report (${head + lag}); supervision.maxLagBlocks is ${this.opts.maxLagBlocks}`
        : silentMs > this.opts.stallMs
          ? `no new block for ${silentMs} ms (head ${head}); the chain seals one at least every ${this.opts.stallMs} ms with slack`
          : null;
    if (reason && !this.starved) this.deps.onStarved(reason);
    this.starved = reason !== null;
  }
}
