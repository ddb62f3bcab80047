// The entry of dist/client-v2/robot-message.js: the message of a workflow notification node sent over a
// `wecom-robot` channel, in both workflow canvases (a plain antd Form; every name is under the node's
// `namePrefix`). Field names are WeCom's robot names [91770], as in the v1 form (src/client/notification/
// robot-forms.tsx); the checks are src/shared/robot-message.ts's, which the server makes again.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useFlowContext } from '@nocobase/flow-engine';
import { Button, Checkbox, Form, Radio, Space } from 'antd';
import { useMemo, type ReactNode } from 'react';
import { useT } from '../../client-common/locale';
import { appLink, channelOrigins } from '../../client-common/notification/limits';
import { robotField, robotMsgtypes } from '../../client-common/notification/robot';
import { ROBOT_LIMITS } from '../../shared/robot-message';
import { required, rule } from '../rules';
import { Receivers, TextItem } from './fields';

type Name = (string | number)[];

interface Props {
  variableOptions?: unknown[];
  namePrefix?: Name;
}

export default function RobotMessageConfigForm({ variableOptions, namePrefix = [] }: Props) {
  const t = useT();
  const form = Form.useFormInstance();
  const at = (...path: (string | number)[]): Name => [...namePrefix, ...path];
  const msgtype = (Form.useWatch(at('msgtype'), { form }) as string | undefined) ?? 'text';
  const { api } = useFlowContext();
  const origins = useMemo(() => channelOrigins((config) => api.request(config)), [api]);
  const origin = () => origins(form.getFieldValue(at('channelName')));
  const text = (path: (string | number)[], label: string, rules: object[], extra?: ReactNode, area = false) => (
    <TextItem key={path.join('.')} name={at(...path)} label={label} rules={rules} extra={extra} area={area} metaTree={variableOptions} />
  );
  return (
    <>
      <Form.Item name={at('msgtype')} label={t('Message type')} initialValue="text" rules={[required(t, t('Message type'))]}>
        <Radio.Group options={robotMsgtypes(t)} />
      </Form.Item>
      {(msgtype === 'text' || msgtype === 'markdown') && (
        <Receivers
          name={at('receivers')}
          t={t}
          optional
          label={t('Mention')}
          extra={t('NocoBase users to @mention in the group (text and markdown). Optional: without them the message goes to the group.')}
        />
      )}
      {msgtype === 'text' && (
        <Form.Item name={at('mentionAll')} valuePropName="checked">
          <Checkbox>{t('Mention everyone (@all)')}</Checkbox>
        </Form.Item>
      )}
      {msgtype === 'text' && text(['text', 'content'], t('Content'), [required(t, t('Content')), rule(robotField(t, 'text.content'))], undefined, true)}
      {msgtype === 'markdown' && text(['markdown', 'content'], t('Content'), [required(t, t('Content')), rule(robotField(t, 'markdown.content'))], undefined, true)}
      {msgtype === 'news' && (
        <Form.List name={at('news', 'articles')} initialValue={[{}]}>
          {(fields, { add, remove }) => (
            <Form.Item label={t('Articles')} required>
              {fields.map((field, i) => (
                <Space key={field.key} direction="vertical" style={{ width: '100%', borderBottom: '1px solid #f0f0f0', marginBottom: 8 }}>
                  {text(['news', 'articles', i, 'title'], t('Article title'), [required(t, t('Article title')), rule(robotField(t, 'news.articles.title'))])}
                  {text(['news', 'articles', i, 'description'], t('Article description'), [rule(robotField(t, 'news.articles.description'))])}
                  {text(['news', 'articles', i, 'url'], t('Article link'), [required(t, t('Article link')), rule(appLink(t, origin))])}
                  {text(['news', 'articles', i, 'picurl'], t('Picture address'), [rule(robotField(t, 'news.articles.picurl'))])}
                  {fields.length > 1 && <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(field.name)} />}
                </Space>
              ))}
              {fields.length < ROBOT_LIMITS.articles && (
                <Button icon={<PlusOutlined />} onClick={() => add({})}>
                  {t('Add article')}
                </Button>
              )}
            </Form.Item>
          )}
        </Form.List>
      )}
      {msgtype === 'template_card' && [
        text(['template_card', 'main_title', 'title'], t('Title'), [required(t, t('Title'))]),
        text(['template_card', 'main_title', 'desc'], t('Description'), []),
        text(['template_card', 'sub_title_text'], t('Content'), [], undefined, true),
        text(
          ['template_card', 'card_action', 'url'],
          t('Link'),
          [required(t, t('Link')), rule(appLink(t, origin))],
          t("A path of this app, like /admin/..., made absolute from the authenticator's Origin."),
        ),
      ]}
    </>
  );
}
