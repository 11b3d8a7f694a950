// A task state (hybrid.proto TaskState) as a tensor stream. Its tensors come in sections (S_t, its
// support, the head, the head's and S_t's optimizer slots, the task's statistics), each in a fixed order that both sides derive
// from the model, so the receiver checks every tensor's name and shape as it arrives. In parts, each
// part carries the next pieces of the sections in order.
import { ErrorCode, WireError, type TaskStateMessage, type TensorMessage } from '../proto/codec.js';
import { RawAssembler } from './stream-reader.js';
import { groupParts, partFields, rawPieces } from './tensor-stream.js';

interface TensorShape {
  name: string;
  shape: readonly number[];
}

/** What a task state of a model holds; the receiver's expectations. */
export interface TaskStateLayout {
  /** The shared tensors: S_t and its support have one tensor each per shared tensor. */
  shared: readonly TensorShape[];
  /** The head's tensors for a task of `classes` classes. */
  head(classes: number): readonly TensorShape[];
  /** Optimizer slots per tensor (train.task_optimizer: SGD 1, Adam 2). */
  slots: number;
  /** The task's statistics (BatchNormalization's moving mean and variance); none for most models. */
  stats: readonly TensorShape[];
}

const SECTIONS = ['sparse', 'support', 'head', 'headOptimizer', 'sparseOptimizer', 'stats'] as const;
type Section = (typeof SECTIONS)[number];

function tensorsOf(state: TaskStateMessage, section: Section): TensorMessage[] {
  if (section === 'headOptimizer' || section === 'sparseOptimizer') return state[section]?.slots ?? [];
  return state[section] ?? [];
}

/** The state with its sections' tensors replaced. */
function withSections(state: TaskStateMessage, tensors: Record<Section, TensorMessage[]>): TaskStateMessage {
  return {
    ...state,
    sparse: tensors.sparse,
    support: tensors.support,
    head: tensors.head,
    headOptimizer: { step: state.headOptimizer?.step ?? 0, slots: tensors.headOptimizer },
    sparseOptimizer: { step: state.sparseOptimizer?.step ?? 0, slots: tensors.sparseOptimizer },
    stats: tensors.stats,
  };
}

/** A whole task state cut into parts of at most a chunk of tensor data each (one part when it fits). */
export function taskStateParts(state: TaskStateMessage, chunkBytes: number): TaskStateMessage[] {
  const sectionOf = new Map<TensorMessage, Section>();
  const pieces = SECTIONS.flatMap((section) =>
    rawPieces(tensorsOf(state, section), chunkBytes).map((piece) => {
      sectionOf.set(piece, section);
      return piece;
    }),
  );
  const parts = groupParts(pieces, chunkBytes);
  return parts.map((part, i) => {
    const tensors: Record<Section, TensorMessage[]> = { sparse: [], support: [], head: [], headOptimizer: [], sparseOptimizer: [], stats: [] };
    for (const piece of part) tensors[sectionOf.get(piece)!].push(piece);
    return { ...withSections(state, tensors), ...partFields(i, parts.length) };
  });
}

/** Each section's expected tensors for a state of `classes` classes. */
function expectations(layout: TaskStateLayout, classes: number): Record<Section, { expected: readonly TensorShape[]; optional: boolean }> {
  const head = layout.head(classes);
  const slots = (tensors: readonly TensorShape[]) => Array.from({ length: layout.slots }, () => tensors).flat();
  return {
    sparse: { expected: layout.shared, optional: false },
    support: { expected: layout.shared, optional: true },
    head: { expected: head, optional: false },
    headOptimizer: { expected: slots(head), optional: false },
    sparseOptimizer: { expected: slots(layout.shared), optional: false },
    stats: { expected: layout.stats, optional: false },
  };
}

/**
 * A task state whose parts are arriving, checked against the layout and put back together. Every
 * violation is a WireError naming the part; after one, the state must be dropped.
 */
export class TaskStateAssembler {
  private sections: Record<Section, RawAssembler> | null = null;
  private classes = 0;

  constructor(
    private readonly what: string,
    private readonly layout: TaskStateLayout,
  ) {}

  /** Whether the state has begun and is not complete. */
  get open(): boolean {
    return this.sections !== null && this.sections.sparse.open;
  }

  /** The part this assembler waits for next. */
  get waitingFor(): number {
    return this.sections?.sparse.waitingFor ?? 0;
  }

  /** Takes one part; returns the whole state once its last part is in, else null. */
  accept(part: TaskStateMessage): TaskStateMessage | null {
    const index = part.part ?? 0;
    const classes = part.classes ?? 0;
    if (this.sections === null) {
      if (index !== 0) throw new WireError(ErrorCode.MALFORMED, `${this.what}: part ${index} arrived first (part 0 is missing)`);
      if (!Number.isInteger(classes) || classes < 1) throw new WireError(ErrorCode.SHAPE, `${this.what}: the state has no head (classes ${classes})`);
      this.classes = classes;
      const expect = expectations(this.layout, classes);
      this.sections = Object.fromEntries(SECTIONS.map((section) => [section, new RawAssembler(`${this.what}, ${section}`, expect[section].expected, expect[section].optional)])) as Record<
        Section,
        RawAssembler
      >;
    } else if (classes !== this.classes) {
      throw new WireError(ErrorCode.MALFORMED, `${this.what}: part ${index} says ${classes} classes, part 0 said ${this.classes}`);
    }
    const sections = this.sections;
    let complete = false;
    for (const section of SECTIONS) complete = sections[section].accept(index, part.parts ?? 0, tensorsOf(part, section));
    if (!complete) return null;
    const whole = Object.fromEntries(SECTIONS.map((section) => [section, sections[section].tensors])) as Record<Section, TensorMessage[]>;
    return { ...withSections(part, whole), part: null, parts: null };
  }
}
