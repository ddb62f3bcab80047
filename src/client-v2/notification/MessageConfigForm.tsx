// The entry of dist/client-v2/notification-message.js: the message of a `/v/` workflow notification node sent
// over a `wecom` channel (a plain antd Form; every name is under the node's `namePrefix`). Field names are
// WeCom's message/send names (docs/architecture.md, notification channel), as in the v1 form
// (src/client/notification/forms.tsx); the server checks everything again once the variables are filled in.
import { contentLinks, maxBytes, maxChars, appLink } from '../../client-common/notification/limits';
import { required, rule } from '../rules';
import { Receivers, templateCardFields, useMessageForm, type MessageFormProps } from './fields';

export default function MessageConfigForm(props: MessageFormProps) {
  const { t, at, msgtype, msgtypeItem, origin, text } = useMessageForm(props, 'textcard');
  return (
    <>
      <Receivers name={at('receivers')} t={t} />
      {msgtypeItem([
        { label: t('Text card'), value: 'textcard' },
        { label: t('Text'), value: 'text' },
        { label: 'Markdown', value: 'markdown' },
        { label: t('Template card (text notice)'), value: 'template_card' },
      ])}
      {msgtype === 'textcard' && [
        text(['title'], t('Title'), [required(t, t('Title')), rule(maxBytes(t, 128))]),
        text(['description'], t('Description'), [required(t, t('Description')), rule(maxBytes(t, 512))], undefined, true),
        text(
          ['url'],
          t('Link'),
          [rule(appLink(t, origin))],
          t("A path of this app, like /admin/..., made absolute from the authenticator's Origin. Empty: the authenticator's redirect link."),
        ),
        text(['btntxt'], t('Button text'), [rule(maxChars(t, 4))]),
      ]}
      {(msgtype === 'text' || msgtype === 'markdown') &&
        text(['content'], t('Content'), [required(t, t('Content')), rule(contentLinks(t, () => msgtype, origin))], undefined, true)}
      {msgtype === 'template_card' && templateCardFields(t, text, origin)}
    </>
  );
}
