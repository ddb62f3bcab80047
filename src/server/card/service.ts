// What the card node does at run time: send the card (one message/send for every assignee), take a click as
// a decision, settle the job once (an atomic UPDATE of our task, then of the job, then one resume), update the
// cards, and time out. Every instance of a cluster runs this; the conditional updates decide who acts.
import type { Database } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import { setTimeout as delay } from 'node:timers/promises';
import { NAMESPACE } from '../../constants';
import { appTranslator } from '../common/app-language';
import type { AppEvent } from '../common/app-events';
import { LoginError, localize } from '../common/errors';
import { isRootUser } from '../common/root-users';
import { servicesOf } from '../common/services';
import { linkTargetOf, signedInLink } from '../common/signed-in-links';
import { WecomApiError } from '../wecom/errors';
import { CARD_LIMITS, CardConfig, cardConfigErrors } from '../../shared/wecom-card';
import { cardAuthenticator, CardAuthenticator } from './authenticator';
import { buildCard, Decision, isTaskId, JOB, newTaskId, outcomeOf } from './card';
import { resolveAssignees, stillLinked } from './recipients';
import { Assignee, CardTask, createTask, dueTasks, findTask, TASKS, Unreached, unsettledTasks, updateTask } from './store';

/** The job's result, a variable of later nodes. */
export interface CardResult {
  key: string | null;
  action: 'approve' | 'reject' | null;
  decisions: Decision[];
  /** Assignees the card did not reach (no WeCom link, or WeCom refused them). */
  unreached?: Unreached[];
  /** Why the job failed (no one reached, a timeout, a configuration problem), in the app's language. */
  reason?: string;
}

/** The part of plugin-workflow the card uses (it is optional: the plugin loads without it). */
export interface WorkflowPlugin {
  resume(job: unknown): Promise<void>;
  registerInstruction(type: string, instruction: unknown): void;
}

/** The part of plugin-workflow's Processor the card uses. */
export interface Processor {
  getParsedValue(value: unknown, nodeId: number): unknown;
  saveJob(payload: Record<string, unknown>): JobModel;
}
export interface JobModel {
  id: string | number;
  executionId: string | number;
  set(values: Record<string, unknown>): void;
  get(name: string): unknown;
}
export interface NodeModel {
  id: number;
  key: string;
  workflowId: number;
  config: Partial<CardConfig>;
}

type Log = Application['log'];

export class CardService {
  private timers = new Map<number, NodeJS.Timeout>();
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly app: Application,
    private readonly workflow: WorkflowPlugin,
  ) {}

  private get db(): Database {
    return this.app.db;
  }

  private get log(): Log {
    return this.app.log;
  }

  // --- sending ---

  /** Sends the card of `node` for `job`: the job's result and whether it fails at once. */
  async send(node: NodeModel, job: JobModel, processor: Processor): Promise<{ status: number; result: CardResult }> {
    const t = await appTranslator(this.app);
    const failed = (reason: string, unreached?: Unreached[]) => ({ status: JOB.FAILED, result: { key: null, action: null, decisions: [], unreached, reason } });
    const config = node.config ?? {};
    let authenticator: CardAuthenticator;
    try {
      authenticator = await cardAuthenticator(this.app, config.authenticator);
    } catch (error) {
      if (error instanceof LoginError) return failed(localize(t, error.reason));
      throw error;
    }
    const text = (value: unknown) => (value === undefined || value === null ? '' : String(processor.getParsedValue(value, node.id) ?? ''));
    const filled = { ...config, title: text(config.title), description: text(config.description) || undefined, url: text(config.url) || undefined };
    // A filled-in text longer than WeCom's limit is cut, not refused; an empty title is said below.
    const [problem] = cardConfigErrors(filled, { origin: authenticator.options.origin }).filter((e) => e.field !== 'title' && e.field !== 'description');
    if (problem) return failed(t(problem.message, { ns: NAMESPACE, ...problem.values }));
    if (!filled.title.trim()) return failed(t('The card needs a title.', { ns: NAMESPACE }));

    const userIds = userIdsOf(processor.getParsedValue(config.assignees ?? [], node.id));
    if (userIds.length > CARD_LIMITS.maxAssignees) {
      return failed(t('A card goes to at most {{max}} assignees; this one has {{count}}.', { ns: NAMESPACE, max: CARD_LIMITS.maxAssignees, count: userIds.length }));
    }
    const { reached, unreached } = await resolveAssignees(this.db, authenticator.name, authenticator.options.corpId, userIds);
    if (reached.length === 0) return failed(noneReached(t, unreached), unreached);

    let url: string | undefined;
    if (filled.url) {
      try {
        url = signedInLink(filled.url, await linkTargetOf(this.app, { name: authenticator.name, origin: authenticator.options.origin }), 'Link');
      } catch (error) {
        if (error instanceof LoginError) return failed(localize(t, error.reason));
        throw error;
      }
    }

    const timeout = typeof config.timeout === 'number' && config.timeout > 0 ? config.timeout : 0;
    const buttons = (config.buttons ?? []).map(({ key, text: label, style, action }) => ({ key, text: label, style, action }));
    const task = await createTask(this.db, {
      taskId: newTaskId(),
      jobId: String(job.id),
      executionId: String(job.executionId),
      workflowId: node.workflowId,
      nodeId: node.id,
      authenticator: authenticator.name,
      corpId: authenticator.options.corpId,
      agentId: authenticator.options.agentId,
      mode: config.mode === 1 ? 1 : 0,
      buttons,
      assignees: reached,
      unreached,
      deadline: timeout ? new Date(Date.now() + timeout * 1000) : null,
      responseCode: null,
    });

    const card = buildCard({ taskId: task.taskId, title: filled.title, description: filled.description, url, buttons });
    const client = servicesOf(this.app).clientFor(authenticator.options);
    let reply: Record<string, unknown>;
    try {
      // One message/send for every assignee: touser takes up to 1,000 userids joined by `|`.
      reply = await client.call('message/send', 'POST', {
        data: { touser: reached.map((a) => a.userid).join('|'), msgtype: 'template_card', agentid: Number(authenticator.options.agentId), template_card: card },
      });
    } catch (error) {
      if (!(error instanceof WecomApiError)) throw error;
      await this.db.getModel(TASKS).update({ status: JOB.FAILED }, { where: { id: task.id }, hooks: false });
      this.log.warn('wecom card not sent', { node: node.id, job: String(job.id), errcode: error.errcode, error: error.message });
      return failed(t('WeCom did not send the card: {{error}}', { ns: NAMESPACE, error: error.message }), unreached);
    }
    // WeCom answers 0 and lists the userids it could not reach (lowercased).
    const refused = new Map<string, Unreached['reason']>();
    for (const id of listOf(reply.invaliduser)) refused.set(id.toLowerCase(), 'invalid');
    for (const id of listOf(reply.unlicenseduser)) refused.set(id.toLowerCase(), 'unlicensed');
    const delivered = reached.filter((a) => !refused.has(a.userid.toLowerCase()));
    const notDelivered: Unreached[] = [
      ...unreached,
      ...reached.filter((a) => refused.has(a.userid.toLowerCase())).map((a) => ({ userId: a.userId, userid: a.userid, reason: refused.get(a.userid.toLowerCase())! })),
    ];
    const responseCode = typeof reply.response_code === 'string' ? reply.response_code : null;
    await this.db.getModel(TASKS).update(
      { assignees: delivered, unreached: notDelivered, responseCode, ...(delivered.length ? {} : { status: JOB.FAILED }) },
      { where: { id: task.id }, hooks: false },
    );
    this.log.info('wecom card sent', {
      node: node.id,
      job: String(job.id),
      task: task.id,
      msgid: reply.msgid,
      sent: delivered.length,
      unreached: notDelivered.map((u) => ({ userId: u.userId, reason: u.reason })),
    });
    if (delivered.length === 0) return failed(noneReached(t, notDelivered), notDelivered);
    if (task.deadline) this.schedule(task.id, task.deadline);
    return { status: JOB.PENDING, result: { key: null, action: null, decisions: [], unreached: notDelivered } };
  }

  // --- clicks ---

  /** A click on a card (template_card_event), signed and for this app: a decision if it counts. */
  async onClick(event: AppEvent): Promise<void> {
    const { FromUserName: from = '', EventKey: key = '', TaskId: taskId = '', ResponseCode: responseCode = '' } = event.fields;
    const ignore = (reason: string) => {
      this.log.info('wecom card click ignored', { authenticator: event.authenticator, from, reason });
    };
    if (!isTaskId(taskId)) return ignore('unknown-task');
    let task = await findTask(this.db, { taskId });
    // The task_id is the only key; the corp and agent must also be the ones the card was sent from.
    if (!task || task.authenticator !== event.authenticator || task.corpId !== event.options.corpId || task.agentId !== event.options.agentId) {
      return ignore('unknown-task');
    }
    const assignee = task.assignees.find((a) => a.userid.toLowerCase() === from.toLowerCase());
    if (!assignee) return ignore('not-an-assignee');
    if (!task.buttons.some((b) => b.key === key)) return ignore('unknown-button');
    if (!(await stillLinked(this.db, task.authenticator, task.corpId, assignee))) return ignore('not-linked');
    // A link speaks for no root user (the sign-in refuses it too): the task stays undecided for this assignee.
    if (await isRootUser(this.db, assignee.userId)) return ignore('root-user');

    for (let attempt = 0; ; attempt += 1) {
      if (task.status !== JOB.PENDING) return ignore('late');
      if (task.deadline && task.deadline.getTime() <= Date.now()) {
        await this.expire(task.id);
        return ignore('late');
      }
      if (task.decisions.some((d) => d.userId === assignee.userId)) return ignore('already-decided');
      const decisions = [...task.decisions, { userId: assignee.userId, userid: assignee.userid, key, at: new Date().toISOString() }];
      const outcome = outcomeOf(task.mode, task.buttons, task.assignees, decisions);
      if (await updateTask(this.db, task, { decisions, ...(outcome ? { status: outcome.status } : {}) })) {
        this.log.info('wecom card decision', { task: task.id, job: task.jobId, userId: assignee.userId, key, final: Boolean(outcome) });
        const t = await appTranslator(this.app);
        const name = await this.nameOf(assignee);
        const action = task.buttons.find((b) => b.key === key)!.action;
        const mine = { code: responseCode, userids: [assignee.userid] };
        if (outcome) {
          await this.settle(task, outcome.status, { key: outcome.key, action: outcome.action, decisions, unreached: task.unreached });
          // Everyone's card, with the send-time code (kept for this); this member's alone if there is none.
          const text = outcomeText(t, outcome.action, task.mode === 1 && outcome.action === 'approve' ? undefined : name);
          await this.updateCards(task, text, task.responseCode ? { code: task.responseCode, atall: true } : mine);
        } else {
          // Everyone must approve and some have not: only this member's card shows the decision yet.
          await this.updateCards(task, outcomeText(t, action, name), mine);
        }
        return;
      }
      // Another click (or the timeout) changed the task first: judge this one against what it is now.
      if (attempt > 20) throw new Error(`wecom card task ${task.id} kept changing`);
      task = (await findTask(this.db, { id: task.id }))!;
    }
  }

  /** The member's name as the card shows it: the NocoBase user's nickname, else the WeCom userid. */
  private async nameOf(assignee: Assignee): Promise<string> {
    const user = await this.db.getModel('users').findOne({ where: { id: assignee.userId }, attributes: ['nickname', 'username'] });
    return String(user?.get('nickname') || user?.get('username') || assignee.userid);
  }

  /**
   * The job of a task that this instance just decided: PENDING → `status` with `result`, then one resume. The
   * job is saved when its execution stops, right after the card went out, so a very fast click may find it not
   * yet written: it is looked for again for a while.
   */
  private async settle(task: CardTask, status: number, result: CardResult): Promise<void> {
    const jobs = this.db.getModel('jobs');
    for (let attempt = 0; ; attempt += 1) {
      const [count] = await jobs.update({ status, result }, { where: { id: task.jobId, status: JOB.PENDING } });
      if (count === 1) break;
      const existing = await jobs.findOne({ where: { id: task.jobId }, attributes: ['id', 'status'] });
      if (existing || attempt >= 100) {
        this.log.info('wecom card job no longer pending', { task: task.id, job: task.jobId, status: existing?.get('status') });
        return;
      }
      await delay(100);
    }
    const job = await this.db.getRepository('jobs').findOne({ filterByTk: task.jobId });
    await this.workflow.resume(job);
    this.log.info('wecom card job settled', { task: task.id, job: task.jobId, status });
  }

  /**
   * update_template_card [94888]: greys out the buttons with `text`. Each code updates once: the send-time code
   * (`atall`, every recipient) is kept for the final update; one member's card takes the code of their click.
   */
  private async updateCards(task: CardTask, text: string, target: { code: string | null; atall?: true; userids?: string[] }): Promise<void> {
    if (!target.code) return;
    const authenticator = await cardAuthenticator(this.app, task.authenticator).catch(() => undefined);
    if (!authenticator) return;
    try {
      await servicesOf(this.app)
        .clientFor(authenticator.options)
        .call('message/update_template_card', 'POST', {
          data: {
            ...(target.atall ? { atall: 1 } : { userids: target.userids }),
            agentid: Number(task.agentId),
            response_code: target.code,
            button: { replace_name: text },
          },
        });
    } catch (error) {
      if (!(error instanceof WecomApiError)) throw error;
      // The decision stands; only the card still shows its buttons.
      this.log.warn('wecom card not updated', { task: task.id, errcode: error.errcode, error: error.message });
    }
  }

  // --- timeouts ---

  /** Times the task out at `deadline` in this process; the sweep covers other instances and restarts. */
  schedule(id: number, deadline: Date): void {
    const wait = deadline.getTime() - Date.now();
    if (wait > 2 ** 31 - 1) return;
    clearTimeout(this.timers.get(id));
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        this.expire(id).catch((error: unknown) => this.log.error('wecom card timeout failed', { task: id, error: (error as Error)?.message }));
      }, Math.max(0, wait)),
    );
  }

  /** The task `id` if still pending past its deadline: FAILED, once across the cluster. */
  async expire(id: number): Promise<void> {
    const task = await findTask(this.db, { id });
    if (!task || task.status !== JOB.PENDING || !task.deadline || task.deadline.getTime() > Date.now()) return;
    if (!(await updateTask(this.db, task, { status: JOB.FAILED }))) return;
    const t = await appTranslator(this.app);
    const reason = t('Nobody decided before the timeout.', { ns: NAMESPACE });
    this.log.info('wecom card timed out', { task: task.id, job: task.jobId });
    await this.settle(task, JOB.FAILED, { key: null, action: null, decisions: task.decisions, unreached: task.unreached, reason });
    await this.updateCards(task, t('Expired', { ns: NAMESPACE }), { code: task.responseCode, atall: true });
  }

  /** Looks for due tasks now and every `intervalMs`: what another instance scheduled, or what a restart lost. */
  startSweeping(intervalMs: number): void {
    const sweep = async () => {
      for (const task of await dueTasks(this.db, new Date(Date.now() + intervalMs))) this.schedule(task.id, task.deadline!);
      await this.settleLeftovers(new Date(Date.now() - intervalMs));
    };
    const run = () => sweep().catch((error: unknown) => this.log.warn('wecom card sweep failed', { error: (error as Error)?.message }));
    void run();
    this.sweeper = setInterval(run, intervalMs);
    this.sweeper.unref?.();
  }

  /**
   * A decision is two writes: the task, then the job (and one resume). When the second did not happen (the
   * instance stopped, the database refused), WeCom does not send the click again and a later tap is late: the
   * sweep settles such tasks. The job's update is conditional (PENDING only), so it resumes once in a cluster.
   */
  private async settleLeftovers(before: Date): Promise<void> {
    for (const task of await unsettledTasks(this.db, before)) {
      const outcome = outcomeOf(task.mode, task.buttons, task.assignees, task.decisions);
      this.log.info('wecom card settling a decided task whose job is still pending', { task: task.id, job: task.jobId, status: task.status });
      if (outcome && outcome.status === task.status) {
        await this.settle(task, outcome.status, { key: outcome.key, action: outcome.action, decisions: task.decisions, unreached: task.unreached });
      } else if (task.status === JOB.FAILED) {
        const t = await appTranslator(this.app);
        const reason = t('Nobody decided before the timeout.', { ns: NAMESPACE });
        await this.settle(task, JOB.FAILED, { key: null, action: null, decisions: task.decisions, unreached: task.unreached, reason });
      }
    }
  }

  stop(): void {
    clearInterval(this.sweeper);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

function outcomeText(t: (key: string, options?: Record<string, unknown>) => string, action: 'approve' | 'reject', name?: string): string {
  if (!name) return t('Approved', { ns: NAMESPACE });
  return action === 'approve' ? t('Approved by {{name}}', { ns: NAMESPACE, name }) : t('Rejected by {{name}}', { ns: NAMESPACE, name });
}

function noneReached(t: (key: string, options?: Record<string, unknown>) => string, unreached: Unreached[]): string {
  const roots = unreached.filter((u) => u.reason === 'rootUser');
  const others = unreached.filter((u) => u.reason !== 'rootUser');
  const says: string[] = [];
  if (others.length) {
    says.push(t('None of the assignees can receive the card in WeCom (users {{ids}}): link them to WeCom first.', { ns: NAMESPACE, ids: others.map((u) => u.userId).join(', ') }));
  }
  if (roots.length) {
    says.push(t('Users {{ids}} have the root role, which never answers in WeCom: pick other assignees.', { ns: NAMESPACE, ids: roots.map((u) => u.userId).join(', ') }));
  }
  return says.join(' ');
}

/** User ids from the parsed assignees: numbers, numeric strings, or user records; each once. */
function userIdsOf(parsed: unknown): number[] {
  const ids = new Set<number>();
  const add = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(add);
    if (value && typeof value === 'object' && 'id' in value) return add((value as { id: unknown }).id);
    const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) ids.add(id);
  };
  add(parsed);
  return [...ids];
}

function listOf(value: unknown): string[] {
  return typeof value === 'string' ? value.split('|').filter(Boolean) : [];
}
