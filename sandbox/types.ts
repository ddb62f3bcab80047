export interface SandboxApp {
  agentId: string;
  secret: string;
  name: string;
  /** host[:port] of redirect_uri, exact, port included */
  trustedDomains: string[];
  /** empty or absent: no check */
  trustedIps?: string[];
  /** absent: true (the norm for new apps) */
  createdAfter20220620?: boolean;
  /** absent: "all" */
  visibleTo?: string[] | 'all';
  /** The app's API receive-message setting (card clicks go there): sandbox/cards.ts. */
  callback?: { url: string; token: string; encodingAESKey: string };
}

export interface SandboxMember {
  userid: string;
  name: string;
  mobile?: string;
  email?: string;
  biz_mail?: string;
  avatar?: string;
  department?: number[];
  gender?: string;
  position?: string;
  address?: string;
  /** The contacts fields (sandbox/contacts.ts); each defaults to what WeCom answers for a plain member. */
  order?: number[];
  main_department?: number;
  is_leader_in_dept?: number[];
  direct_leader?: string[];
  /** 1 active (default), 2 disabled, 4 not activated, 5 left */
  status?: number;
  enable?: number;
  alias?: string;
  telephone?: string;
  /**
   * Custom attributes as WeCom answers them [90196]: `{ type: 0, name, text: { value } }`,
   * `{ type: 1, name, web: { url, title } }`, `{ type: 2, name, miniprogram: { appid, pagepath, title } }`.
   */
  extattr?: { attrs: unknown[] };
  /** The title shown to external contacts. */
  external_position?: string;
  /** Deprecated by WeCom (alias replaces it); answered only for members that still have one. */
  english_name?: string;
  /** false: no WeCom licence, message/send lists the member in `unlicenseduser` */
  licensed?: boolean;
}

export interface SandboxDepartment {
  id: number;
  name: string;
  name_en?: string;
  /** 0 for the root (id 1) */
  parentid: number;
  order?: number;
  department_leader?: string[];
}

/** The contacts-sync assistant (管理工具 → 通讯录同步) and where it sends change events. */
export interface SandboxContacts {
  secret: string;
  /** empty or absent: no check (60020 otherwise) */
  trustedIps?: string[];
  /**
   * IPs trusted before 2022-08-15. The sync secret used from any other IP reads no details (user/get,
   * user/list, department/list, department/get → 48009); absent: every IP is such an old one.
   */
  legacyIps?: string[];
  callback?: { url: string; token: string; encodingAESKey: string };
}

export interface SandboxOutsider {
  openid: string;
  name: string;
  external_userid?: string;
}

export interface SandboxCorp {
  corpId: string;
  name: string;
  apps: SandboxApp[];
  members: SandboxMember[];
  outsiders?: SandboxOutsider[];
  /** absent: only the root department 1, named after the corp */
  departments?: SandboxDepartment[];
  contacts?: SandboxContacts;
}

/** A group robot (消息推送): its webhook key, name and the group it posts to. */
export interface SandboxRobot {
  key: string;
  name: string;
  /** The group chat's name: its page is /groups/<group>. */
  group: string;
  /** absent: working; `removed` answers 93000 (like a wrong key), `disabled` 93004, `notInGroup` 93008 */
  status?: 'removed' | 'disabled' | 'notInGroup';
}

export interface SandboxConfig {
  corps: SandboxCorp[];
  /** Group robots (webhook/send); absent: none. */
  robots?: SandboxRobot[];
  /** Messages per robot per window (WeCom: 20 a minute); 45009 beyond. Shorter for tests. */
  robotLimit?: { perWindow: number; windowMs: number };
  /** per corp per endpoint per minute; 45009 beyond */
  rateLimit?: { perMinute: number };
  /** How long a card tap waits for the app's callback to answer before re-sending (WeCom: 5 s). */
  callbackTimeoutMs?: number;
}

export interface Fault {
  /** path after /cgi-bin/ ('gettoken', 'auth/getuserinfo', ...) or '*' */
  endpoint: string;
  /** default 1; Infinity or -1: until reset */
  times?: number;
  errcode?: number;
  errmsg?: string;
  /** HTTP status; the body is text unless `body` or `errcode` say otherwise */
  status?: number;
  body?: 'malformed' | 'html' | 'huge' | 'empty';
  delayMs?: number;
  /**
   * In-process only: answer once this settles (a test holds a call as long as it needs, instead of for a fixed
   * time); the connection is dropped if the client gave up meanwhile
   */
  until?: Promise<unknown>;
  /** destroy the socket */
  hangUp?: boolean;
}

export type { InboxMessage } from './message';
export type { GroupMessage } from './robot';
import type { GroupMessage } from './robot';
import type { InboxMessage } from './message';

import type { CallbackOptions, ContactChange, DeliveryReport } from './contacts-events';
export type { CallbackOptions, ContactChange, DeliveryAttempt, DeliveryReport } from './contacts-events';

export interface SandboxStats {
  calls: Record<string, number>;
}

export interface Sandbox {
  url: string;
  /** live: changes apply to later requests */
  config: SandboxConfig;
  stats(): SandboxStats;
  /** clears stats, faults, tokens, codes, tickets, rate counters and the clock offset */
  reset(): void;
  inject(fault: Fault): void;
  expireToken(errcode?: 42001 | 40014): void;
  advanceClock(ms: number): void;
  /** Changes a member or department and delivers the change_contact callback (also `POST /__sandbox/contacts/change`). */
  changeContact(change: ContactChange, options?: CallbackOptions): Promise<DeliveryReport>;
  /** The GET WeCom sends when an admin saves the callback URL (also `POST /__sandbox/contacts/verify-url`). */
  verifyContactsCallback(corpId?: string, options?: CallbackOptions): Promise<{ ok: boolean; status?: number; body?: string; error?: string }>;
  /** What message/send delivered to the member, oldest first (also `GET /__sandbox/inbox/<userid>`). */
  inbox(userid: string): InboxMessage[];
  /** What the group robots posted to `group`, oldest first (also `GET /__sandbox/groups/<group>`). */
  groupMessages(group: string): GroupMessage[];
  close(): Promise<void>;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  /**
   * Keep the address books (members, departments), the change-callback settings and the inboxes in `file`
   * (JSON, written shortly after each change) and start from it next time; `reset` drops it first. Absent:
   * nothing outlives the sandbox (the tests).
   */
  persist?: { file: string; reset?: boolean };
}
