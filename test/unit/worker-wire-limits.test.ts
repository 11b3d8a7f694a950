// What the worker takes from a coordinator: the welcome's config (schema, JSON, chunk bounds, protocol),
// W's and a task state's layouts checked before anything is allocated, and frame limits that fit the
// largest welcome the run can produce while staying far below what an unbounded socket would take.
import { describe, expect, it } from 'vitest';
import { taskStateParts } from '../../compression/task-state-stream.js';
import { encodeStream, rawF32 } from '../../compression/tensor-stream.js';
import { ENCODING_IDS } from '../../compression/encodings/index.js';
import { parseRunConfig } from '../../config/load.js';
import { MAX_CHUNK_BYTES } from '../../config/schema.js';
import { headSpec, totalSize } from '../../model/spec.js';
import { encode, Encoding, f32Tensor, PROTOCOL_VERSION, WireError } from '../../proto/codec.js';
import { Handshake } from '../../worker/handshake.js';
import { planRun } from '../../worker/run-plan.js';
import { toTaskStateMessage } from '../../worker/task-state.js';
import { UpdateParts } from '../../worker/updates.js';
import { PRE_WELCOME_MAX_FRAME_BYTES } from '../../worker/wire-limits.js';
import { tinyRunConfig, tinySpec, welcomeFor } from '../support/fake-coordinator.js';

const URL = 'ws://coordinator:8700';
const config = tinyRunConfig();
const spec = tinySpec(config);

describe('planRun: the welcome', () => {
  it('plans the run its config describes, with W and task-state layouts from the model', () => {
    const plan = planRun(welcomeFor(config), 'a', URL, null);
    expect(plan.shared.map((t) => t.name)).toEqual(spec.shared.map((t) => t.name));
    expect(plan.stateLayout.head(3).map((t) => t.shape)).toEqual(headSpec(spec, 3).map((t) => t.shape));
  });

  it('refuses a config that is not JSON, saying where', () => {
    expect(() => planRun({ ...welcomeFor(config), configJson: '{\n "seed": 1,\n "model": [' }, 'a', URL, null)).toThrow(
      /^the coordinator's welcome config \(from ws:\/\/coordinator:8700\) is not valid JSON: line 3, column \d+: /,
    );
  });

  it('refuses a welcome without a config, one of another protocol, and one without this task', () => {
    expect(() => planRun({ ...welcomeFor(config), configJson: '' }, 'a', URL, null)).toThrow(/carries no run config/);
    expect(() => planRun({ ...welcomeFor(config), protocolVersion: PROTOCOL_VERSION + 1 }, 'a', URL, null)).toThrow(/protocol version/);
    expect(() => planRun(welcomeFor(config), 'zebra', URL, null)).toThrow(/has no task "zebra" \(its tasks: a\)/);
  });

  it('refuses a chunk size outside the bounds, in one line', () => {
    for (const chunk of [1, 1023, MAX_CHUNK_BYTES + 1]) {
      const json = JSON.stringify({ ...config, distributed: { ...config.distributed, chunk_bytes: chunk } });
      let message = '';
      try {
        planRun({ ...welcomeFor(config), configJson: json }, 'a', URL, null);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/chunk_bytes/);
      expect(message).not.toContain('\n');
    }
  });

  it("refuses a head of more classes than the task's data can have", () => {
    const plan = planRun(welcomeFor(config), 'a', URL, null);
    expect(() => plan.stateLayout.head(2 ** 31)).toThrow(WireError);
  });
});

describe('frame limits', () => {
  it("fit the run's largest welcome (config, W and the task state inline) and stay near the model's size", () => {
    const plan = planRun(welcomeFor(config), 'a', URL, null);
    const zeros = (n: number) => new Float32Array(n);
    const heads = headSpec(spec, 3);
    const state = toTaskStateMessage(
      'a',
      spec,
      3,
      {
        step: 4,
        sparse: spec.shared.map((t) => zeros(t.size)),
        support: spec.shared.map((t) => new Uint8Array(t.size)),
        head: heads.map((h) => zeros(h.size)),
        headOptimizer: { type: 'adam', step: 4, slots: [heads.map((h) => zeros(h.size)), heads.map((h) => zeros(h.size))] },
        sparseOptimizer: { type: 'adam', step: 4, slots: [spec.shared.map((t) => zeros(t.size)), spec.shared.map((t) => zeros(t.size))] },
        stats: spec.stats.map((t) => zeros(t.size)),
        sampler: { epoch: 2 ** 40, position: 2 ** 40 },
      },
      {},
    );
    expect(taskStateParts(state, config.distributed.chunk_bytes)).toHaveLength(1);
    const frame = encode('welcome', { ...welcomeFor(config), taskState: state });
    expect(frame.byteLength).toBeLessThanOrEqual(plan.maxFrameBytes);
    expect(plan.maxFrameBytes).toBeLessThan(2 << 20);
    expect(PRE_WELCOME_MAX_FRAME_BYTES).toBeGreaterThanOrEqual(2 * MAX_CHUNK_BYTES);
  });

  it('fit the parts of a model bigger than a chunk', () => {
    const big = parseRunConfig({ ...config, model: { arch: 'mlp', hidden: [128] }, distributed: { ...config.distributed, chunk_bytes: 1024 } }, 'test');
    const plan = planRun(welcomeFor(big), 'a', URL, null);
    const w = tinySpec(big).shared.map((t) => ({ name: t.name, shape: t.shape, values: new Float32Array(t.size) }));
    const parts = encodeStream(w, 1024, ENCODING_IDS.f32, rawF32);
    expect(parts.length).toBeGreaterThan(1);
    for (const [i, shared] of parts.entries()) expect(encode('update', { version: 1, part: i, parts: parts.length, shared }).byteLength).toBeLessThanOrEqual(plan.maxFrameBytes);
  });
});

describe('UpdateParts and Handshake: checked against the layout before allocating', () => {
  const layout = spec.shared;

  it('refuses a declared shape of 2^62 entries with a WireError, not a RangeError', () => {
    const parts = new UpdateParts(layout);
    const absurd = { name: spec.shared[0].name, shape: [2 ** 31, 2 ** 31], encoding: Encoding.ENCODING_F32, data: new Uint8Array(16) };
    expect(() => parts.accept({ version: 1, part: 0, parts: 2, shared: [absurd] })).toThrow(WireError);
  });

  it('refuses a part whose start never came, and an update begun inside another', () => {
    expect(() => new UpdateParts(layout).accept({ version: 1, part: 1, parts: 2, shared: [] })).toThrow(/part 0 is missing/);
    const parts = new UpdateParts(layout);
    const first = f32Tensor(spec.shared[0].name, spec.shared[0].shape, new Float32Array(spec.shared[0].size));
    expect(parts.accept({ version: 1, part: 0, parts: 2, shared: [first] })).toBeNull();
    expect(() => parts.accept({ version: 2, part: 0, parts: 2, shared: [first] })).toThrow(/began before the update in progress ended/);
  });

  it('takes a whole update, and a final "done" update with no tensors', () => {
    const whole = spec.shared.map((t) => f32Tensor(t.name, t.shape, new Float32Array(t.size)));
    expect(new UpdateParts(layout).accept({ version: 1, shared: whole })?.tensors).toHaveLength(spec.shared.length);
    expect(new UpdateParts(layout).accept({ version: 5, shared: [], done: true })?.tensors).toEqual([]);
    expect(() => new UpdateParts(layout).accept({ version: 5, shared: [] })).toThrow(WireError);
  });

  it("checks a welcome's inline task state against the layout", () => {
    const plan = planRun(welcomeFor(config), 'a', URL, null);
    const wrong = { task: 'a', classes: 3, sparse: [f32Tensor('not/a/tensor', [4], new Float32Array(4))] };
    expect(() => new Handshake(welcomeFor(config, { taskState: wrong }), plan.stateLayout)).toThrow(/tensor 0 is "not\/a\/tensor"/);
    expect(totalSize(spec.shared)).toBeGreaterThan(0);
  });
});
