import { randomBytes } from 'node:crypto';
import { Inbox } from './message';
import { RobotGroups } from './robot';
import type { Fault } from './types';

export const TOKEN_TTL_MS = 7200_000;
export const CODE_TTL_MS = 300_000;
export const TICKET_TTL_MS = 1800_000;

export const API_ENDPOINTS = ['gettoken', 'auth/getuserinfo', 'auth/getuserdetail', 'user/get', 'user/getuserid', 'agent/get'];

interface TokenRecord {
  token: string;
  corpId: string;
  agentId: string;
  expiresAt: number;
  revokedWith?: number;
}

export type CodeSubject = { userid: string } | { openid: string };

export interface CodeRecord {
  corpId: string;
  agentId: string;
  subject: CodeSubject;
  /** '' for web/QR login; snsapi_base when the in-client page had no agentid */
  scope: string;
  redirectHost: string;
  issuedAt: number;
  used: boolean;
}

export interface TicketRecord {
  corpId: string;
  agentId: string;
  userid: string;
  expiresAt: number;
}

export type TokenCheck = { ok: true; corpId: string; agentId: string } | { ok: false; errcode: number };

const random = (bytes: number): string => randomBytes(bytes).toString('base64url');
const appKey = (corpId: string, agentId: string): string => `${corpId}\n${agentId}`;

export class SandboxState {
  private clockOffset = 0;
  private calls: Record<string, number> = {};
  private faults: { fault: Fault; left: number }[] = [];
  private tokens = new Map<string, TokenRecord>();
  private currentTokens = new Map<string, TokenRecord>();
  private codes = new Map<string, CodeRecord>();
  private tickets = new Map<string, TicketRecord>();
  private rate = new Map<string, number[]>();
  readonly inbox = new Inbox();
  readonly robots = new RobotGroups();

  constructor() {
    this.reset();
  }

  reset(): void {
    this.clockOffset = 0;
    this.calls = Object.fromEntries(API_ENDPOINTS.map((e) => [e, 0]));
    this.faults = [];
    this.tokens.clear();
    this.currentTokens.clear();
    this.codes.clear();
    this.tickets.clear();
    this.rate.clear();
    this.inbox.reset();
    this.robots.reset();
  }

  now(): number {
    return Date.now() + this.clockOffset;
  }

  advanceClock(ms: number): void {
    this.clockOffset += ms;
  }

  count(endpoint: string): void {
    this.calls[endpoint] = (this.calls[endpoint] ?? 0) + 1;
  }

  stats(): { calls: Record<string, number> } {
    return { calls: { ...this.calls } };
  }

  inject(fault: Fault): void {
    const times = fault.times ?? 1;
    this.faults.push({ fault, left: times < 0 ? Infinity : times });
  }

  takeFault(endpoint: string): Fault | undefined {
    const entry = this.faults.find((f) => f.left > 0 && (f.fault.endpoint === endpoint || f.fault.endpoint === '*'));
    if (!entry) return undefined;
    entry.left -= 1;
    this.faults = this.faults.filter((f) => f.left > 0);
    return entry.fault;
  }

  /** true when this call exceeds the budget of the last 60 s (refused calls count too) */
  overRate(corpId: string, endpoint: string, perMinute: number): boolean {
    const key = `${corpId}\n${endpoint}`;
    const now = this.now();
    const times = this.rate.get(key) ?? [];
    while (times.length > 0 && times[0] <= now - 60_000) times.shift();
    times.push(now);
    this.rate.set(key, times);
    return times.length > perMinute;
  }

  token(corpId: string, agentId: string): TokenRecord {
    const key = appKey(corpId, agentId);
    const current = this.currentTokens.get(key);
    if (current && current.expiresAt > this.now()) return current;
    const record: TokenRecord = { token: random(48), corpId, agentId, expiresAt: this.now() + TOKEN_TTL_MS };
    this.tokens.set(record.token, record);
    this.currentTokens.set(key, record);
    return record;
  }

  checkToken(token: string): TokenCheck {
    const record = this.tokens.get(token);
    if (!record) return { ok: false, errcode: 40014 };
    if (record.revokedWith) return { ok: false, errcode: record.revokedWith };
    if (record.expiresAt <= this.now()) return { ok: false, errcode: 42001 };
    return { ok: true, corpId: record.corpId, agentId: record.agentId };
  }

  /** WeCom may invalidate a token before its time: the holder learns it on its next call */
  revokeTokens(errcode: number): void {
    for (const record of this.currentTokens.values()) {
      if (record.expiresAt > this.now()) record.revokedWith = errcode;
    }
    this.currentTokens.clear();
  }

  issueCode(record: Omit<CodeRecord, 'issuedAt' | 'used'>): string {
    const code = random(32);
    this.codes.set(code, { ...record, issuedAt: this.now(), used: false });
    return code;
  }

  code(code: string): CodeRecord | undefined {
    return this.codes.get(code);
  }

  issueTicket(corpId: string, agentId: string, userid: string): string {
    const ticket = random(48);
    this.tickets.set(ticket, { corpId, agentId, userid, expiresAt: this.now() + TICKET_TTL_MS });
    return ticket;
  }

  ticket(ticket: string): TicketRecord | undefined {
    const record = this.tickets.get(ticket);
    return record && record.expiresAt > this.now() ? record : undefined;
  }
}
