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
}

export interface SandboxConfig {
  corps: SandboxCorp[];
  /** per corp per endpoint per minute; 45009 beyond */
  rateLimit?: { perMinute: number };
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
  /** destroy the socket */
  hangUp?: boolean;
}

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
  close(): Promise<void>;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
}
