// The entry of dist/client-v2/wecom-card.js: the WeCom card node's form in the workflow canvas (/admin and /v/
// alike: NocoBase 2.2 draws both with the modern components). A plain antd Form under the drawer's `config`;
// every field is checked by the server's own rules (src/shared/wecom-card.ts), which are run again on save.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useFlowContext } from '@nocobase/flow-engine';
import { UsersSelect, WorkflowVariableInput, WorkflowVariableTextArea } from '@nocobase/plugin-workflow/client-v2';
import { Button, Form, Input, InputNumber, Radio, Select, Space } from 'antd';
import { useEffect, useState } from 'react';
import type { TFunction } from 'react-i18next';
import { AUTH_TYPE } from '../../constants';
import { useT } from '../../client-common/locale';
import { authenticatorChoice, type Choice } from '../../shared/authenticator-choice';
import { hasSavedSecret } from '../../shared/secrets';
import { CALLBACK_AES_KEY, CALLBACK_TOKEN, CARD_LIMITS, cardConfigErrors, type CardConfig } from '../../shared/wecom-card';
import { rule } from '../rules';
import { UserList } from '../UserList';

type Name = (string | number)[];

interface AuthenticatorRow {
  name: string;
  title?: string;
  options?: { origin?: string; savedSecrets?: string[] };
}

/** The server's refusal (src/server/card/authenticator.ts): without the app callback, WeCom delivers no tap. */
const NO_CALLBACK =
  'The WeCom authenticator "{{name}}" has no callback Token and EncodingAESKey. Set its API receive-message callback first: WeCom sends card clicks only there.';

/** Whether a read authenticator holds the app callback's Token and EncodingAESKey (write-only: listed, never sent). */
const hasCallback = (row: AuthenticatorRow) => [CALLBACK_TOKEN, CALLBACK_AES_KEY].every((path) => hasSavedSecret(row.options, path));

/** The enabled WeCom authenticators (a card is sent by one) and their Origins (a link must be on it). */
interface Authenticators {
  choices?: Choice[];
  origins: Map<string, string>;
  /** Names of those without the app callback. */
  noCallback: Set<string>;
}

function useAuthenticators(): Authenticators {
  const { api } = useFlowContext();
  const [state, setState] = useState<Authenticators>({ origins: new Map(), noCallback: new Set() });
  useEffect(() => {
    let mounted = true;
    const filter = encodeURIComponent(JSON.stringify({ authType: AUTH_TYPE, enabled: true }));
    api
      .request<{ data: AuthenticatorRow[] }>({ url: `authenticators:list?paginate=false&filter=${filter}` })
      .then(({ data }) => {
        if (!mounted) return;
        const origins = new Map(data.data.filter((row) => row.options?.origin).map((row) => [row.name, row.options!.origin!] as const));
        const noCallback = new Set(data.data.filter((row) => !hasCallback(row)).map((row) => row.name));
        setState({ choices: data.data.map(authenticatorChoice), origins, noCallback });
      })
      // A failed read offers no choice rather than a spinner that never ends; the server refuses a bad name anyway.
      .catch(() => mounted && setState({ choices: [], origins: new Map(), noCallback: new Set() }));
    return () => {
      mounted = false;
    };
  }, [api]);
  return state;
}

/**
 * An antd rule giving the shared checks' message for the field at `path` (`title`, `buttons.0.text`): the same
 * rules and words as the server's refusal on save.
 */
function cardRule(t: TFunction, path: string, config: () => unknown, origin: () => string | undefined) {
  return {
    validator: async () => {
      const error = cardConfigErrors(config(), { origin: origin() }).find((e) => e.field === path);
      if (error) throw new Error(t(error.message, { ...error.values, interpolation: { escapeValue: false } }));
    },
  };
}

const BUTTON_STYLES = [1, 2, 3, 4];

/** A new node's buttons (its config is empty until the drawer saves it). */
const DEFAULT_BUTTONS = [
  { key: 'approve', text: 'Approve', style: 1, action: 'approve' },
  { key: 'reject', text: 'Reject', style: 2, action: 'reject' },
];

/** A key no other button of the card has: WeCom echoes it as the tapped button's EventKey. */
function freshKey(buttons: { key?: string }[] | undefined): string {
  const used = new Set((buttons ?? []).map((b) => b.key));
  for (let n = 1; ; n++) if (!used.has(`button${n}`)) return `button${n}`;
}

export default function CardFieldset() {
  const t = useT();
  const form = Form.useFormInstance();
  const { choices, origins, noCallback } = useAuthenticators();
  const config = () => form.getFieldValue('config') as Partial<CardConfig> | undefined;
  const origin = () => origins.get(String(config()?.authenticator ?? ''));
  const check = (path: string) => cardRule(t, path, config, origin);
  const at = (...path: Name): Name => ['config', ...path];
  const assignees = (Form.useWatch(at('assignees'), { form }) as unknown[] | undefined) ?? [];
  const buttons = (Form.useWatch(at('buttons'), { form }) as { key?: string }[] | undefined) ?? [];
  // A list's rules run when rows are added or removed, not when a row's user is picked: a refusal shown for the
  // list is checked again as its values change. (A list still refused rejects; the message stays in the form.)
  const assigneesKey = JSON.stringify(assignees);
  useEffect(() => {
    if (form.getFieldError(at('assignees')).length) form.validateFields([at('assignees')]).catch(() => undefined);
  }, [form, assigneesKey]);

  return (
    <>
      <Form.Item
        name={at('authenticator')}
        label={t('WeCom authenticator')}
        extra={t("Its app sends the card, and WeCom sends the taps to its receive-messages URL (set the callback Token and EncodingAESKey in its settings).")}
        required
        rules={[
          check('authenticator'),
          rule((name) => (typeof name === 'string' && noCallback.has(name) ? t(NO_CALLBACK, { name, interpolation: { escapeValue: false } }) : '')),
        ]}
      >
        <Select options={choices} loading={!choices} />
      </Form.Item>
      <UserList
        name={at('assignees')}
        rules={[check('assignees')]}
        label={t('Assignees')}
        required
        extra={t('Users, or variables holding users. Each gets the card in WeCom through the account they signed in with.')}
        picker={<UsersSelect />}
        removeLabel={t('Remove assignee')}
        adder={(add) => (
          <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add('')}>
            {t('Add assignee')}
          </Button>
        )}
      />
      {/* Always part of the config (0 when one assignee decides anyway); shown once there are several. */}
      <Form.Item name={at('mode')} label={t('Mode')} initialValue={0} hidden={assignees.length <= 1} rules={[check('mode')]}>
        <Radio.Group
          options={[
            { label: t('Any one decides'), value: 0 },
            { label: t('Everyone must approve (one reject rejects)'), value: 1 },
          ]}
        />
      </Form.Item>
      <Form.Item
        name={at('title')}
        label={t('Title')}
        required
        extra={t('Up to {{max}} characters; variables are filled in when the card is sent.', { max: CARD_LIMITS.title })}
        rules={[check('title')]}
      >
        <WorkflowVariableInput />
      </Form.Item>
      <Form.Item name={at('description')} label={t('Description')} rules={[check('description')]}>
        <WorkflowVariableTextArea autoSize={{ minRows: 3 }} />
      </Form.Item>
      <Form.Item
        name={at('url')}
        label={t('Link')}
        extra={t('Optional: a page of this app, like /admin/..., opened signed in when the card is tapped in WeCom.')}
        rules={[check('url')]}
      >
        <WorkflowVariableInput />
      </Form.Item>
      <Form.List name={at('buttons')} rules={[check('buttons')]} initialValue={DEFAULT_BUTTONS}>
        {(fields, { add, remove }, { errors }) => (
          <Form.Item label={t('Buttons')} required validateStatus={errors.length ? 'error' : undefined} help={errors[0]}>
            <Space direction="vertical" style={{ width: '100%' }}>
              {fields.map((field) => (
                <div key={field.key} data-card-button={field.name} style={{ display: 'flex', alignItems: 'flex-start', gap: 8 }}>
                  <Form.Item name={[field.name, 'key']} hidden>
                    <Input />
                  </Form.Item>
                  <Form.Item name={[field.name, 'text']} style={{ flex: 1, marginBottom: 0 }} rules={[check(`buttons.${field.name}.text`), check(`buttons.${field.name}.key`)]}>
                    <Input placeholder={t('Button text')} />
                  </Form.Item>
                  <Form.Item name={[field.name, 'style']} style={{ width: 110, marginBottom: 0 }} initialValue={1} rules={[check(`buttons.${field.name}.style`)]}>
                    <Select aria-label={t('Style')} options={BUTTON_STYLES.map((style) => ({ label: t('Style {{n}}', { n: style }), value: style }))} />
                  </Form.Item>
                  <Form.Item name={[field.name, 'action']} style={{ width: 120, marginBottom: 0 }} initialValue="approve" rules={[check(`buttons.${field.name}.action`)]}>
                    <Select
                      aria-label={t('Decision')}
                      options={[
                        { label: t('Approves'), value: 'approve' },
                        { label: t('Rejects'), value: 'reject' },
                      ]}
                    />
                  </Form.Item>
                  <Button type="text" aria-label={t('Remove button')} icon={<DeleteOutlined />} onClick={() => remove(field.name)} />
                </div>
              ))}
              {fields.length < CARD_LIMITS.maxButtons && (
                <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add({ key: freshKey(buttons), text: '', style: 1, action: 'approve' })}>
                  {t('Add button')}
                </Button>
              )}
            </Space>
          </Form.Item>
        )}
      </Form.List>
      <Form.Item
        name={at('timeout')}
        label={t('Timeout (seconds)')}
        extra={t('Optional: with no decision by then, the node fails. Empty: it waits until someone decides.')}
        rules={[check('timeout')]}
      >
        <InputNumber min={1} precision={0} style={{ width: 200 }} />
      </Form.Item>
    </>
  );
}
