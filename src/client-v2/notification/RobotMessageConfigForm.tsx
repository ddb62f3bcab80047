// The entry of dist/client-v2/robot-message.js: the message of a workflow notification node sent over a
// `wecom-robot` channel, in both workflow canvases (a plain antd Form; every name is under the node's
// `namePrefix`). Field names are WeCom's robot names [91770], as in the v1 form (src/client/notification/
// robot-forms.tsx); the checks are src/shared/robot-message.ts's, which the server makes again.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Checkbox, Form, Space } from 'antd';
import { appLink } from '../../client-common/notification/limits';
import { robotField, robotMsgtypes } from '../../client-common/notification/robot';
import { ROBOT_LIMITS } from '../../shared/robot-message';
import { required, rule } from '../rules';
import { Receivers, templateCardFields, useMessageForm, type MessageFormProps } from './fields';

export default function RobotMessageConfigForm(props: MessageFormProps) {
  const { t, at, msgtype, msgtypeItem, origin, text } = useMessageForm(props, 'text');
  return (
    <>
      {msgtypeItem(robotMsgtypes(t))}
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
      {msgtype === 'template_card' && templateCardFields(t, text, origin)}
    </>
  );
}
