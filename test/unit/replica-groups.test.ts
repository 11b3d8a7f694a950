// The replica policy on its own: a task forms when its configured replicas are in (or its wait is over),
// a member's push completes the task's part of the round once every member's is in, a member that
// leaves is dropped from the round at once, and a newcomer joins at the close of the round in which the
// lead sent the task's state, applying that round's step with the members.
import { describe, expect, it } from 'vitest';
import { ReplicaGroups } from '../../coordinator/replica-groups.js';

const WAIT = 1000;
const groups = (replicas = 2) =>
  new ReplicaGroups<string, number>(
    new Map([
      ['t', replicas],
      ['solo', 1],
    ]),
    WAIT,
  );

describe('ReplicaGroups', () => {
  it('knows the replicated tasks only', () => {
    const g = groups();
    expect(g.isReplicated('t')).toBe(true);
    expect(g.isReplicated('solo')).toBe(false);
    expect(g.tasks).toEqual(['t']);
  });

  it('starts a task once its configured replicas are in, ranks by slot, the lowest slot leading', () => {
    const g = groups(3);
    expect(g.join('t', 'r2', 2, 0)).toEqual([]);
    expect(g.join('t', 'r0', 0, 10)).toEqual([]);
    expect(g.isMember('t', 'r0')).toBe(false);
    expect(g.join('t', 'r1', 1, 20)).toEqual(['r0', 'r1', 'r2']);
    expect(g.isLead('t', 'r0')).toBe(true);
    expect(g.connected('t')).toBe(3);
  });

  it('starts with the replicas in once the first has waited long enough', () => {
    const g = groups(3);
    g.join('t', 'r1', 1, 100);
    expect(g.formDue(100 + WAIT - 1)).toEqual([]);
    expect(g.formDue(100 + WAIT)).toEqual([{ task: 't', members: ['r1'] }]);
    expect(g.isLead('t', 'r1')).toBe(true);
    // Once it trained, a task with no member left starts again at once with whoever joins.
    g.leave('t', 'r1');
    expect(g.join('t', 'r2', 2, 5000)).toEqual(['r2']);
  });

  it("completes the task's round when every member pushed, or when the last one missing leaves", () => {
    const g = groups(3);
    g.join('t', 'a', 0, 0);
    g.join('t', 'b', 1, 0);
    g.join('t', 'c', 2, 0);
    expect(g.offer('t', 'a', 1)).toBe('waiting');
    expect(g.hasPushed('t', 'a')).toBe(true);
    expect(g.offer('t', 'b', 2)).toBe('waiting');
    expect(g.leave('t', 'c')).toBe(true);
    expect(g.takePushes('t')).toEqual([1, 2]);
    // A member that leaves before anyone pushed leaves nothing to complete.
    expect(g.leave('t', 'b')).toBe(false);
  });

  it('takes the pushes in so far at a deadline', () => {
    const g = groups(2);
    g.join('t', 'a', 0, 0);
    g.join('t', 'b', 1, 0);
    expect(g.partial()).toEqual([]);
    g.offer('t', 'b', 7);
    expect(g.partial()).toEqual(['t']);
    expect(g.takePushes('t')).toEqual([7]);
  });

  it('asks the lead for the state when a replica joins, and lets it in at the close of the round the state came in', () => {
    const g = groups(2);
    g.join('t', 'a', 0, 0);
    g.join('t', 'b', 1, 0);
    expect(g.join('t', 'n', 2, 50)).toEqual([]);
    expect(g.isMember('t', 'n')).toBe(false);
    // Round 4 closes: the newcomer waits, the lead is asked for the state.
    const asked = g.closeRound('t', 4);
    expect(asked.joining).toEqual([]);
    expect(asked.steps.map((s) => [s.handle, s.closes, s.rank, s.replicas, s.lead, s.sendState])).toEqual([
      ['a', true, 0, 2, true, true],
      ['b', true, 1, 2, false, false],
    ]);
    // A state from a replica that does not lead, or of another round, does not let it in.
    g.stateArrived('t', 'b', 5, 5);
    g.stateArrived('t', 'a', 4, 5);
    expect(g.closeRound('t', 5).joining).toEqual([]);
    // The lead's state of round 6: the newcomer joins at its close and applies its step too.
    g.stateArrived('t', 'a', 6, 6);
    const joined = g.closeRound('t', 6);
    expect(joined.joining).toEqual(['n']);
    expect(joined.closedReplicas).toBe(2);
    expect(joined.steps.map((s) => [s.handle, s.closes, s.rank, s.replicas, s.sendState])).toEqual([
      ['a', true, 0, 3, false],
      ['b', true, 1, 3, false],
      ['n', true, 2, 3, false],
    ]);
    expect(g.closeRound('t', 7).closedReplicas).toBe(3);
  });

  it('gives the lead to the lowest slot left when the lead leaves', () => {
    const g = groups(3);
    for (const [h, i] of [
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ] as const)
      g.join('t', h, i, 0);
    g.leave('t', 'a');
    expect(g.isLead('t', 'b')).toBe(true);
    const plan = g.closeRound('t', 0);
    expect(plan.closedReplicas).toBe(3);
    expect(plan.steps.map((s) => [s.handle, s.rank, s.replicas, s.lead])).toEqual([
      ['b', 0, 2, true],
      ['c', 1, 2, false],
    ]);
  });

  it('forms a task that lost every member again from the stored state at the next close, with no step to apply', () => {
    const g = groups(2);
    g.join('t', 'a', 0, 0);
    g.join('t', 'b', 1, 0);
    g.leave('t', 'a');
    g.leave('t', 'b');
    // Joined while the task had no member, after it trained: a member at once.
    expect(g.join('t', 'c', 0, 0)).toEqual(['c']);
    expect(g.closeRound('t', 3).steps.map((s) => s.closes)).toEqual([true]);
  });
});
