// The round policy (coordinator/rounds.ts), without I/O: scenarios of joins, leaves, pushes, readiness
// checks and closes, each step with its expected outcome. Time is a plain number (ms) passed in.
import { describe, expect, it } from 'vitest';
import type { Contribution } from '../../coordinator/aggregation.js';
import { Rounds, type Refusal, type RoundPolicy } from '../../coordinator/rounds.js';

type PushExpectation = { accepted: true; staleness: number; scale: number } | { refused: Refusal; detail?: RegExp };

type Step =
  | { op: 'join'; task: string; at: number }
  | { op: 'leave'; task: string }
  | { op: 'push'; task: string; base: number; at: number; scale?: number; expect: PushExpectation }
  | { op: 'ready'; at: number; expect: boolean }
  | { op: 'close'; at: number; expect: { tasks: string[]; stragglers: string[]; version: number; scales?: number[] } }
  | { op: 'state'; version: number; active?: string[]; pending?: string[] }
  | { op: 'deadline'; at: number; ms: number | null; passed: boolean };

interface Scenario {
  name: string;
  tasks: string[];
  policy: Partial<RoundPolicy>;
  /** The version the rounds start from (a resumed run). */
  start?: number;
  steps: Step[];
}

const join = (task: string, at = 0): Step => ({ op: 'join', task, at });
const leave = (task: string): Step => ({ op: 'leave', task });
const ok = (task: string, base: number, at: number, staleness = 0, scale = 1, given?: number): Step => ({
  op: 'push',
  task,
  base,
  at,
  scale: given,
  expect: { accepted: true, staleness, scale },
});
const refused = (task: string, base: number, at: number, reason: Refusal, detail?: RegExp): Step => ({ op: 'push', task, base, at, expect: { refused: reason, detail } });
const ready = (at: number, expected: boolean): Step => ({ op: 'ready', at, expect: expected });
const close = (at: number, tasks: string[], stragglers: string[], version: number, scales?: number[]): Step => ({ op: 'close', at, expect: { tasks, stragglers, version, scales } });
const state = (version: number, active?: string[], pending?: string[]): Step => ({ op: 'state', version, active, pending });
const deadline = (at: number, ms: number | null, passed: boolean): Step => ({ op: 'deadline', at, ms, passed });

const SYNC: RoundPolicy = { mode: 'sync', quorum: 2, staleness: 0, deadlineMs: 1000 };
const ASYNC: RoundPolicy = { mode: 'async', quorum: 1, staleness: 2, deadlineMs: 1000 };

/** A contribution whose gradient says which task pushed it for which base version. */
function contribution(task: string, base: number, scale?: number): Contribution {
  const c: Contribution = { task, weight: 1, gradient: [new Float32Array([task.charCodeAt(0), base])] };
  if (scale !== undefined) c.scale = scale;
  return c;
}

function play(rounds: Rounds, steps: readonly Step[]): void {
  steps.forEach((step, i) => {
    const where = `step ${i}: ${JSON.stringify(step)}`;
    switch (step.op) {
      case 'join':
        rounds.join(step.task, step.at);
        break;
      case 'leave':
        rounds.leave(step.task);
        break;
      case 'push': {
        const offer = rounds.offer(step.task, step.base, contribution(step.task, step.base, step.scale), step.at);
        const want = step.expect;
        if ('accepted' in want) {
          expect(offer, where).toEqual({ accepted: true, staleness: want.staleness, scale: expect.closeTo(want.scale, 12) });
        } else {
          expect(offer.accepted, where).toBe(false);
          if (offer.accepted) break;
          expect(offer.reason, where).toBe(want.refused);
          expect(offer.detail, where).toBeTypeOf('string');
          if (want.detail) expect(offer.detail, where).toMatch(want.detail);
        }
        break;
      }
      case 'ready':
        expect(rounds.ready(step.at), where).toBe(step.expect);
        break;
      case 'close': {
        const before = rounds.version;
        const out = rounds.close(step.at);
        expect(out.version, where).toBe(step.expect.version);
        expect(out.version, `${where}: one version per close`).toBe(before + 1);
        expect(rounds.version, where).toBe(out.version);
        expect(
          out.contributions.map((c) => c.task),
          where,
        ).toEqual(step.expect.tasks);
        // each contribution is the one its task pushed (in sync mode: for the round that closed)
        for (const c of out.contributions) {
          expect(c.gradient[0][0], where).toBe(c.task.charCodeAt(0));
          if (rounds.policy.mode === 'sync') expect(c.gradient[0][1], where).toBe(before);
        }
        expect(out.stragglers, where).toEqual(step.expect.stragglers);
        if (step.expect.scales) {
          expect(out.contributions.length, where).toBe(step.expect.scales.length);
          out.contributions.forEach((c, k) => expect(c.scale ?? 1, `${where}: scale of ${c.task}`).toBeCloseTo(step.expect.scales![k], 12));
        }
        expect(rounds.pendingTasks, `${where}: nothing pending after a close`).toEqual([]);
        break;
      }
      case 'state':
        expect(rounds.version, where).toBe(step.version);
        if (step.active) expect([...rounds.activeTasks].sort(), where).toEqual([...step.active].sort());
        if (step.pending) expect([...rounds.pendingTasks].sort(), where).toEqual([...step.pending].sort());
        break;
      case 'deadline':
        expect(rounds.msUntilDeadline(step.at), where).toBe(step.ms);
        expect(rounds.deadlinePassed(step.at), where).toBe(step.passed);
        break;
    }
  });
}

function run(s: Scenario): void {
  const policy = { ...(s.policy.mode === 'async' ? ASYNC : SYNC), ...s.policy };
  play(new Rounds(s.tasks, policy, s.start), s.steps);
}

/** All of a, b, c join at 0 and push for version 0, and round 0 closes at 10 with everyone in. */
const firstRoundAll: Step[] = [join('a'), join('b'), join('c'), ok('a', 0, 5), ok('b', 0, 6), ok('c', 0, 7), ready(7, true), close(10, ['a', 'b', 'c'], [], 1)];

const syncScenarios: Scenario[] = [
  {
    name: 'a round closes only when every active task pushed (before the deadline)',
    tasks: ['a', 'b', 'c'],
    policy: {},
    steps: [
      join('a'),
      join('b'),
      join('c'),
      ready(1, false), // nothing pending
      ok('a', 0, 5),
      ready(5, false),
      ok('b', 0, 6),
      ready(6, false),
      state(0, ['a', 'b', 'c'], ['a', 'b']),
      ok('c', 0, 7),
      ready(7, true),
      close(8, ['a', 'b', 'c'], [], 1),
      ok('b', 1, 20),
      ready(20, false),
      ok('a', 1, 21),
      ready(21, false),
      ok('c', 1, 22),
      ready(22, true),
      close(23, ['a', 'b', 'c'], [], 2),
      state(2, ['a', 'b', 'c'], []),
    ],
  },
  {
    name: 'contributions come back in the configured task order, whatever the push order',
    tasks: ['c', 'a', 'b'],
    policy: {},
    steps: [join('a'), join('b'), join('c'), ok('b', 0, 1), ok('a', 0, 2), ok('c', 0, 3), ready(3, true), close(4, ['c', 'a', 'b'], [], 1)],
  },
  {
    name: 'a round waits for every configured task, joined or not, and closes at the deadline with the quorum; the absent task straggles',
    tasks: ['a', 'b', 'c'],
    policy: { quorum: 2 },
    steps: [
      join('a', 0),
      join('b', 0),
      ok('a', 0, 10),
      ok('b', 0, 20),
      state(0, ['a', 'b'], ['a', 'b']),
      ready(20, false), // every joined task pushed, but c has not joined
      ready(999, false),
      deadline(999, 1, false),
      ready(1000, true), // the deadline, with the quorum of 2 in
      close(1000, ['a', 'b'], ['c'], 1), // c never joined: it counts, as a straggler
    ],
  },
  {
    name: 'the last task joining and pushing closes the round early',
    tasks: ['a', 'b', 'c'],
    policy: {},
    steps: [
      join('a', 0),
      join('b', 0),
      ok('a', 0, 10),
      ok('b', 0, 20),
      ready(300, false),
      join('c', 400),
      ready(400, false),
      ok('c', 0, 500),
      ready(500, true),
      close(500, ['a', 'b', 'c'], [], 1),
    ],
  },
  {
    name: 'a task whose worker left still counts against the quorum: with quorum = every task, the rounds wait for it',
    tasks: ['a', 'b', 'c'],
    policy: { quorum: 3, deadlineMs: 1000 },
    steps: [
      ...firstRoundAll,
      leave('c'),
      ok('a', 1, 20),
      ok('b', 1, 21),
      ready(21, false),
      ready(1010, false),
      ready(100_000, false),
      join('c', 100_001),
      ok('c', 1, 100_002),
      ready(100_002, true),
      close(100_003, ['a', 'b', 'c'], [], 2),
    ],
  },
  {
    name: 'at the deadline with >= quorum pushes it closes; the active tasks that did not push are the stragglers',
    tasks: ['a', 'b', 'c'],
    policy: { quorum: 2, deadlineMs: 1000 },
    steps: [
      ...firstRoundAll, // the next round opens at the close, t = 10
      ok('a', 1, 20),
      ok('b', 1, 30),
      ready(30, false),
      deadline(30, 980, false),
      ready(1009, false),
      deadline(1009, 1, false),
      ready(1010, true),
      deadline(1010, 0, true),
      close(1010, ['a', 'b'], ['c'], 2),
    ],
  },
  {
    name: 'the deadline with every task but one straggling and a quorum of 1',
    tasks: ['a', 'b', 'c'],
    policy: { quorum: 1, deadlineMs: 50 },
    steps: [...firstRoundAll, ok('b', 1, 11), ready(59, false), ready(60, true), close(60, ['b'], ['a', 'c'], 2)],
  },
  {
    name: 'below quorum at the deadline it does not close, and closes once the quorum is in',
    tasks: ['a', 'b', 'c'],
    policy: { quorum: 2, deadlineMs: 1000 },
    steps: [...firstRoundAll, ok('a', 1, 20), ready(1010, false), deadline(1010, 0, true), ready(50_000, false), ok('b', 1, 50_001), ready(50_001, true), close(50_002, ['a', 'b'], ['c'], 2)],
  },
  {
    name: 'below quorum at the deadline in the very first round it does not close',
    tasks: ['a', 'b', 'c'],
    policy: { quorum: 3, deadlineMs: 100 },
    steps: [join('a'), join('b'), ok('a', 0, 1), ok('b', 0, 2), ready(100, false), ready(10_000, false), state(0, ['a', 'b'], ['a', 'b'])],
  },
  {
    name: 'a task that leaves keeps its push for the open round, and is waited for in the next until the deadline',
    tasks: ['a', 'b', 'c'],
    policy: { quorum: 2, deadlineMs: 1000 },
    steps: [
      ...firstRoundAll,
      ok('a', 1, 20),
      leave('a'),
      state(1, ['b', 'c'], ['a']),
      ready(21, false),
      ok('b', 1, 22),
      ready(22, false),
      ok('c', 1, 23),
      ready(23, true),
      close(24, ['a', 'b', 'c'], [], 2), // a's push counts; a is no straggler
      ok('b', 2, 30),
      ok('c', 2, 31),
      ready(31, false), // a is away, but still a task of the run
      ready(1023, false),
      ready(1024, true), // the deadline, with the quorum of 2
      close(1024, ['b', 'c'], ['a'], 3),
    ],
  },
  {
    name: 'a task that leaves without pushing is waited for until the deadline, then straggles',
    tasks: ['a', 'b', 'c'],
    policy: { quorum: 2, deadlineMs: 1000 },
    steps: [...firstRoundAll, ok('a', 1, 20), ok('b', 1, 21), ready(21, false), leave('c'), ready(22, false), ready(1010, true), close(1010, ['a', 'b'], ['c'], 2)],
  },
  {
    name: 'a task that leaves and joins again closes the round as soon as it pushes',
    tasks: ['a', 'b'],
    policy: { quorum: 1, deadlineMs: 1000 },
    steps: [
      join('a'),
      join('b'),
      ok('a', 0, 1),
      ok('b', 0, 2),
      close(3, ['a', 'b'], [], 1),
      leave('b'),
      ok('a', 1, 4),
      ready(4, false),
      ready(1003, true),
      close(1003, ['a'], ['b'], 2),
      join('b', 1006),
      ok('a', 2, 1007),
      ready(1007, false),
      ok('b', 2, 1008),
      ready(1008, true),
      close(1009, ['a', 'b'], [], 3),
    ],
  },
  {
    name: "refusals: 'stale', 'future', 'duplicate', 'unknown_task', none of which changes the open round",
    tasks: ['a', 'b', 'c'],
    policy: {},
    steps: [
      ...firstRoundAll,
      refused('a', 0, 20, 'stale', /round 0 is closed; the current version is 1/),
      refused('a', 2, 21, 'future', /base version 2 is ahead of the current 1/),
      refused('a', 99, 21, 'future', /99/),
      ok('a', 1, 22),
      refused('a', 1, 23, 'duplicate', /task "a" already pushed for version 1/),
      refused('z', 1, 24, 'unknown_task', /no task "z"/),
      refused('z', 0, 24, 'unknown_task'), // the task is judged before the version
      state(1, ['a', 'b', 'c'], ['a']),
      ok('b', 1, 25),
      ok('c', 1, 26),
      ready(26, true),
      close(27, ['a', 'b', 'c'], [], 2),
      // a push for a closed round is stale, whoever makes it
      refused('a', 1, 28, 'stale', /round 1 is closed; the current version is 2/),
      refused('b', 0, 28, 'stale'),
      state(2, ['a', 'b', 'c'], []),
    ],
  },
  {
    name: 'the version advances by one per close, from the version the run resumed at',
    tasks: ['a', 'b'],
    policy: {},
    start: 7,
    steps: [
      state(7),
      join('a'),
      join('b'),
      refused('a', 6, 1, 'stale'),
      refused('a', 8, 1, 'future'),
      ok('a', 7, 1),
      ok('b', 7, 2),
      close(3, ['a', 'b'], [], 8),
      ok('a', 8, 4),
      ok('b', 8, 5),
      close(6, ['a', 'b'], [], 9),
      ok('b', 9, 7),
      close(8, ['b'], ['a'], 10), // the caller may close a round whenever it likes; a then straggled
      state(10, ['a', 'b'], []),
    ],
  },
];

const asyncScenarios: Scenario[] = [
  {
    name: 'a push with staleness s <= bound is accepted with scale 1 / (1 + s); a staler one is refused with the bound',
    tasks: ['a', 'b', 'c'],
    policy: { mode: 'async', staleness: 2 },
    start: 5,
    steps: [
      join('a'),
      join('b'),
      join('c'),
      ok('a', 3, 1, 2, 1 / 3),
      refused('b', 2, 2, 'stale', /base version 2 is 3 behind 5 \(bound 2\)/),
      refused('c', 6, 3, 'future', /ahead/),
      state(5, ['a', 'b', 'c'], ['a']),
      close(4, ['a'], [], 6, [1 / 3]),
      ok('b', 5, 5, 1, 1 / 2),
      close(6, ['b'], [], 7, [1 / 2]),
      ok('c', 7, 7, 0, 1),
      close(8, ['c'], [], 8, [1]),
    ],
  },
  {
    name: "the staleness scale multiplies into the contribution's own scale",
    tasks: ['a', 'b'],
    policy: { mode: 'async', staleness: 4 },
    start: 10,
    steps: [join('a'), join('b'), ok('a', 9, 1, 1, 1 / 2, 0.5), ok('b', 6, 2, 4, 1 / 5, 3), close(3, ['a', 'b'], [], 11, [0.25, 3 / 5])],
  },
  {
    name: 'async rounds are ready as soon as one push is pending, and have no stragglers',
    tasks: ['a', 'b', 'c'],
    policy: { mode: 'async', staleness: 2, quorum: 3, deadlineMs: 1_000_000 },
    steps: [
      join('a'),
      join('b'),
      join('c'),
      ready(0, false), // nothing pending
      ok('b', 0, 1),
      ready(1, true), // well before the deadline, with one push of three tasks and a quorum of 3
      close(1, ['b'], [], 1, [1]), // a and c are active and did not push: not stragglers in async mode
      ok('a', 0, 2, 1, 1 / 2),
      ready(2, true),
      close(2, ['a'], [], 2, [1 / 2]),
    ],
  },
  {
    name: 'async with a staleness bound of 0 takes only pushes for the current version',
    tasks: ['a'],
    policy: { mode: 'async', staleness: 0 },
    start: 3,
    steps: [join('a'), refused('a', 2, 1, 'stale', /bound 0/), ok('a', 3, 2, 0, 1), close(3, ['a'], [], 4, [1])],
  },
  { name: 'async refuses unknown tasks', tasks: ['a'], policy: { mode: 'async' }, steps: [refused('b', 0, 1, 'unknown_task'), ready(1, false)] },
];

const deadlineScenarios: Scenario[] = [
  {
    name: 'null before any round opened, counts down from the first join, 0 when passed',
    tasks: ['a', 'b'],
    policy: { deadlineMs: 1000 },
    steps: [
      deadline(0, null, false),
      deadline(5000, null, false),
      join('a', 100),
      deadline(100, 1000, false),
      deadline(600, 500, false),
      deadline(1099, 1, false),
      deadline(1100, 0, true),
      deadline(9999, 0, true),
      join('b', 2000), // a later join does not move the deadline
      deadline(2000, 0, true),
    ],
  },
  {
    name: 'a close opens the next round at its time',
    tasks: ['a', 'b'],
    policy: { deadlineMs: 1000 },
    steps: [join('a', 0), join('b', 0), ok('a', 0, 10), ok('b', 0, 20), close(1500, ['a', 'b'], [], 1), deadline(1500, 1000, false), deadline(2250, 250, false), deadline(2500, 0, true)],
  },
  {
    name: 'a first push opens the round when nobody joined',
    tasks: ['a', 'b'],
    policy: { deadlineMs: 300 },
    steps: [deadline(0, null, false), ok('a', 0, 50), deadline(50, 300, false), deadline(200, 150, false), deadline(350, 0, true)],
  },
];

describe('Rounds, sync mode', () => {
  it.each(syncScenarios)('$name', (s) => run(s));

  // Every round, not only the first, waits for every configured task: a task that never joined is a
  // straggler of every round that closes at its deadline.
  it('every round waits for every configured task: one that never joined straggles in each', () => {
    run({
      name: 'second round, c never joined',
      tasks: ['a', 'b', 'c'],
      policy: { quorum: 2, deadlineMs: 1000 },
      steps: [
        join('a', 0),
        join('b', 0),
        ok('a', 0, 10),
        ok('b', 0, 20),
        ready(999, false),
        close(1000, ['a', 'b'], ['c'], 1), // at the deadline with the quorum
        ok('a', 1, 1010),
        ok('b', 1, 1020),
        ready(1020, false), // c is still waited for
        ready(2000, true),
        close(2000, ['a', 'b'], ['c'], 2),
      ],
    });
  });
});

describe('Rounds, async mode', () => {
  it.each(asyncScenarios)('$name', (s) => run(s));
});

describe('Rounds.msUntilDeadline and deadlinePassed', () => {
  it.each(deadlineScenarios)('$name', (s) => run(s));
});

describe('Rounds accessors', () => {
  it('reports the configured tasks and policy, and activeTasks follows joins and leaves', () => {
    const r = new Rounds(['a', 'b'], SYNC);
    expect(r.tasks).toEqual(['a', 'b']);
    expect(r.policy).toEqual(SYNC);
    expect(r.version).toBe(0);
    expect([...r.activeTasks]).toEqual([]);
    r.join('b', 0);
    r.join('a', 1);
    r.join('a', 2); // joining twice is one active task
    expect([...r.activeTasks].sort()).toEqual(['a', 'b']);
    r.leave('b');
    r.leave('b');
    expect([...r.activeTasks]).toEqual(['a']);
    expect(r.pendingTasks).toEqual([]);
  });

  it('a sync contribution is kept as pushed; an async one is a copy with the scale folded in', () => {
    const sync = new Rounds(['a'], SYNC);
    const c = contribution('a', 0);
    sync.join('a', 0);
    sync.offer('a', 0, c, 1);
    expect(sync.close(2).contributions[0]).toBe(c);

    const asyncRounds = new Rounds(['a'], ASYNC, 1);
    const d = contribution('a', 0, 0.8);
    asyncRounds.offer('a', 0, d, 1);
    const out = asyncRounds.close(2).contributions[0];
    expect(out.gradient).toBe(d.gradient);
    expect(out.scale).toBeCloseTo(0.4, 12);
    expect(d.scale).toBe(0.8); // the pushed object is not changed
  });
});
