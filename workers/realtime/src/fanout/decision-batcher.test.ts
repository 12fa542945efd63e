import { describe, expect, it } from 'vitest';
import { DecisionBatcher } from './decision-batcher';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('DecisionBatcher', () => {
  it('sends the first decision of a quiet spell at once, alone', () => {
    const calls: number[][] = [];
    const batcher = new DecisionBatcher<number, number>({
      decide: async (batch) => {
        calls.push(batch);
        return batch;
      },
      answer: () => {},
    });
    const answered = batcher.push(1);
    expect(calls).toEqual([[1]]);
    return answered;
  });

  it('sends what arrived during a call together in the next call, in order, and answers each', async () => {
    const calls: number[][] = [];
    const pending: ReturnType<typeof deferred<number[]>>[] = [];
    const answers: [number, unknown][] = [];
    const batcher = new DecisionBatcher<number, number>({
      decide: (batch) => {
        calls.push(batch);
        const d = deferred<number[]>();
        pending.push(d);
        return d.promise;
      },
      answer: (decision, outcome) => answers.push([decision, outcome.ok ? outcome.value : 'failed']),
    });
    void batcher.push(1);
    void batcher.push(2);
    void batcher.push(3);
    expect(calls).toEqual([[1]]);
    expect(batcher.waiting).toBe(2);
    pending[0]!.resolve([10]);
    await until(() => calls.length === 2);
    expect(calls[1]).toEqual([2, 3]);
    pending[1]!.resolve([20, 30]);
    await until(() => answers.length === 3);
    expect(answers).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    expect({ calls: batcher.calls, decisions: batcher.decisions }).toEqual({ calls: 2, decisions: 3 });
  });

  it('answers every decision of a failed call with the error, and goes on with the next', async () => {
    let call = 0;
    const answers: [number, unknown][] = [];
    const batcher = new DecisionBatcher<number, number>({
      decide: async (batch) => {
        call++;
        if (call === 1) throw new Error('room gone');
        return batch.map((d) => d * 10);
      },
      answer: (decision, outcome) =>
        answers.push([decision, outcome.ok ? outcome.value : (outcome.error as Error).message]),
    });
    await Promise.all([batcher.push(1), batcher.push(2)]);
    expect(answers).toEqual([
      [1, 'room gone'],
      [2, 20],
    ]);
  });

  it('splits a long queue into calls of at most maxPerCall', async () => {
    const calls: number[][] = [];
    const gate = deferred<void>();
    const batcher = new DecisionBatcher<number, number>({
      decide: async (batch) => {
        calls.push(batch);
        if (calls.length === 1) await gate.promise;
        return batch;
      },
      answer: () => {},
      maxPerCall: 2,
    });
    for (let i = 0; i < 5; i++) void batcher.push(i);
    gate.resolve();
    await until(() => batcher.decisions === 5);
    expect(calls).toEqual([[0], [1, 2], [3, 4]]);
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(check()).toBe(true);
}
