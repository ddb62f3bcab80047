// The card itself, its task_id, the decision rule, the events' XML, the passive reply and the event bus.
import { describe, expect, it } from 'vitest';
import { parseEventXml } from '../../src/server/app-callback/callback-action';
import { AppEvents } from '../../src/server/common/app-events';
import { buildCard, isTaskId, newTaskId, outcomeOf } from '../../src/server/card/card';
import { CallbackCrypto } from '../../src/server/wecom/callback-crypto';
import { parseCallbackXml } from '../../src/server/wecom/callback-xml';
import { passiveReplyXml } from '../../src/server/wecom/callback-reply';
import type { CardButton } from '../../src/shared/wecom-card';

const BUTTONS: CardButton[] = [
  { key: 'yes', text: 'Approve', style: 1, action: 'approve' },
  { key: 'no', text: 'Reject', action: 'reject' },
];

describe('task_id', () => {
  it('is 34 characters WeCom accepts, different every time', () => {
    const ids = new Set(Array.from({ length: 1000 }, newTaskId));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9A-Za-z_\-@]{1,128}$/);
      expect(isTaskId(id)).toBe(true);
    }
    expect(isTaskId('taskid111')).toBe(false);
    expect(isTaskId(`${newTaskId()}x`)).toBe(false);
  });
});

describe('buildCard', () => {
  it('builds a button_interaction card with callback buttons', () => {
    expect(buildCard({ taskId: 'wcX', title: 'Approve order 7', description: 'Amount 100', url: 'https://a.example/x', buttons: BUTTONS })).toEqual({
      card_type: 'button_interaction',
      main_title: { title: 'Approve order 7' },
      sub_title_text: 'Amount 100',
      card_action: { type: 1, url: 'https://a.example/x' },
      task_id: 'wcX',
      button_list: [
        { type: 0, text: 'Approve', style: 1, key: 'yes' },
        { type: 0, text: 'Reject', style: 1, key: 'no' },
      ],
    });
  });

  it('cuts texts filled in by variables to WeCom’s lengths', () => {
    const card = buildCard({ taskId: 'wcX', title: '审'.repeat(50), description: 'd'.repeat(200), buttons: BUTTONS });
    expect([...(card.main_title as { title: string }).title]).toHaveLength(36);
    expect([...(card.sub_title_text as string)]).toHaveLength(160);
    expect(card.card_action).toBeUndefined();
  });
});

describe('outcomeOf', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const two = [{ userId: 1 }, { userId: 2 }];
  it('any one decides: the first decision', () => {
    expect(outcomeOf(0, BUTTONS, two, [])).toBeUndefined();
    expect(outcomeOf(0, BUTTONS, two, [{ userId: 2, userid: 'b', key: 'no', at }])).toEqual({ status: -5, key: 'no', action: 'reject' });
    expect(outcomeOf(0, BUTTONS, two, [{ userId: 1, userid: 'a', key: 'yes', at }])).toEqual({ status: 1, key: 'yes', action: 'approve' });
  });
  it('everyone must approve: all approvals, or the first reject', () => {
    expect(outcomeOf(1, BUTTONS, two, [{ userId: 1, userid: 'a', key: 'yes', at }])).toBeUndefined();
    expect(outcomeOf(1, BUTTONS, two, [{ userId: 1, userid: 'a', key: 'yes', at }, { userId: 2, userid: 'b', key: 'yes', at }])).toEqual({ status: 1, key: 'yes', action: 'approve' });
    expect(outcomeOf(1, BUTTONS, two, [{ userId: 1, userid: 'a', key: 'no', at }])).toEqual({ status: -5, key: 'no', action: 'reject' });
  });
});

describe('events', () => {
  it('reads a template_card_event, its nested SelectedItems left out', () => {
    // WeCom's own example [90240], as copied by WxJava's test.
    const xml = `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>
<EventKey><![CDATA[key111]]></EventKey><TaskId><![CDATA[taskid111]]></TaskId><CardType><![CDATA[text_notice]]></CardType>
<ResponseCode><![CDATA[ResponseCode]]></ResponseCode><AgentID>1</AgentID>
<SelectedItems><SelectedItem><QuestionKey><![CDATA[QuestionKey1]]></QuestionKey>
<OptionIds><OptionId><![CDATA[OptionId1]]></OptionId><OptionId><![CDATA[OptionId2]]></OptionId></OptionIds>
</SelectedItem></SelectedItems></xml>`;
    expect(parseEventXml(xml)).toEqual({
      ToUserName: 'toUser',
      FromUserName: 'FromUser',
      CreateTime: '123456789',
      MsgType: 'event',
      Event: 'template_card_event',
      EventKey: 'key111',
      TaskId: 'taskid111',
      CardType: 'text_notice',
      ResponseCode: 'ResponseCode',
      AgentID: '1',
    });
  });

  it('answers a passive reply WeCom can decrypt and verify', () => {
    const crypto = new CallbackCrypto({ token: 'tok', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', receiveId: 'wwcorp' });
    const reply = parseCallbackXml(passiveReplyXml(crypto, '<MsgType><![CDATA[update_button]]></MsgType><Button><ReplaceName><![CDATA[Approved]]></ReplaceName></Button>', 'lisi', 'wwcorp'));
    expect(crypto.verify(reply.MsgSignature, reply.TimeStamp, reply.Nonce, reply.Encrypt)).toBe(true);
    expect(crypto.decrypt(reply.Encrypt)).toMatch(/^<xml><ToUserName><!\[CDATA\[lisi\]\]><\/ToUserName><FromUserName><!\[CDATA\[wwcorp\]\]><\/FromUserName><CreateTime>\d+<\/CreateTime><MsgType>/);
  });

  it('hands each event to its type’s subscribers only, and the first reply', async () => {
    const events = new AppEvents();
    const seen: string[] = [];
    events.on('click', () => {
      seen.push('click');
    });
    const off = events.on('template_card_event', async () => {
      seen.push('card');
      return '<MsgType>x</MsgType>';
    });
    const event = (type: string) => ({ type, authenticator: 'a', options: {} as never, fields: {}, receivedAt: 0 });
    expect(await events.emit(event('template_card_event'))).toBe('<MsgType>x</MsgType>');
    expect(await events.emit(event('click'))).toBeUndefined();
    expect(await events.emit(event('enter_agent'))).toBeUndefined();
    off();
    expect(events.has('template_card_event')).toBe(false);
    expect(seen).toEqual(['card', 'click']);
  });
});
