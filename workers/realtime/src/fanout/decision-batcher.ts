/**
 * Adaptive batching of a shard's votes to its room: the first decision of a quiet spell goes at once, alone;
 * decisions that arrive while a call is in flight wait for it and go together in the next call. So a quiet room
 * pays no added latency, and a busy one sends its room one call per round trip instead of one per vote: the
 * room's thread, the one that cannot be sharded, spends its time deciding rather than answering calls.
 */

/** At most this many decisions per call, so that one call's answer never holds the room's thread for long. */
export const MAX_DECISIONS_PER_CALL = 256;

export interface DecisionBatcherOptions<D, R> {
  /** Decides a batch in order; resolves with one answer per decision, in the same order. */
  decide: (decisions: D[]) => Promise<R[]>;
  /** Called once per decision: with its answer, or with the error when the call failed as a whole. */
  answer: (decision: D, outcome: { ok: true; value: R } | { ok: false; error: unknown }) => void;
  maxPerCall?: number;
}

export class DecisionBatcher<D, R> {
  readonly #decide: (decisions: D[]) => Promise<R[]>;
  readonly #answer: DecisionBatcherOptions<D, R>['answer'];
  readonly #max: number;
  #queue: { decision: D; answered: () => void }[] = [];
  #inFlight = false;
  /** Calls made and decisions sent (stats). */
  calls = 0;
  decisions = 0;

  constructor(options: DecisionBatcherOptions<D, R>) {
    this.#decide = options.decide;
    this.#answer = options.answer;
    this.#max = Math.max(1, options.maxPerCall ?? MAX_DECISIONS_PER_CALL);
  }

  /** Decisions waiting for the call in flight to end. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Queues a decision; resolves once it is answered (a Durable Object's event handler that awaits it stays open
   * until then, as it did with one call per vote).
   */
  push(decision: D): Promise<void> {
    const answered = new Promise<void>((resolve) => this.#queue.push({ decision, answered: resolve }));
    if (!this.#inFlight) void this.#drain();
    return answered;
  }

  async #drain(): Promise<void> {
    this.#inFlight = true;
    try {
      while (this.#queue.length) {
        const batch = this.#queue.splice(0, this.#max);
        this.calls++;
        this.decisions += batch.length;
        let answers: R[] | undefined;
        let failure: unknown;
        try {
          answers = await this.#decide(batch.map((queued) => queued.decision));
          if (answers.length !== batch.length)
            throw new Error(`${answers.length} answers to ${batch.length} decisions`);
        } catch (err) {
          answers = undefined;
          failure = err;
        }
        for (let i = 0; i < batch.length; i++) {
          const queued = batch[i]!;
          try {
            this.#answer(queued.decision, answers ? { ok: true, value: answers[i]! } : { ok: false, error: failure });
          } finally {
            queued.answered();
          }
        }
      }
    } finally {
      this.#inFlight = false;
    }
  }
}
