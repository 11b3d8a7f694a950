// The arithmetic of replicas on its own: sample-weighted means (the gradient over all the replicas'
// batches together), the task push made from the replicas' pushes, and a replica's vector for its
// task's own parameters packed and unpacked around the positions the round needs.
import { describe, expect, it } from 'vitest';
import type { CompletePush } from '../../coordinator/push-receiver.js';
import { combinePushes, sampleShares, weightedMean } from '../../coordinator/replica-mean.js';
import { VectorAssembler, vectorParts } from '../../compression/vector-stream.js';
import { ErrorCode, WireError } from '../../proto/codec.js';
import { packReplicaVector, unpackReplicaVector, vectorLength, type VectorLayout } from '../../worker/replica-vector.js';

const f32 = (...v: number[]) => Float32Array.from(v);

function push(gradient: Float32Array[], samples: number, loss: number, accuracy?: number): CompletePush {
  return { task: 't', baseVersion: 3, gradient, loss, samples, evaluation: accuracy === undefined ? null : { accuracy, loss, samples: 10 } };
}

describe('sample-weighted means', () => {
  it('weighs each replica by its samples', () => {
    expect(sampleShares([32, 32])).toEqual([0.5, 0.5]);
    expect(sampleShares([10, 30])).toEqual([0.25, 0.75]);
    expect(sampleShares([0, 0, 0])).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const into = new Float32Array(3);
    weightedMean(into, [f32(1, 2, 3), f32(5, 6, 7)], [0.25, 0.75]);
    expect(Array.from(into)).toEqual([4, 5, 6]);
    weightedMean(into, [f32(1, 1, 1), f32(2, 2, 2), f32(4, 4, 4)], [0.5, 0.25, 0.25]);
    expect(Array.from(into)).toEqual([2, 2, 2]);
    expect(() => weightedMean(into, [f32(1, 2)], [1])).toThrow(/2 entries, expected 3/);
  });

  it('is the mean over the batches together: two batch means of 32 give the mean of 64', () => {
    const values = Array.from({ length: 64 }, (_, i) => Math.sin(i) * 3);
    const mean = (v: number[]) => v.reduce((a, x) => a + x, 0) / v.length;
    const into = new Float32Array(1);
    weightedMean(into, [f32(mean(values.slice(0, 32))), f32(mean(values.slice(32)))], sampleShares([32, 32]));
    expect(into[0]).toBeCloseTo(mean(values), 6);
  });

  it("makes the task's push in the first replica's buffers and gives the others back", () => {
    const released: Float32Array[][] = [];
    const first = [f32(2, 4)];
    const second = [f32(6, 8)];
    const { push: task, vector } = combinePushes(
      [
        { push: push(first, 16, 1.0), vector: f32(1, 1, 1), samples: 16, lead: false },
        { push: push(second, 48, 2.0, 0.9), vector: f32(3, 3, 3), samples: 48, lead: true },
      ],
      (g) => released.push(g),
    );
    expect(task.gradient).toBe(first);
    expect(Array.from(first[0])).toEqual([5, 7]);
    expect(released).toEqual([second]);
    expect(Array.from(vector)).toEqual([2.5, 2.5, 2.5]);
    expect(task.samples).toBe(64);
    expect(task.loss).toBeCloseTo(1.75, 12);
    expect(task.evaluation?.accuracy).toBe(0.9);
    expect(() =>
      combinePushes(
        [
          { push: push([f32(1)], 1, 0), vector: f32(1), samples: 1, lead: true },
          { push: push([f32(1)], 1, 0), vector: f32(1, 2), samples: 1, lead: false },
        ],
        () => {},
      ),
    ).toThrow(/vectors differ in length \(2 against 1\)/);
  });
});

describe("a replica's vector", () => {
  const layout = (positions: (Uint8Array | null)[]): VectorLayout => ({ positions, sharedSizes: [4, 3], headSizes: [2], statsSizes: [1] });

  it('carries every entry while S_t is dense, then only the support', () => {
    const parts = { shared: [f32(1, 2, 3, 4), f32(5, 6, 7)], head: [f32(8, 9)], stats: [f32(10)] };
    const dense = layout([null, null]);
    expect(vectorLength(dense)).toBe(10);
    expect(Array.from(packReplicaVector(dense, parts))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const sparse = layout([Uint8Array.from([0, 1, 0, 1]), Uint8Array.from([1, 0, 0])]);
    const packed = packReplicaVector(sparse, parts);
    expect(Array.from(packed)).toEqual([2, 4, 5, 8, 9, 10]);
    const back = unpackReplicaVector(sparse, packed);
    expect(back.shared.map((v) => Array.from(v))).toEqual([
      [0, 2, 0, 4],
      [5, 0, 0],
    ]);
    expect(Array.from(back.head[0])).toEqual([8, 9]);
    expect(Array.from(back.stats[0])).toEqual([10]);
    expect(() => unpackReplicaVector(sparse, packed.subarray(1))).toThrow(/5 values; this replica's state expects 6/);
  });

  it('travels in parts and is bounded before anything is allocated', () => {
    const values = Float32Array.from({ length: 3000 }, (_, i) => i / 7);
    const parts = vectorParts(values, 1024);
    expect(parts.length).toBeGreaterThan(2);
    const assembler = new VectorAssembler('test vector', 3000);
    let whole: Float32Array | null = null;
    parts.forEach((p, i) => (whole = assembler.accept(i, parts.length, p)));
    expect(Array.from(whole!)).toEqual(Array.from(values));
    const small = new VectorAssembler('test vector', 2999);
    const refusal = (() => {
      try {
        small.accept(0, parts.length, parts[0]);
      } catch (err) {
        return err as WireError;
      }
      return null;
    })();
    expect(refusal?.code).toBe(ErrorCode.SHAPE);
    expect(refusal?.message).toMatch(/3000 entries; this task's vectors have 1 to 2999/);
    expect(() => new VectorAssembler('v', 10).accept(1, 2, parts[1])).toThrow(/part 1 arrived first/);
  });
});
