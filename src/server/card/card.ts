// The WeCom card itself (message/send's `template_card` of type `button_interaction` [90236]) and its task_id:
// pure, no NocoBase.
import { randomBytes } from 'node:crypto';
import { CARD_LIMITS, CardAction, CardButton, cutToChars } from '../../shared/wecom-card';

/**
 * A task_id nobody can guess: 24 random bytes, base64url (`[A-Za-z0-9_-]`, within WeCom's `[0-9A-Za-z_\-@]`
 * and 128 bytes), never repeated. It is the only link from a click back to its job, through our own table.
 */
export function newTaskId(): string {
  return `wc${randomBytes(24).toString('base64url')}`;
}

/** A task_id as we make them (34 characters); anything else in a click is not ours. */
export const isTaskId = (value: unknown): value is string => typeof value === 'string' && /^wc[A-Za-z0-9_-]{32}$/.test(value);

export interface CardContent {
  taskId: string;
  title: string;
  description?: string;
  /** The absolute address the card opens (already checked and made signed-in). */
  url?: string;
  buttons: CardButton[];
  /** The app's name, shown at the top of the card. */
  source?: string;
}

/** The `template_card` object: texts filled in by variables are cut to WeCom's lengths. */
export function buildCard(content: CardContent): Record<string, unknown> {
  const card: Record<string, unknown> = {
    card_type: 'button_interaction',
    main_title: { title: cutToChars(content.title.trim(), CARD_LIMITS.title) },
    task_id: content.taskId,
    button_list: content.buttons.map((b) => ({ type: 0, text: b.text, style: b.style ?? 1, key: b.key })),
  };
  if (content.source) card.source = { desc: cutToChars(content.source, 20) };
  const description = content.description?.trim();
  if (description) card.sub_title_text = cutToChars(description, CARD_LIMITS.description);
  if (content.url) card.card_action = { type: 1, url: content.url };
  return card;
}

export interface Decision {
  /** NocoBase user id */
  userId: number;
  /** WeCom userid */
  userid: string;
  /** The button's key */
  key: string;
  /** ISO time */
  at: string;
}

export const JOB = { PENDING: 0, RESOLVED: 1, FAILED: -1, REJECTED: -5 } as const;

/** What the decisions so far decide: nothing yet, or the job's final status and the deciding button. */
export function outcomeOf(
  mode: number,
  buttons: CardButton[],
  assignees: { userId: number }[],
  decisions: Decision[],
): { status: typeof JOB.RESOLVED | typeof JOB.REJECTED; key: string; action: CardAction } | undefined {
  const actionOf = (key: string) => buttons.find((b) => b.key === key)?.action;
  if (mode !== 1) {
    const first = decisions[0];
    if (!first) return undefined;
    const action = actionOf(first.key)!;
    return { status: action === 'approve' ? JOB.RESOLVED : JOB.REJECTED, key: first.key, action };
  }
  // Everyone must approve: one reject rejects at once.
  const reject = decisions.find((d) => actionOf(d.key) === 'reject');
  if (reject) return { status: JOB.REJECTED, key: reject.key, action: 'reject' };
  const approved = new Set(decisions.map((d) => d.userId));
  if (assignees.every((a) => approved.has(a.userId))) {
    const last = decisions[decisions.length - 1];
    return { status: JOB.RESOLVED, key: last.key, action: 'approve' };
  }
  return undefined;
}
