// The app's events from WeCom (its receive-message callback), passed from the one feature that receives them
// (app-callback/) to the features that act on them (the card node today; member messages, menu clicks and
// enter_agent for what comes next), in this process, without either importing the other. Keyed by the app's
// plugin manager, like servicesOf.
import type { Application } from '@nocobase/server';
import type { WeComOptions } from './options';

/** One event, decrypted and checked: signed with the authenticator's Token, for its corp and agent. */
export interface AppEvent {
  /** `template_card_event`, `click`, `enter_agent`, ... for MsgType `event`; the MsgType otherwise (`text`, ...). */
  type: string;
  /** The authenticator whose callback received it. */
  authenticator: string;
  /** Its options (the app the event is for). */
  options: WeComOptions;
  /** Every field of the decrypted XML, as WeCom named them (FromUserName, EventKey, TaskId, ResponseCode, ...). */
  fields: Record<string, string>;
  /** When this server received it (ms). */
  receivedAt: number;
}

/**
 * What a subscriber may answer: nothing (WeCom gets an empty 200), or a passive reply, the plain XML to be
 * encrypted into the answer (e.g. `<MsgType>update_template_card</MsgType>…`). Only the first reply is sent.
 */
export type AppEventReply = string | undefined | void;

export type AppEventHandler = (event: AppEvent) => Promise<AppEventReply> | AppEventReply;

export class AppEvents {
  private handlers = new Map<string, Set<AppEventHandler>>();

  /** Subscribes to one event type; answers the unsubscribe. */
  on(type: string, handler: AppEventHandler): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => set!.delete(handler);
  }

  /** Whether anyone listens to `type`. */
  has(type: string): boolean {
    return (this.handlers.get(type)?.size ?? 0) > 0;
  }

  /**
   * Runs every subscriber of the event's type. Each runs even when another fails; the first failure is
   * thrown once all settled. Answers the first passive reply.
   */
  async emit(event: AppEvent): Promise<string | undefined> {
    const results = await Promise.allSettled([...(this.handlers.get(event.type) ?? [])].map(async (handler) => handler(event)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const r of results) if (r.status === 'fulfilled' && typeof r.value === 'string' && r.value) return r.value;
    return undefined;
  }
}

const byApp = new WeakMap<Application['pm'], AppEvents>();

/** The app's event bus, made on first use. */
export function appEventsOf(app: Application): AppEvents {
  let events = byApp.get(app.pm);
  if (!events) byApp.set(app.pm, (events = new AppEvents()));
  return events;
}
