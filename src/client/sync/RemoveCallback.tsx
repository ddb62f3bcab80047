// "Remove" for a saved callback Token and EncodingAESKey (an empty field keeps a saved secret): marks both in
// `options.removeSecrets`, which the server honours on save (docs/architecture.md, write-only secrets).
import { observer, useForm } from '@formily/react';
import { Button, Space, Typography } from 'antd';
import { REMOVE_SECRETS } from '../../shared/secrets';
import { useT } from '../../client-common/locale';
import { CALLBACK_SECRET_PATHS, hasSavedCallback, removesCallback } from '../../client-common/sync/contacts';

export const RemoveCallback = observer(function RemoveCallback() {
  const t = useT();
  const form = useForm<{ options?: Record<string, unknown> }>();
  const options = form.values.options;
  if (!hasSavedCallback(options)) return null;
  if (removesCallback(options)) {
    return (
      <Space>
        <Typography.Text type="warning">{t('The saved Token and EncodingAESKey will be removed when you save.')}</Typography.Text>
        <Button onClick={() => form.setValuesIn(`options.${REMOVE_SECRETS}`, undefined)}>
          {t('Keep them')}
        </Button>
      </Space>
    );
  }
  return (
    <Button
      onClick={() => {
        for (const path of CALLBACK_SECRET_PATHS) form.setValuesIn(`options.${path}`, '');
        form.setValuesIn(`options.${REMOVE_SECRETS}`, [...CALLBACK_SECRET_PATHS]);
      }}
    >
      {t('Remove the saved Token and EncodingAESKey')}
    </Button>
  );
});
