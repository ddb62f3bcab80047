// The card tasks: one row per card a node sent, the only way from a click (its task_id) back to a job. Every
// change of a task is one conditional UPDATE (`WHERE status = PENDING AND version = v`), so that two instances
// handling clicks (or a click and the timeout) at once cannot both decide it.
import { Database, Op } from '@nocobase/database';
import type { CardButton } from '../../shared/wecom-card';
import { Decision, JOB } from './card';

export const TASKS = 'wecomCardTasks';

export interface Assignee {
  userId: number;
  userid: string;
}

export interface Unreached {
  userId: number;
  /** notLinked: no link to the authenticator's corp; rootUser: a root user; invalid / unlicensed: WeCom's answer to message/send */
  reason: 'notLinked' | 'otherCorp' | 'rootUser' | 'invalid' | 'unlicensed';
  userid?: string;
}

export interface CardTask {
  id: number;
  taskId: string;
  jobId: string;
  executionId: string;
  workflowId: number;
  nodeId: number;
  authenticator: string;
  corpId: string;
  agentId: string;
  mode: number;
  buttons: CardButton[];
  assignees: Assignee[];
  unreached: Unreached[];
  decisions: Decision[];
  status: number;
  version: number;
  /** When the card times out, or null. */
  deadline: Date | null;
  /** message/send's response_code: one update_template_card of every recipient's card. */
  responseCode: string | null;
}

export function defineTasks(db: Database): void {
  if (db.getCollection(TASKS)) return;
  db.collection({
    name: TASKS,
    timestamps: true,
    // Server-side state of this plugin: no UI, no data-source listing.
    origin: '@nocobase/plugin-auth-wecom',
    dumpRules: { group: 'log' },
    fields: [
      { type: 'string', name: 'taskId', unique: true, allowNull: false },
      { type: 'string', name: 'jobId', allowNull: false },
      { type: 'string', name: 'executionId' },
      { type: 'bigInt', name: 'workflowId' },
      { type: 'bigInt', name: 'nodeId' },
      { type: 'string', name: 'authenticator', allowNull: false },
      { type: 'string', name: 'corpId' },
      { type: 'string', name: 'agentId' },
      { type: 'integer', name: 'mode', defaultValue: 0 },
      { type: 'json', name: 'buttons', defaultValue: [] },
      { type: 'json', name: 'assignees', defaultValue: [] },
      { type: 'json', name: 'unreached', defaultValue: [] },
      { type: 'json', name: 'decisions', defaultValue: [] },
      { type: 'integer', name: 'status', defaultValue: JOB.PENDING },
      { type: 'integer', name: 'version', defaultValue: 0 },
      { type: 'date', name: 'deadline' },
      { type: 'string', name: 'responseCode' },
    ],
  } as Parameters<Database['collection']>[0]);
}

function toTask(row: { get(name?: string): unknown }): CardTask {
  const raw = row.get() as Record<string, unknown>;
  const json = <T>(value: unknown, fallback: T): T => (typeof value === 'string' ? (JSON.parse(value) as T) : ((value as T) ?? fallback));
  return {
    ...(raw as unknown as CardTask),
    id: Number(raw.id),
    workflowId: Number(raw.workflowId),
    nodeId: Number(raw.nodeId),
    mode: Number(raw.mode),
    status: Number(raw.status),
    version: Number(raw.version),
    buttons: json(raw.buttons, []),
    assignees: json(raw.assignees, []),
    unreached: json(raw.unreached, []),
    decisions: json(raw.decisions, []),
    deadline: raw.deadline ? new Date(raw.deadline as string) : null,
  };
}

export async function createTask(db: Database, values: Omit<CardTask, 'id' | 'status' | 'version' | 'decisions'>): Promise<CardTask> {
  const row = await db.getModel(TASKS).create({ ...values, decisions: [], status: JOB.PENDING, version: 0 });
  return toTask(row);
}

export async function findTask(db: Database, where: Record<string, unknown>): Promise<CardTask | undefined> {
  const row = await db.getModel(TASKS).findOne({ where });
  return row ? toTask(row) : undefined;
}

/** Pending tasks whose deadline has passed (or passes before `until`). */
export async function dueTasks(db: Database, until: Date): Promise<CardTask[]> {
  const rows = await db.getModel(TASKS).findAll({ where: { status: JOB.PENDING, deadline: { [Op.ne]: null, [Op.lte]: until } }, limit: 500 });
  return rows.map(toTask);
}

/**
 * Tasks decided (or timed out) whose job is still PENDING: the instance that decided stopped, or failed to
 * write the job, between the two writes. Looked up from the few pending jobs of card nodes, not from every task.
 * `before`: only tasks decided before then (the deciding instance settles its own right away).
 */
export async function unsettledTasks(db: Database, before: Date): Promise<CardTask[]> {
  const nodes = await db.getModel('flow_nodes').findAll({ where: { type: 'wecom-card' }, attributes: ['id'] });
  if (!nodes.length) return [];
  const jobs = await db.getModel('jobs').findAll({
    where: { status: JOB.PENDING, nodeId: nodes.map((n) => n.get('id') as number) },
    attributes: ['id'],
    limit: 1000,
  });
  if (!jobs.length) return [];
  const rows = await db.getModel(TASKS).findAll({
    where: { jobId: jobs.map((j) => String(j.get('id'))), status: { [Op.ne]: JOB.PENDING }, updatedAt: { [Op.lte]: before } },
    limit: 500,
  });
  return rows.map(toTask);
}

/**
 * Moves `task` from the version it was read at to `changes`: true when this call made the change, false when
 * someone else changed the task first (read it again) or it is no longer pending.
 */
export async function updateTask(db: Database, task: CardTask, changes: Partial<Pick<CardTask, 'decisions' | 'status'>>): Promise<boolean> {
  const [count] = await db.getModel(TASKS).update(
    { ...changes, version: task.version + 1 },
    { where: { id: task.id, version: task.version, status: JOB.PENDING }, hooks: false },
  );
  return count === 1;
}
